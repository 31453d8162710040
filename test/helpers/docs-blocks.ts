/** The shell commands of a docs page's bash block marked `<!-- NAME:begin -->` … `<!-- NAME:end -->`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lake';

export function commandsOf(file: string, name: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const block = new RegExp(
    `<!-- ${name}:begin -->\\n\`\`\`bash\\n([\\s\\S]*?)\`\`\`\\n<!-- ${name}:end -->`,
  ).exec(text);
  if (!block?.[1]) throw new Error(`${file} has no bash block marked ${name}`);
  return block[1].split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
}
