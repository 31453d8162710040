/**
 * A `jsonLines` or `parquet` object's records for the local DuckDB transform: decoded in JavaScript by
 * the readers the Lambda uses (handlers/core/records-of.ts) and written as the strict CSV lines of
 * local/strict-csv.ts (`record_no,field_count,"c0",…`), so the SQL runs unchanged; a record out of
 * shape is written with field count 0 and its text in c0, which the SQL names `record_shape`.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { AsyncBuffer } from 'hyparquet';
import { RECORD_SHAPE, type RecordsSink } from '../handlers/core/jsonl-records';
import { readRecordsOf } from '../handlers/core/records-of';
import type { DatasetFormat } from '../workflows/datasets';
import type { FsStorage } from './fs-storage';

/** Writes records (the header first, skipped) as strict CSV lines through `write`. */
export class StrictCsvRecords implements RecordsSink {
  private sawHeader = false;
  private recordNo = 0;
  /** The longest line written, in bytes. */
  longest = 0;

  constructor(
    private readonly width: number,
    private readonly write: (line: Buffer) => void,
  ) {}

  record(fields: string[]): void {
    if (!this.sawHeader) {
      this.sawHeader = true;
      return;
    }
    this.line(fields.length, fields);
  }

  broken(rule: string, raw: string[]): void {
    // The SQL knows a broken record by its field count 0 alone: it can only be named record_shape.
    if (rule !== RECORD_SHAPE) throw new Error(`a broken record's rule is ${RECORD_SHAPE}, not ${rule}`);
    this.line(0, raw);
  }

  private line(count: number, fields: readonly string[]): void {
    this.recordNo++;
    const cells = Array.from({ length: this.width }, (_, i) => {
      const f = fields[i];
      return f === undefined ? '' : `"${f.replaceAll('"', '""')}"`; // unquoted empty: NULL
    });
    const line = Buffer.from(`${this.recordNo},${count},${cells.join(',')}\n`, 'utf8');
    this.longest = Math.max(this.longest, line.length);
    this.write(line);
  }
}

/** A file as hyparquet's AsyncBuffer: the footer first, then the raw columns' ranges. */
export async function fileBuffer(path: string): Promise<AsyncBuffer & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start: number, end = size) {
      const out = Buffer.alloc(Math.max(0, end - start));
      let at = 0;
      while (at < out.length) {
        const { bytesRead } = await handle.read(out, at, out.length - at, start + at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      return out.buffer.slice(out.byteOffset, out.byteOffset + at) as ArrayBuffer;
    },
    close: () => handle.close(),
  };
}

/** Writes bronze's records into `file` as strict CSV; returns the longest line's size. */
export async function writeRecordsOfFormat(
  storage: FsStorage,
  bronze: { bucket: string; key: string },
  format: DatasetFormat,
  rawColumns: readonly string[],
  file: string,
  where: string,
): Promise<number> {
  const fd = openSync(file, 'w');
  const buffers: AsyncBuffer[] = [];
  try {
    let pending: Buffer[] = [];
    let size = 0;
    const flush = () => {
      if (pending.length) writeSync(fd, Buffer.concat(pending));
      pending = [];
      size = 0;
    };
    const writer = new StrictCsvRecords(rawColumns.length, (line) => {
      pending.push(line);
      size += line.length;
      if (size >= 1 << 20) flush();
    });
    await readRecordsOf(
      format,
      rawColumns,
      {
        chunks: () => storage.read(bronze),
        buffer: async () => {
          if (!(await storage.head(bronze))) await storage.readBytes(bronze); // throws Lake.ObjectNotFound
          const b = await fileBuffer(storage.pathOf(bronze));
          buffers.push(b);
          return b;
        },
      },
      writer,
      where,
    );
    flush();
    return writer.longest;
  } finally {
    closeSync(fd);
    for (const b of buffers) await (b as AsyncBuffer & { close(): Promise<void> }).close();
  }
}
