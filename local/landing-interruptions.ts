/**
 * A `run` that stopped before landing every file (the lake's disk full, Ctrl-C while landing) leaves
 * no execution behind for what it did not land, so it says so in `<lake>/interruptions.jsonl`, and
 * `lakestep status` shows the latest one until a later run starts an execution in the lake.
 */
import { appendFileSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

export interface LandingInterruption {
  /** When the run stopped landing (ISO-8601). */
  readonly at: string;
  readonly reason: 'no_space' | 'interrupted' | 'runtime_error';
  /** What stopped it, naming the lake and, for a full disk, the space left. */
  readonly message: string;
  /** The file being landed when it stopped, if any. */
  readonly file: string | null;
  /** Files of the run that were never landed (the one being landed included). */
  readonly notLanded: readonly string[];
}

export const INTERRUPTIONS_FILE = 'interruptions.jsonl';

/** Records an interruption; false when even that cannot be written (the disk is that full). */
export function recordInterruption(lakeRoot: string, interruption: LandingInterruption): boolean {
  try {
    appendFileSync(join(lakeRoot, INTERRUPTIONS_FILE), `${JSON.stringify(interruption)}\n`);
    return true;
  } catch {
    return false;
  }
}

/** The latest interruption, when no execution started after it (else a later run has moved on). */
export function unresolvedInterruption(
  lakeRoot: string,
  latestExecutionStart: string | null,
): LandingInterruption | null {
  let text: string;
  try {
    text = readFileSync(join(lakeRoot, INTERRUPTIONS_FILE), 'utf8');
  } catch {
    return null;
  }
  // The last whole line: a line cut by the full disk it reports is no reason to hide the one before.
  const lines = text.split('\n').filter(Boolean).reverse();
  for (const line of lines) {
    try {
      const last = JSON.parse(line) as LandingInterruption;
      if (latestExecutionStart && latestExecutionStart > last.at) return null;
      return last;
    } catch {}
  }
  return null;
}

/** Bytes free for this user on the filesystem holding `path`, or null when it cannot be told. */
export function freeBytes(path: string): number | null {
  try {
    const s = statfsSync(path);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

/** True when an error (or its cause) is a full disk or quota. */
export function isNoSpace(e: unknown): boolean {
  for (
    let x = e as { code?: string; cause?: unknown } | undefined, i = 0;
    x && i < 5;
    x = x.cause as never, i++
  )
    if (x.code === 'ENOSPC' || x.code === 'EDQUOT') return true;
  return false;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}
