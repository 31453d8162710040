/** The README stays true: its diagram is the committed ASL's, its links resolve, its numbers are the benchmark's. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { documentSvg } from '../local/graph';
import { aslFileName } from '../workflows/render-asl';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { cli } from './helpers/lake';

const ROOT = resolve(__dirname, '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const between = (text: string, name: string) => {
  const m = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(text);
  if (!m) throw new Error(`README has no ${name} block`);
  return m[1] as string;
};

describe('README', () => {
  it('shows the state machine exactly as `lakestep graph --format mermaid` draws it (re-render it with `npm run asl`)', async () => {
    const graph = await cli(['graph', '--format', 'mermaid']);
    expect(graph.code).toBe(0);
    expect(between(readme, 'state-machine')).toBe(`\`\`\`mermaid\n${graph.stdout}\`\`\`\n`);
  });

  it('docs/state-machine.svg draws the committed ASL (re-render it with `npm run asl`)', () => {
    const asl = JSON.parse(readFileSync(join(ROOT, 'asl', aslFileName(YOUTUBE_TRENDING)), 'utf8'));
    expect(readFileSync(join(ROOT, 'docs', 'state-machine.svg'), 'utf8')).toBe(documentSvg(asl));
  });

  it('shows the measured performance of docs/performance.md', () => {
    const perf = readFileSync(join(ROOT, 'docs', 'performance.md'), 'utf8');
    // The headline table stands between the same markers in both; the bench writes both.
    expect(between(perf, 'performance')).toMatch(/\|/);
    expect(between(readme, 'performance').trim()).toBe(between(perf, 'performance').trim());
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\(((?!https?:)[^)#]+)\)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect([l, existsSync(join(ROOT, l))]).toEqual([l, true]);
  });

  it('names the two set-up commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
