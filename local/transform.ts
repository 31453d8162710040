/**
 * The Glue stand-in: executes the statistics transform spec with DuckDB. Records are read from bronze
 * with the contract's lenient CSV reading, loaded into a DuckDB table, checked by the row rules, typed,
 * deduped within the batch, and written as staged Parquet with the batch summary the DQ step reads.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BIGINT, type DuckDBConnection, DuckDBDataChunk, INTEGER, VARCHAR } from '@duckdb/node-api';
import { type BatchSummary, STAGED } from '../handlers/core/contracts';
import * as csv from '../handlers/core/csv-records';
import { decodeUtf8 } from '../handlers/core/validate-object';
import { STATISTICS, type StatisticsSpec } from '../workflows/datasets';
import type { FsStorage } from './fs-storage';
import { sqlString } from './sql';
import { transformStatements } from './transform-sql';

export interface TransformArgs {
  readonly batchId: string;
  readonly region: string;
  readonly sourceObject: string;
  readonly bronze: { bucket: string; key: string };
  readonly staging: { bucket: string; prefix: string };
  readonly ingestedAt: string;
}

export async function transformStatistics(
  conn: DuckDBConnection,
  storage: FsStorage,
  args: TransformArgs,
  spec: StatisticsSpec = STATISTICS,
): Promise<BatchSummary> {
  const loaded = await loadRecords(conn, storage, args, spec.rawColumns.length);
  try {
    const st = transformStatements(spec, loaded.source);
    await conn.run(st.checked);
    await conn.run(st.losers);
    const stagePath = (name: string) =>
      storage.pathOf({ bucket: args.staging.bucket, key: `${args.staging.prefix}${name}` });
    const dataPath = stagePath(STAGED.data);
    await conn.run("SET disabled_optimizers = 'build_side_probe_side'");
    try {
      await copyAtomically(conn, st.kept, dataPath, {
        region: args.region,
        source_object: args.sourceObject,
        ingested_at: args.ingestedAt.replace('T', ' ').replace('Z', ''),
      });
    } finally {
      await conn.run('RESET disabled_optimizers');
    }
    const one = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRowObjectsJS()[0]?.n ?? 0);
    const read = await one('SELECT count(*) AS n FROM checked');
    const quarantined = await one('SELECT count(*) AS n FROM checked WHERE rule IS NOT NULL');
    const cleansed = await one(`SELECT count(*) AS n FROM read_parquet(${sqlString(dataPath)})`);
    const rules = (
      await conn.runAndReadAll(
        'SELECT rule, count(*) AS n FROM checked WHERE rule IS NOT NULL GROUP BY rule ORDER BY rule',
      )
    ).getRowObjectsJS() as { rule: string; n: bigint }[];
    if (quarantined > 0)
      await copyAtomically(conn, st.rejected(args.sourceObject), stagePath(STAGED.rejected));
    else await rm(stagePath(STAGED.rejected), { force: true });
    const summary: BatchSummary = {
      batchId: args.batchId,
      dataset: 'statistics',
      region: args.region,
      sourceObject: args.sourceObject,
      read,
      cleansed,
      quarantined,
      duplicates: read - quarantined - cleansed,
      rules: Object.fromEntries(rules.map((r) => [r.rule, Number(r.n)])),
      files: { data: STAGED.data, rejected: quarantined > 0 ? STAGED.rejected : null },
    };
    await storage.write(
      { bucket: args.staging.bucket, key: `${args.staging.prefix}${STAGED.summary}` },
      `${JSON.stringify(summary, null, 2)}\n`,
    );
    return summary;
  } finally {
    await conn.run('DROP TABLE IF EXISTS checked; DROP TABLE IF EXISTS losers; DROP TABLE IF EXISTS raw');
    await loaded.cleanup();
  }
}

/**
 * Makes bronze's records readable as a relation (record_no, field_count, c0..c15). The lenient reading
 * runs over bytes in JavaScript and writes each record as a strict CSV line (StrictCsvWriter) that
 * DuckDB's parallel native reader splits unambiguously; the transform reads that file twice (rules,
 * then the kept rows) instead of holding the batch in memory — ~4x cheaper than a JS string per field
 * appended to a table. A record too long for DuckDB's line limit (only an unterminated quote makes one)
 * sends the batch down the appender path: the records are appended to the TEMP table `raw`.
 */
async function loadRecords(
  conn: DuckDBConnection,
  storage: FsStorage,
  args: TransformArgs,
  width: number,
): Promise<{ source: string; cleanup: () => Promise<void> }> {
  const dir =
    String(
      (await conn.runAndReadAll("SELECT current_setting('temp_directory') AS d")).getRowObjectsJS()[0]?.d ??
        '',
    ) || tmpdir();
  await mkdir(dir, { recursive: true });
  const file = join(dir, `records-${process.pid}-${args.batchId.replace(/[^A-Za-z0-9_-]/g, '_')}.csv`);
  const cleanup = () => rm(file, { force: true });
  const fd = openSync(file, 'w');
  let writer: StrictCsvWriter;
  try {
    writer = new StrictCsvWriter(width, (bytes) => {
      writeSync(fd, bytes);
    });
    for await (const bytes of storage.read(args.bronze)) writer.push(bytes);
    writer.end();
  } catch (e) {
    await cleanup();
    throw e;
  } finally {
    closeSync(fd);
  }
  if (writer.longest > MAX_NORMALIZED_RECORD) {
    await cleanup();
    const cols = Array.from({ length: width }, (_, i) => `c${i} VARCHAR`).join(', ');
    await conn.run(`CREATE OR REPLACE TEMP TABLE raw (record_no BIGINT, field_count INTEGER, ${cols})`);
    await appendRecords(conn, storage, args, width);
    return { source: 'raw', cleanup: async () => {} };
  }
  const columns = [
    `'record_no': 'BIGINT'`,
    `'field_count': 'INTEGER'`,
    ...Array.from({ length: width }, (_, i) => `'c${i}': 'VARCHAR'`),
  ].join(', ');
  return {
    source:
      `read_csv(${sqlString(file)}, auto_detect = false, header = false, delim = ',', quote = '"', ` +
      `escape = '"', new_line = '\\n', allow_quoted_nulls = false, ` +
      `max_line_size = ${MAX_NORMALIZED_RECORD + 1024}, columns = {${columns}})`,
    cleanup,
  };
}

/** Rows per DataChunk: DuckDB's vector size, so each chunk is appended whole. */
const CHUNK_ROWS = 2048;

/**
 * Streams bronze through the CSV reader into the `raw` table; the first record is the header.
 * Records are appended column-wise, a DataChunk at a time (row-wise appends cost ~4x more).
 */
async function appendRecords(
  conn: DuckDBConnection,
  storage: FsStorage,
  args: TransformArgs,
  width: number,
): Promise<void> {
  const appender = await conn.createAppender('raw', 'main', 'temp');
  const types = [BIGINT, INTEGER, ...Array.from({ length: width }, () => VARCHAR)];
  const chunk = DuckDBDataChunk.create(types);
  let columns: (bigint | number | string | null)[][] = types.map(() => []);
  let recordNo = 0;
  let sawHeader = false;
  const flush = () => {
    if (columns[0]?.length === 0) return;
    chunk.reset();
    chunk.setColumns(columns);
    appender.appendDataChunk(chunk);
    columns = types.map(() => []);
  };
  const reader = new csv.CsvRecordReader((fields) => {
    if (!sawHeader) {
      sawHeader = true;
      return;
    }
    recordNo++;
    (columns[0] as bigint[]).push(BigInt(recordNo));
    (columns[1] as number[]).push(fields.length);
    for (let i = 0; i < width; i++) (columns[i + 2] as (string | null)[]).push(fields[i] ?? null);
    if (recordNo % CHUNK_ROWS === 0) flush();
  });
  try {
    for await (const text of decodeUtf8(storage.read(args.bronze))) reader.push(text);
    reader.end();
    flush();
  } finally {
    appender.closeSync();
  }
}

async function copyAtomically(
  conn: DuckDBConnection,
  query: string,
  path: string,
  params?: Record<string, string>,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await conn.run(`COPY (${query}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`, params);
  await rename(tmp, path);
}

// ---------------------------------------------------------------------------------------------------
// Records as strict CSV for DuckDB's native reader

// Module-local copies of the reader's constants: an imported binding is a getter call under CommonJS,
// which made the byte loop ~5x slower.
const { COMMA, CR, EOL, LF, QUOTE } = csv;
const S = csv.CsvState;

/** DuckDB reads a record up to this size; a larger one (an unterminated quote) takes the appender path. */
export const MAX_NORMALIZED_RECORD = 1 << 20;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The lenient reading of handlers/core/csv-records.ts — the same state machine (LenientCsvMachine), fed
 * bytes instead of text — rewriting each record after the header as one strict CSV line DuckDB's parallel reader splits
 * unambiguously: `record_no,field_count,"c0",…,"c15"` (quotes doubled inside; missing fields empty, so
 * NULL). The structural characters are ASCII, which never occur inside a UTF-8 sequence, so the
 * record boundaries are the text reader's; the bytes are copied, never decoded. Proven equal to
 * CsvRecordReader by test/bench-csv-normalizer.test.ts.
 */
export class StrictCsvWriter extends csv.LenientCsvMachine {
  private chunk: Buffer = Buffer.alloc(0);
  private pendingCr = false;
  private sawAny = false;
  private lastWasTerminator = false;
  private started = false;
  private head: Buffer = Buffer.alloc(0);
  /** The current record's fields as strict CSV (`"…","…"`); `ends[k]` is where field k's closing quote ends. */
  private rec = Buffer.allocUnsafe(1 << 16);
  private recLen = 0;
  private ends: number[] = [];
  private out = Buffer.allocUnsafe(1 << 20);
  private outLen = 0;
  private sawHeader = false;
  /** Records written (the header excluded). */
  records = 0;
  /** The longest record written, in bytes. */
  longest = 0;

  /** `sink` gets the strict CSV in pieces; a piece is only valid during the call (the buffer is reused). */
  constructor(
    private readonly width: number,
    private readonly sink: (bytes: Buffer) => void,
  ) {
    super();
    this.openField();
  }

  push(bytes: Uint8Array): void {
    let chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!this.started) {
      // A leading byte-order mark is not data (the text path's TextDecoder drops it too); it may
      // arrive split over chunks, so the first three bytes are held until they are all here.
      chunk = Buffer.concat([this.head, chunk]);
      if (chunk.length < 3 && BOM.subarray(0, chunk.length).equals(chunk)) {
        this.head = chunk;
        return;
      }
      this.started = true;
      this.head = Buffer.alloc(0);
      if (chunk.subarray(0, 3).equals(BOM)) chunk = chunk.subarray(3);
    }
    if (chunk.length === 0) return;
    if (this.pendingCr) {
      chunk = Buffer.concat([Buffer.from([CR]), chunk]);
      this.pendingCr = false;
    }
    if (chunk[chunk.length - 1] === CR) {
      this.pendingCr = true;
      chunk = chunk.subarray(0, chunk.length - 1);
      if (chunk.length === 0) return;
    }
    this.process(chunk);
  }

  end(): void {
    if (!this.started && this.head.length > 0) {
      // Fewer than three bytes, all a prefix of the mark: data after all.
      this.started = true;
      const head = this.head;
      this.head = Buffer.alloc(0);
      this.push(head);
    }
    if (this.pendingCr) {
      this.pendingCr = false;
      this.process(Buffer.from([CR]));
    }
    if (this.sawAny && !this.lastWasTerminator) this.char(EOL, -1);
    if (this.state === S.InQuoted) {
      this.saveField();
      this.emit();
    }
    if (this.outLen > 0) this.sink(this.out.subarray(0, this.outLen));
    this.outLen = 0;
  }

  private process(chunk: Buffer): void {
    this.chunk = chunk;
    this.sawAny = true;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk[i] as number;
      if (this.state === S.InField && c !== COMMA && c !== CR && c !== LF) {
        if (this.segStart < 0) this.segStart = i;
        // Run to the end of the unquoted field in one tight loop.
        let j = i + 1;
        while (j < n) {
          const d = chunk[j];
          if (d === COMMA || d === CR || d === LF) break;
          j++;
        }
        i = j - 1;
        continue;
      }
      if (this.state === S.InQuoted && c !== QUOTE) {
        if (this.segStart < 0) this.segStart = i;
        // Jump to the closing quote: quoted descriptions are long.
        const q = chunk.indexOf(QUOTE, i + 1);
        i = (q < 0 ? n : q) - 1;
        continue;
      }
      this.char(c, i);
      if (c === LF || (c === CR && (i + 1 >= n || chunk[i + 1] !== LF))) this.char(EOL, i + 1);
    }
    if (n > 0) {
      const last = chunk[n - 1];
      this.lastWasTerminator = last === LF || last === CR;
    }
    this.flushSegment(n);
    this.chunk = Buffer.alloc(0);
  }

  private ensureRec(extra: number): void {
    if (this.recLen + extra <= this.rec.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.rec.length * 2, this.recLen + extra));
    this.rec.copy(bigger, 0, 0, this.recLen);
    this.rec = bigger;
  }

  /** Appends chunk[from, to) to the current field, doubling quotes. */
  protected flushSegment(to: number): void {
    const from = this.segStart;
    if (from < 0) return;
    this.segStart = -1;
    const chunk = this.chunk;
    this.ensureRec(2 * (to - from));
    const rec = this.rec;
    let len = this.recLen;
    if (to - from <= 64) {
      // Short fields (ids, counts, flags): a byte loop beats native calls.
      for (let i = from; i < to; i++) {
        const c = chunk[i] as number;
        rec[len++] = c;
        if (c === QUOTE) rec[len++] = QUOTE;
      }
    } else {
      const segment = chunk.subarray(from, to);
      let at = 0;
      while (at < segment.length) {
        const q = segment.indexOf(QUOTE, at);
        const stop = q < 0 ? segment.length : q + 1;
        len += segment.copy(rec, len, at, stop);
        if (q >= 0) rec[len++] = QUOTE;
        at = stop;
      }
    }
    this.recLen = len;
  }

  private openField(): void {
    this.ensureRec(2);
    if (this.ends.length > 0) this.rec[this.recLen++] = COMMA;
    this.rec[this.recLen++] = QUOTE;
  }

  protected saveField(): void {
    this.ensureRec(1);
    this.rec[this.recLen++] = QUOTE;
    this.ends.push(this.recLen);
    this.openField();
  }

  protected emit(): void {
    const count = this.ends.length;
    if (count > 0) {
      if (!this.sawHeader) this.sawHeader = true;
      else this.write(count);
    }
    this.ends = [];
    this.recLen = 0;
    this.openField();
  }

  private write(count: number): void {
    this.records++;
    const kept = Math.min(count, this.width);
    const fieldsEnd = this.ends[kept - 1] as number;
    const prefix = `${this.records},${count},`;
    const size = prefix.length + fieldsEnd + (this.width - kept) + 1;
    this.longest = Math.max(this.longest, size);
    if (this.outLen + size > this.out.length) {
      if (this.outLen > 0) this.sink(this.out.subarray(0, this.outLen));
      this.outLen = 0;
      if (size > this.out.length) this.out = Buffer.allocUnsafe(size);
    }
    const out = this.out;
    this.outLen += out.write(prefix, this.outLen, 'latin1');
    this.outLen += this.rec.copy(out, this.outLen, 0, fieldsEnd);
    for (let k = kept; k < this.width; k++) out[this.outLen++] = COMMA;
    out[this.outLen++] = LF;
  }
}
