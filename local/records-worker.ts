/**
 * One part of the parallel lenient reading (local/parallel-records.ts), in a worker thread: reads the
 * object from its part's start, writes its records as strict CSV to its own file, and stops at the
 * first record boundary the next part's reading also has (from there on the two readings agree).
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { CsvDialect } from '../handlers/core/csv-records';
import { StrictCsvWriter } from './strict-csv';

export interface PartJob {
  path: string;
  out: string;
  width: number;
  /** The dataset's CSV dialect (absent: the excel one). */
  dialect?: CsvDialect;
  from?: { offset: number; inQuoted: boolean };
  /** The next part's boundaries: [offset, its records before the offset]. */
  watch?: [number, number][];
}

export interface PartDone {
  records: number;
  longest: number;
  stoppedAt: { offset: number; laterRecords: number } | null;
}

export function readPart(job: PartJob): PartDone {
  const input = openSync(job.path, 'r');
  const output = openSync(job.out, 'w');
  try {
    const writer = new StrictCsvWriter(
      job.width,
      (bytes) => {
        writeSync(output, bytes);
      },
      job.from,
      job.dialect,
    );
    if (job.watch) writer.stopAtAny(new Map(job.watch));
    const buf = Buffer.allocUnsafe(1 << 20);
    let at = job.from?.offset ?? 0;
    for (;;) {
      const n = readSync(input, buf, 0, buf.length, at);
      if (n === 0) break;
      at += n;
      writer.push(buf.subarray(0, n));
      if (writer.stoppedAt) break;
    }
    writer.end();
    return { records: writer.records, longest: writer.longest, stoppedAt: writer.stoppedAt };
  } finally {
    closeSync(input);
    closeSync(output);
  }
}

if (parentPort && workerData) {
  try {
    parentPort.postMessage({ ok: readPart(workerData as PartJob) });
  } catch (e) {
    parentPort.postMessage({ error: (e as Error).message });
  }
}
