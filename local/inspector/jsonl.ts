/**
 * Reads the execution store's JSON-lines files for the inspector without trusting them: a bad line is
 * reported by file and line number instead of throwing, and a last line still being written (no
 * newline yet) is left for the next read rather than reported. Files are streamed from disk, so a
 * history of millions of lines costs memory only for what the caller keeps.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';

export interface JsonlRead<T> {
  readonly items: T[];
  /** What could not be read, naming the file and line; null when every complete line parsed. */
  readonly problem: string | null;
}

export interface JsonlStream {
  /** Lines that were JSON objects (all of them, also those the caller did not keep). */
  readonly count: number;
  readonly problem: string | null;
}

/** Thrown when a read is stopped (the server is closing). */
export class ReadStopped extends Error {}

/** Splits text given in pieces into lines and parses each; the first three bad lines are named. */
class LineReader<T> {
  private rest = '';
  private lineNo = 0;
  private readonly bad: string[] = [];
  private badCount = 0;
  count = 0;

  constructor(
    private readonly file: string,
    private readonly onItem: (item: T, n: number) => void,
  ) {}

  push(chunk: string): void {
    const text = this.rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.take(text.slice(start, nl), true);
      start = nl + 1;
    }
    this.rest = text.slice(start);
  }

  /** The text after the last newline is a line the writer has not finished: used only if it parses. */
  end(): string | null {
    if (this.rest.trim()) this.take(this.rest, false);
    if (this.badCount === 0) return null;
    const more = this.badCount > 3 ? `; and ${this.badCount - 3} more bad lines` : '';
    return `${this.file}: ${this.bad.join('; ')}${more}`;
  }

  private take(line: string, complete: boolean): void {
    this.lineNo++;
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      if (complete) this.report(`line ${this.lineNo} is not valid JSON (${(e as Error).message})`);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      if (complete) this.report(`line ${this.lineNo} is not a JSON object`);
      return;
    }
    this.onItem(value as T, this.count++);
  }

  private report(problem: string): void {
    if (this.badCount++ < 3) this.bad.push(problem);
  }
}

export function parseJsonl<T>(text: string, file: string): JsonlRead<T> {
  const items: T[] = [];
  const reader = new LineReader<T>(file, (item) => items.push(item));
  reader.push(text);
  return { items, problem: reader.end() };
}

/**
 * Streams a JSON-lines file from disk, one object at a time, in file order: memory stays bounded by
 * what `onItem` keeps, and the server answers other requests between chunks (64 KB each).
 */
export async function streamJsonlFile<T>(
  path: string,
  onItem: (item: T, n: number) => void,
  signal?: AbortSignal,
): Promise<JsonlStream> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  const reader = new LineReader<T>(basename(path), onItem);
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      if (signal?.aborted) throw new ReadStopped(`Reading ${basename(path)} was stopped`);
      reader.push(chunk);
    }
  } catch (e) {
    stream.destroy();
    if (e instanceof ReadStopped) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { count: 0, problem: null };
    return { count: reader.count, problem: `${basename(path)} cannot be read (${(e as Error).message})` };
  }
  return { count: reader.count, problem: reader.end() };
}
