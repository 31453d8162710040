/**
 * The lenient reading split over worker threads. A record boundary cannot be found in the middle of a
 * CSV without knowing the quote state there (a quoted field may hold line breaks), so each later part
 * starts at a guess — just after a line break, outside or inside quotes, whichever reads as the more
 * plausible records over a window — and the earlier part, reading for real, runs past its half until
 * it reaches a boundary the guessed reading also has. From that byte on both readings are the same
 * state machine in the same state, so they agree; the later part's records before it are dropped. A
 * guess that never meets the real reading costs time, never correctness: the earlier part then reads
 * to the end itself and the later parts are discarded.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CsvDialect } from '../handlers/core/csv-records';
import type { PartDone, PartJob } from './records-worker';
import { sqlString } from './sql';
import { StrictCsvWriter } from './strict-csv';

/** Bytes of a later part's start over which the guess is tried and its boundaries collected. */
const GUESS_WINDOW = 1 << 20;
const LF = 10;

export interface RecordParts {
  /** The parts' files (all of them, for cleanup). */
  files: string[];
  /** A relation of (record_no, field_count, c0…) over the parts' files, numbered as one reading. */
  relation: (readCsv: (files: string) => string, width: number) => string;
  /** The longest record of any part, in bytes. */
  longest: number;
  /** Parts whose records are used (1 when no guess met the real reading). */
  used: number;
}

interface Guess {
  from: { offset: number; inQuoted: boolean };
  boundaries: Map<number, number>;
}

/** Guesses where a part starting near `at` begins; null when no line break is near. */
function guessStart(fd: number, at: number, width: number, dialect: CsvDialect | undefined): Guess | null {
  const window = Buffer.allocUnsafe(GUESS_WINDOW);
  const n = readSync(fd, window, 0, window.length, at);
  const lf = window.subarray(0, n).indexOf(LF);
  if (lf < 0 || lf === n - 1) return null;
  const offset = at + lf + 1;
  let best: (Guess & { plausible: number }) | null = null;
  for (const inQuoted of [false, true]) {
    const boundaries = new Map<number, number>();
    const w = new StrictCsvWriter(width, () => {}, { offset, inQuoted }, dialect);
    w.reportBoundaries((o, records) => boundaries.set(o, records));
    w.push(window.subarray(lf + 1, n));
    const plausible = w.records === 0 ? 0 : w.fullRecords / w.records;
    if (!best || plausible > best.plausible) best = { from: { offset, inQuoted }, boundaries, plausible };
  }
  return best;
}

function runPart(job: PartJob): Promise<PartDone> {
  const worker = new Worker(
    `require('tsx/cjs'); require(${JSON.stringify(join(__dirname, 'records-worker.ts'))});`,
    { eval: true, workerData: job },
  );
  return new Promise((res, rej) => {
    worker.once('message', (m: { ok?: PartDone; error?: string }) => {
      if (m.ok) res(m.ok);
      else rej(new Error(`parallel CSV reading: ${m.error}`));
    });
    worker.once('error', rej);
    worker.once('exit', (code) => {
      if (code !== 0) rej(new Error(`parallel CSV reading: a worker exited ${code}`));
    });
  });
}

/**
 * Writes the object's records as strict CSV in `parts` parts read at the same time, or returns null
 * when the object cannot be split (no line break near a split point) or two guesses met each other
 * before the real reading met them (possible with three parts or more): the caller then reads it in one.
 */
export async function writeRecordsInParallel(
  path: string,
  size: number,
  width: number,
  outPrefix: string,
  parts: number,
  /** The dataset's CSV dialect (default: the excel one). */
  dialect?: CsvDialect,
): Promise<RecordParts | null> {
  const guesses: Guess[] = [];
  const fd = openSync(path, 'r');
  try {
    for (let k = 1; k < parts; k++) {
      const g = guessStart(fd, Math.floor((size * k) / parts), width, dialect);
      if (!g || (guesses.length > 0 && g.from.offset <= (guesses.at(-1) as Guess).from.offset)) return null;
      guesses.push(g);
    }
  } finally {
    closeSync(fd);
  }
  const files = Array.from({ length: parts }, (_, k) => `${outPrefix}.part${k}.csv`);
  const done = await Promise.all(
    files.map((out, k) =>
      runPart({
        path,
        out,
        width,
        ...(dialect ? { dialect } : {}),
        from: k === 0 ? undefined : guesses[k - 1]?.from,
        watch: k < parts - 1 ? [...(guesses[k]?.boundaries ?? [])] : undefined,
      }),
    ),
  );
  // The chain of parts actually used: part k+1 from where part k stopped on its boundary.
  const used: { file: string; drop: number; base: number }[] = [];
  let base = 0;
  let drop = 0;
  let longest = 0;
  let syncedAt = 0;
  for (let k = 0; k < parts; k++) {
    const d = done[k] as PartDone;
    // A guessed part that stopped before the real reading reached it stopped on a boundary two guesses
    // share, which nothing proves: its reading past the real sync point is missing, so read it all again.
    if (d.stoppedAt && d.stoppedAt.offset <= syncedAt) {
      await Promise.all(files.map((f) => rm(f, { force: true })));
      return null;
    }
    used.push({ file: files[k] as string, drop, base });
    longest = Math.max(longest, d.longest);
    base += d.records - drop;
    if (!d.stoppedAt) break;
    drop = d.stoppedAt.laterRecords;
    syncedAt = d.stoppedAt.offset;
  }
  return {
    files,
    longest,
    used: used.length,
    relation: (readCsv, w) => {
      const list = `[${used.map((u) => sqlString(u.file)).join(', ')}]`;
      const renumber = used
        .map((u) => `WHEN ${sqlString(u.file)} THEN record_no - ${u.drop} + ${u.base}`)
        .join(' ');
      const keep = used
        .map((u) => `(filename = ${sqlString(u.file)} AND record_no > ${u.drop})`)
        .join(' OR ');
      const cols = Array.from({ length: w }, (_, i) => `c${i}`).join(', ');
      return `(SELECT CASE filename ${renumber} END AS record_no, field_count, ${cols} FROM ${readCsv(list)} WHERE ${keep})`;
    },
  };
}
