/**
 * The Glue stand-in: executes the statistics transform spec with DuckDB. Records are read from bronze
 * with the contract's lenient CSV reading, appended to a DuckDB table, checked by the row rules, typed,
 * deduped within the batch, and written as staged Parquet with the batch summary the DQ step reads.
 */
import { rename, rm } from 'node:fs/promises';
import { BIGINT, type DuckDBConnection, DuckDBDataChunk, INTEGER, VARCHAR } from '@duckdb/node-api';
import { type BatchSummary, STAGED } from '../handlers/core/contracts';
import { CsvRecordReader } from '../handlers/core/csv-records';
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
  const width = spec.rawColumns.length;
  const cols = spec.rawColumns.map((_, i) => `c${i} VARCHAR`).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE raw (record_no BIGINT, field_count INTEGER, ${cols})`);
  try {
    await appendRecords(conn, storage, args, width);
    const st = transformStatements(spec);
    await conn.run(st.broken);
    const stagePath = (name: string) =>
      storage.pathOf({ bucket: args.staging.bucket, key: `${args.staging.prefix}${name}` });
    const dataPath = stagePath(STAGED.data);
    await copyAtomically(conn, st.kept, dataPath, {
      region: args.region,
      source_object: args.sourceObject,
      ingested_at: args.ingestedAt.replace('T', ' ').replace('Z', ''),
    });
    const one = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRowObjectsJS()[0]?.n ?? 0);
    const read = await one('SELECT count(*) AS n FROM raw');
    const quarantined = await one('SELECT count(*) AS n FROM broken');
    const cleansed = await one(`SELECT count(*) AS n FROM read_parquet(${sqlString(dataPath)})`);
    const rules = (
      await conn.runAndReadAll('SELECT rule, count(*) AS n FROM broken GROUP BY rule ORDER BY rule')
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
    await conn.run('DROP TABLE IF EXISTS raw; DROP TABLE IF EXISTS broken');
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
  const reader = new CsvRecordReader((fields) => {
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
  const { mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await conn.run(`COPY (${query}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`, params);
  await rename(tmp, path);
}
