/**
 * Reads the execution store's JSON-lines files for the inspector without trusting them: a bad line is
 * reported by file and line number instead of throwing, and a last line still being written (no
 * newline yet) is left for the next read rather than reported.
 */
import { createReadStream } from 'node:fs';
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

export interface JsonlStream {
  /** Lines that were JSON objects (all of them, also those the caller did not keep). */
  readonly count: number;
  readonly problem: string | null;
}

/** Thrown when a read is stopped (the server is closing). */
export class ReadStopped extends Error {}

/**
 * Streams a JSON-lines file from disk, one object at a time, in file order: memory stays bounded by
 * what `onItem` keeps, and the server answers other requests between chunks. Bad lines are reported as
 * parseJsonl reports them; a last line without its newline is used only if it parses.
 */
export async function streamJsonlFile<T>(
  path: string,
  onItem: (item: T, n: number) => void,
  signal?: AbortSignal,
): Promise<JsonlStream> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  const bad: string[] = [];
  let badCount = 0;
  let count = 0;
  let lineNo = 0;
  let rest = '';
  const take = (line: string, complete: boolean) => {
    lineNo++;
    if (!line.trim()) return;
    try {
      const value = JSON.parse(line) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        if (complete && badCount++ < 3) bad.push(`line ${lineNo} is not a JSON object`);
        return;
      }
      onItem(value as T, count++);
    } catch (e) {
      if (complete && badCount++ < 3) bad.push(`line ${lineNo} is not valid JSON (${(e as Error).message})`);
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      if (signal?.aborted) throw new ReadStopped(`Reading ${basename(path)} was stopped`);
      const text = rest + chunk;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        take(text.slice(start, nl), true);
        start = nl + 1;
      }
      rest = text.slice(start);
    }
  } catch (e) {
    stream.destroy();
    if (e instanceof ReadStopped) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { count: 0, problem: null };
    return { count, problem: `${basename(path)} cannot be read (${(e as Error).message})` };
  }
  // Still being appended, or torn by a full disk: used only if it parses.
  if (rest.trim()) take(rest, false);
  const problem =
    badCount === 0
      ? null
      : `${basename(path)}: ${bad.join('; ')}${badCount > 3 ? `; and ${badCount - 3} more bad lines` : ''}`;
  return { count, problem };
}
