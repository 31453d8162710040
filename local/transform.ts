/**
 * The Glue stand-in: executes a dataset's transform spec with DuckDB. Records are read from bronze
 * with the contract's lenient CSV reading (a JSON Lines or Parquet object by local/format-records.ts),
 * loaded into a DuckDB table, checked by the row rules, typed, deduped within the batch, and written as
 * staged Parquet with the batch summary the DQ step reads.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BIGINT, type DuckDBConnection, DuckDBDataChunk, INTEGER, VARCHAR } from '@duckdb/node-api';
import { type BatchSummary, STAGED } from '../handlers/core/contracts';
import * as csv from '../handlers/core/csv-records';
import { decodeUtf8 } from '../handlers/core/validate-object';
import { CSV, type DatasetFormat, type TransformSpec } from '../workflows/datasets';
import { writeRecordsOfFormat } from './format-records';
import type { FsStorage } from './fs-storage';
import { writeRecordsInParallel } from './parallel-records';
import { PARQUET_OPTIONS } from './parquet-settings';
import { sqlString } from './sql';
import { MAX_NORMALIZED_RECORD, StrictCsvWriter } from './strict-csv';
import { transformStatements } from './transform-sql';

export { MAX_NORMALIZED_RECORD, StrictCsvWriter } from './strict-csv';

export interface TransformArgs {
  readonly batchId: string;
  readonly region: string;
  readonly sourceObject: string;
  readonly bronze: { bucket: string; key: string };
  readonly staging: { bucket: string; prefix: string };
  readonly ingestedAt: string;
}

export async function transformRecords(
  conn: DuckDBConnection,
  storage: FsStorage,
  args: TransformArgs,
  spec: TransformSpec,
  /** The dataset's format: a `csv` one is read in its dialect, the others by local/format-records.ts. */
  format: DatasetFormat = CSV,
): Promise<BatchSummary> {
  const loaded =
    format.kind === 'csv'
      ? await loadRecords(conn, storage, args, spec.rawColumns.length, format)
      : await loadRecordsOfFormat(conn, storage, args, spec.rawColumns, format);
  try {
    const st = transformStatements(spec, loaded.source);
    await conn.run(st.checked);
    await conn.run(st.losers);
    const stagePath = (name: string) =>
      storage.pathOf({ bucket: args.staging.bucket, key: `${args.staging.prefix}${name}` });
    const dataPath = stagePath(STAGED.data);
    await conn.run("SET disabled_optimizers = 'build_side_probe_side'");
    try {
      await copyAtomically(conn, st.kept, dataPath, batchValuesOf(st.kept, args));
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
      dataset: spec.name,
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
 * The batch values the cleansed query binds: only those its schema has (DuckDB refuses a parameter the
 * statement does not name, so a dataset without a region column, jaffle-shop's, failed here).
 */
function batchValuesOf(query: string, args: TransformArgs): Record<string, string> {
  const values: Record<string, string> = {
    region: args.region,
    source_object: args.sourceObject,
    ingested_at: args.ingestedAt.replace('T', ' ').replace('Z', ''),
  };
  return Object.fromEntries(
    Object.entries(values).filter(([name]) => new RegExp(`\\$${name}\\b`).test(query)),
  );
}

/**
 * Makes bronze's records readable as a relation (record_no, field_count, c0..c15). The lenient reading,
 * in the dataset's dialect, runs over bytes in JavaScript and writes each record as a strict CSV line (StrictCsvWriter) that
 * DuckDB's parallel native reader splits unambiguously — split over worker threads for a large object
 * (local/parallel-records.ts) — and the transform reads that once instead of holding the batch in JS
 * memory (~4x cheaper than a JS string per field appended to a table). A record too long for DuckDB's
 * line limit (only an unterminated quote makes one) sends the batch down the appender path: the
 * records are appended to the TEMP table `raw`.
 */
async function loadRecords(
  conn: DuckDBConnection,
  storage: FsStorage,
  args: TransformArgs,
  width: number,
  dialect: csv.CsvDialect | undefined,
): Promise<{ source: string; cleanup: () => Promise<void> }> {
  const prefix = await recordsPrefix(conn, args);
  const files: string[] = [];
  const cleanup = async () => {
    await Promise.all(files.map((f) => rm(f, { force: true })));
  };
  let longest: number;
  let relation: () => string;
  try {
    const bronzePath = storage.pathOf(args.bronze);
    // A missing object reads as empty here; the one-thread reading below then reports it as storage does.
    const size = (await storage.head(args.bronze))?.size ?? 0;
    const parts = size >= PARALLEL_MIN_BYTES ? Math.min(availableParallelism(), MAX_PARTS) : 1;
    if (parts > 1) files.push(...Array.from({ length: parts }, (_, k) => `${prefix}.part${k}.csv`));
    const parallel =
      parts > 1 ? await writeRecordsInParallel(bronzePath, size, width, prefix, parts, dialect) : null;
    if (parallel) {
      longest = parallel.longest;
      relation = () => parallel.relation(readStrictCsv, width);
    } else {
      const file = `${prefix}.csv`;
      files.push(file);
      longest = await writeRecordsAsync(storage.read(args.bronze), file, width, dialect);
      relation = () => readStrictCsv(sqlString(file));
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  if (longest > MAX_NORMALIZED_RECORD) {
    await cleanup();
    const cols = Array.from({ length: width }, (_, i) => `c${i} VARCHAR`).join(', ');
    await conn.run(`CREATE OR REPLACE TEMP TABLE raw (record_no BIGINT, field_count INTEGER, ${cols})`);
    await appendRecords(conn, storage, args, width, dialect);
    return { source: 'raw', cleanup: async () => {} };
  }
  return { source: relation(), cleanup };

  function readStrictCsv(filesSql: string): string {
    return strictCsvRelation(filesSql, width);
  }
}

/** Where a batch's strict CSV files go: DuckDB's temp directory (or the system's), named by the batch. */
async function recordsPrefix(conn: DuckDBConnection, args: TransformArgs): Promise<string> {
  const dir =
    String(
      (await conn.runAndReadAll("SELECT current_setting('temp_directory') AS d")).getRowObjectsJS()[0]?.d ??
        '',
    ) || tmpdir();
  await mkdir(dir, { recursive: true });
  return join(dir, `records-${process.pid}-${args.batchId.replace(/[^A-Za-z0-9_-]/g, '_')}`);
}

/** DuckDB's reader over strict CSV files (record_no, field_count, c0..); `lineBytes`: the longest line. */
function strictCsvRelation(filesSql: string, width: number, lineBytes = MAX_NORMALIZED_RECORD): string {
  const columns = [
    `'record_no': 'BIGINT'`,
    `'field_count': 'INTEGER'`,
    ...Array.from({ length: width }, (_, i) => `'c${i}': 'VARCHAR'`),
  ].join(', ');
  return (
    `read_csv(${filesSql}, auto_detect = false, header = false, delim = ',', quote = '"', ` +
    `escape = '"', new_line = '\\n', allow_quoted_nulls = false, filename = true, ` +
    `max_line_size = ${lineBytes + 1024}, columns = {${columns}})`
  );
}

/**
 * A jsonLines or parquet object's records, decoded in JavaScript (local/format-records.ts) into one
 * strict CSV file; its lines carry whole records, so DuckDB is told the longest (no appender path).
 */
async function loadRecordsOfFormat(
  conn: DuckDBConnection,
  storage: FsStorage,
  args: TransformArgs,
  rawColumns: readonly string[],
  format: DatasetFormat,
): Promise<{ source: string; cleanup: () => Promise<void> }> {
  const file = `${await recordsPrefix(conn, args)}.csv`;
  const cleanup = () => rm(file, { force: true });
  try {
    const longest = await writeRecordsOfFormat(
      storage,
      args.bronze,
      format,
      rawColumns,
      file,
      `The bronze original ${args.bronze.bucket}/${args.bronze.key} of ${args.sourceObject}`,
    );
    return {
      source: strictCsvRelation(sqlString(file), rawColumns.length, Math.max(longest, MAX_NORMALIZED_RECORD)),
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * Objects from this size are read by several workers (a worker costs ~0.1 s to start);
 * LAKESTEP_PARALLEL_READ_MIN_BYTES overrides it, so the contract tests can run the parallel path on small files.
 */
const PARALLEL_MIN_BYTES = Number(process.env.LAKESTEP_PARALLEL_READ_MIN_BYTES ?? 32 * 1024 * 1024);
const MAX_PARTS = 4;

/** The sequential reading into one strict CSV file; returns the longest record's size. */
async function writeRecordsAsync(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  width: number,
  dialect: csv.CsvDialect | undefined,
): Promise<number> {
  const fd = openSync(file, 'w');
  try {
    const writer = new StrictCsvWriter(
      width,
      (bytes) => {
        writeSync(fd, bytes);
      },
      undefined,
      dialect,
    );
    for await (const bytes of chunks) writer.push(bytes);
    writer.end();
    return writer.longest;
  } finally {
    closeSync(fd);
  }
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
  dialect: csv.CsvDialect | undefined,
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
  }, dialect);
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
  await conn.run(`COPY (${query}) TO ${sqlString(tmp)} (${PARQUET_OPTIONS})`, params);
  await rename(tmp, path);
}
