/**
 * Reads the execution store's JSON-lines files without trusting them: a damaged line (a disk that filled
 * mid-append, a hand edit) is skipped and reported by file and line, so one torn record never stops a
 * command that reads the whole lake.
 */
import { open, readFile } from 'node:fs/promises';

/** One record that could not be read: where it is and what is wrong with it. */
export interface Damage {
  readonly path: string;
  /** 1-based line of a JSON-lines file; null for a whole-file record (execution.json). */
  readonly line: number | null;
  readonly problem: string;
}

export function describeDamage(d: Damage): string {
  return `${d.path}${d.line === null ? '' : ` line ${d.line}`}: ${d.problem}`;
}

export interface JsonlLines<T> {
  readonly items: T[];
  readonly damage: Damage[];
}

/** A short prefix of a bad line, so a huge one never floods a report. */
function excerpt(line: string): string {
  return line.length > 60
    ? `${JSON.stringify(line.slice(0, 60))}… (${line.length} characters)`
    : JSON.stringify(line);
}

/**
 * Every line that is a JSON object, in file order. A bad line followed by a newline is skipped and
 * reported. A last line without its newline is an append that did not finish (the disk filled, or the
 * process was killed): it is used when it parses, and otherwise ignored and reported as incomplete.
 */
export function parseJsonlText<T>(text: string, path: string): JsonlLines<T> {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const items: T[] = [];
  const damage: Damage[] = [];
  const take = (line: string, n: number, complete: boolean) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      damage.push({
        path,
        line: n,
        problem: complete
          ? `not valid JSON (${(e as Error).message}), skipped: ${excerpt(line)}`
          : `an incomplete last line (an append cut short by a full disk or a kill), ignored: ${excerpt(line)}`,
      });
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      damage.push({ path, line: n, problem: `not a JSON object, skipped: ${excerpt(line)}` });
    else items.push(value as T);
  };
  for (const [i, line] of lines.entries()) take(line, i + 1, true);
  take(last, lines.length + 1, false);
  return { items, damage };
}

/** A JSON-lines file read whole; a missing file is empty, an unreadable one is damage. */
export async function readJsonlRecords<T>(path: string): Promise<JsonlLines<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], damage: [] };
    return { items: [], damage: [{ path, line: null, problem: `cannot be read (${(e as Error).message})` }] };
  }
  return parseJsonlText<T>(text, path);
}

/**
 * Whether an append to this file would continue a torn line: true when the file is not empty and does
 * not end with a newline. The writer then starts its record on a fresh line, so the torn fragment stays
 * one bad line instead of swallowing the next good record.
 */
export async function endsMidLine(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}
