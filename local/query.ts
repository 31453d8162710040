/**
 * `lakestep query`: SQL over the local catalog (the Athena stand-in). Rows stream from DuckDB a chunk
 * (≤ 2,048 rows) at a time, so memory stays bounded whatever the result's size; values are converted
 * for JSON by local/query-values.ts. `SHOW TABLES` and `DESCRIBE <table>` answer from the catalog.
 */
import { existsSync } from 'node:fs';
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import type { Workflow } from '../workflows/types';
import { Warehouse } from './catalog';
import { lakePaths } from './lake';
import { catalogStatement, QueryError } from './query-catalog';
import { type JsonValue, jsonValue } from './query-values';

export { QueryError } from './query-catalog';
export { isoTimestamp, type JsonValue, jsonInteger } from './query-values';

export interface QueryResult {
  columns: string[];
  rows: Record<string, JsonValue>[];
}

/** A result's shape, known before its first row. */
export interface ResultShape {
  columns: string[];
  types: DuckDBType[];
}

/** DuckDB's message without the wrapper its statement splitter adds. */
export function duckdbMessage(e: unknown): string {
  return (e as Error).message.replace(/^Failed to extract statements: /, '');
}

/** The statement DuckDB runs for `sql`: catalog commands rewritten, a trailing `;` dropped. */
export async function resolveStatement(conn: DuckDBConnection, sql: string): Promise<string> {
  const trimmed = sql.trim().replace(/;\s*$/, '');
  if (trimmed === '') throw new QueryError('the SQL is empty');
  return (await catalogStatement(conn, trimmed)) ?? trimmed;
}

/**
 * Runs `sql` and hands each chunk of converted rows to `onRows` (awaited, so a slow writer holds DuckDB
 * back instead of piling rows up). `onRows` returns false to stop early: the rest is never read.
 * Returns the number of rows handed over.
 */
export async function streamQuery(
  warehouse: Warehouse,
  sql: string,
  onShape: (shape: ResultShape) => void | Promise<void>,
  onRows: (rows: JsonValue[][]) => boolean | undefined | Promise<boolean | undefined>,
): Promise<number> {
  const statement = await resolveStatement(warehouse.conn, sql);
  let result: Awaited<ReturnType<DuckDBConnection['stream']>>;
  try {
    result = await warehouse.conn.stream(statement);
  } catch (e) {
    throw new QueryError(duckdbMessage(e));
  }
  await onShape({ columns: result.deduplicatedColumnNames(), types: result.columnTypes() });
  let count = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof result.fetchChunk>>;
    try {
      chunk = await result.fetchChunk();
    } catch (e) {
      throw new QueryError(duckdbMessage(e));
    }
    if (!chunk || chunk.rowCount === 0) return count;
    const rows = chunk.convertRows(jsonValue) as JsonValue[][];
    count += rows.length;
    if ((await onRows(rows)) === false) return count;
  }
}

/** The whole result in memory: for tests and small results (the CLI streams). */
export async function runQuery(warehouse: Warehouse, sql: string): Promise<QueryResult> {
  let columns: string[] = [];
  const rows: Record<string, JsonValue>[] = [];
  await streamQuery(
    warehouse,
    sql,
    (shape) => {
      columns = shape.columns;
    },
    (chunk) => {
      for (const r of chunk) rows.push(rowObject(columns, r));
      return true;
    },
  );
  return { columns, rows };
}

export function rowObject(columns: readonly string[], row: readonly JsonValue[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (let i = 0; i < columns.length; i++) out[columns[i] as string] = row[i] ?? null;
  return out;
}

/** Opens the lake's warehouse read-only for queries; a lake with no runs yet is a clear error. */
export async function openForQuery(lake: string | undefined): Promise<Warehouse> {
  const paths = lakePaths(lake);
  if (!existsSync(paths.warehouse))
    throw new Error(
      `No lake at ${paths.root} (no ${paths.warehouse}); run \`lakestep run\` first or pass --lake DIR`,
    );
  return Warehouse.open(paths, { readOnly: true });
}

/** The tables of a workflow's lake: a cleansed table per dataset, an analytics table per materialization. */
export function tablesOf(workflow: Workflow): string[] {
  return [
    ...workflow.datasets.map((d) => `cleansed.${d.name}`),
    ...workflow.materializations.map((m) => `analytics.${m.table}`),
  ];
}

export async function tableCounts(
  warehouse: Warehouse,
  workflow: Workflow,
): Promise<{ name: string; rows: number }[]> {
  const out: { name: string; rows: number }[] = [];
  for (const name of tablesOf(workflow)) {
    const r = await warehouse.conn.runAndReadAll(`SELECT count(*) AS n FROM ${name}`);
    out.push({ name, rows: Number(r.getRowObjectsJS()[0]?.n ?? 0) });
  }
  return out;
}
