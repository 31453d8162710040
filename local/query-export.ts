/**
 * Writes a query's whole result in one format, streaming: CSV and Parquet by DuckDB's own COPY (its
 * writers, its threads, nothing through JavaScript), JSON and JSON lines a chunk at a time through the
 * one value conversion (local/query-values.ts) with the writer's backpressure respected. A file is
 * written beside its target and renamed when complete, so a failed query leaves no half file.
 */
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Warehouse } from './catalog';
import { PARQUET_OPTIONS } from './parquet-settings';
import { duckdbMessage, QueryError, resolveStatement, rowObject, streamQuery } from './query';
import { sqlString } from './sql';

export const EXPORT_FORMATS = ['json', 'jsonl', 'csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Where the result goes: a file, or a stream (stdout) for the text formats. */
export type Destination = { file: string } | { stream: Writable; tmpDir: string };

/** Refuses an --out whose directory is missing or that names a directory; returns the absolute path. */
export function checkOutFile(out: string): string {
  const file = resolve(out);
  const dir = dirname(file);
  if (!existsSync(dir)) throw new Error(`--out ${out}: the directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`--out ${out}: ${dir} is not a directory`);
  if (existsSync(file) && statSync(file).isDirectory())
    throw new Error(`--out ${out}: is a directory; name a file`);
  return file;
}

/** Writes the result; returns the number of rows written. */
export async function exportQuery(
  warehouse: Warehouse,
  sql: string,
  format: ExportFormat,
  to: Destination,
): Promise<number> {
  if (format === 'csv' || format === 'parquet') return copy(warehouse, sql, format, to);
  if ('stream' in to) return writeJson(warehouse, sql, format, to.stream);
  return atomically(to.file, async (tmp) => {
    const stream = createWriteStream(tmp);
    const closed = new Promise<void>((res, rej) => {
      stream.on('close', res);
      stream.on('error', rej);
    });
    try {
      const n = await writeJson(warehouse, sql, format, stream);
      stream.end();
      await closed;
      return n;
    } catch (e) {
      stream.destroy();
      throw e;
    }
  });
}

async function copy(
  warehouse: Warehouse,
  sql: string,
  format: 'csv' | 'parquet',
  to: Destination,
): Promise<number> {
  const statement = await resolveStatement(warehouse.conn, sql);
  // Prepared first, so a mistake is reported against the user's SQL, not the COPY around it.
  try {
    (await warehouse.conn.prepare(statement)).destroySync();
  } catch (e) {
    throw new QueryError(duckdbMessage(e));
  }
  const options = format === 'csv' ? 'FORMAT csv, HEADER' : PARQUET_OPTIONS;
  const run = async (path: string) => {
    try {
      const r = await warehouse.conn.run(`COPY (${statement}) TO ${sqlString(path)} (${options})`);
      return r.rowsChanged;
    } catch (e) {
      throw new QueryError(duckdbMessage(e));
    }
  };
  if ('file' in to) return atomically(to.file, run);
  if (format === 'parquet') throw new Error('parquet is binary: pass --out FILE');
  // DuckDB would open /dev/stdout itself, which truncates a redirected file: COPY to a temporary file
  // in the lake's temp directory, then stream that to stdout.
  const tmp = join(to.tmpDir, `query-${process.pid}-${Date.now()}.csv`);
  try {
    const n = await run(tmp);
    await pipeline(createReadStream(tmp), to.stream, { end: false });
    return n;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function atomically(file: string, write: (tmp: string) => Promise<number>): Promise<number> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const n = await write(tmp);
    await rename(tmp, file);
    return n;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** `[{…},{…}]\n` exactly as `JSON.stringify(rows)` prints it, or one object per line. */
async function writeJson(
  warehouse: Warehouse,
  sql: string,
  format: 'json' | 'jsonl',
  stream: Writable,
): Promise<number> {
  const write = backpressured(stream);
  let columns: string[] = [];
  let first = true;
  const n = await streamQuery(
    warehouse,
    sql,
    (shape) => {
      columns = shape.columns;
    },
    async (rows) => {
      const lines = rows.map((r) => JSON.stringify(rowObject(columns, r)));
      if (format === 'jsonl') await write(`${lines.join('\n')}\n`);
      else {
        await write(`${first ? '[' : ','}${lines.join(',')}`);
        first = false;
      }
      return true;
    },
  );
  if (format === 'json') await write(first ? '[]\n' : ']\n');
  return n;
}

/** A write that waits for 'drain' when the stream's buffer is full, so rows never pile up in memory. */
export function backpressured(stream: Writable): (text: string) => Promise<void> {
  return (text) =>
    new Promise<void>((res, rej) => {
      const onError = (e: Error) => rej(e);
      stream.once('error', onError);
      const done = () => {
        stream.off('error', onError);
        res();
      };
      if (stream.write(text)) done();
      else stream.once('drain', done);
    });
}
