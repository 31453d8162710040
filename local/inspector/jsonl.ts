/**
 * Reads the execution store's JSON-lines files for the inspector without trusting them: a bad line is
 * reported by file and line number instead of throwing, and a last line still being written (no
 * newline yet) is left for the next read rather than reported.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

export interface JsonlRead<T> {
  readonly items: T[];
  /** What could not be read, naming the file and line; null when every complete line parsed. */
  readonly problem: string | null;
}

export async function readJsonlFile<T>(path: string): Promise<JsonlRead<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { items: [], problem: null };
    return { items: [], problem: `${basename(path)} cannot be read (${(e as Error).message})` };
  }
  return parseJsonl<T>(text, basename(path));
}

export function parseJsonl<T>(text: string, file: string): JsonlRead<T> {
  const lines = text.split('\n');
  // The text after the last newline is a line the writer has not finished: read it only if it parses.
  const pending = lines.pop() ?? '';
  const items: T[] = [];
  const bad: string[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const value = JSON.parse(line) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        bad.push(`line ${i + 1} is not a JSON object`);
      else items.push(value as T);
    } catch (e) {
      bad.push(`line ${i + 1} is not valid JSON (${(e as Error).message})`);
    }
  });
  if (pending.trim()) {
    try {
      items.push(JSON.parse(pending) as T);
    } catch {
      // Still being appended: the next read sees it whole.
    }
  }
  const problem =
    bad.length === 0
      ? null
      : `${file}: ${bad.slice(0, 3).join('; ')}${bad.length > 3 ? `; and ${bad.length - 3} more bad lines` : ''}`;
  return { items, problem };
}
