/**
 * `lakestep query`: SQL over the local catalog (the Athena stand-in). Values are converted for JSON:
 * integers (and whole DECIMALs, the exact sums) as numbers (strings beyond 2^53), DATE as YYYY-MM-DD, TIMESTAMP as ISO-8601 UTC.
 */
import { existsSync } from 'node:fs';
import { DuckDBDecimalType, type DuckDBResultReader, DuckDBTypeId } from '@duckdb/node-api';
import { Warehouse } from './catalog';
import { lakePaths } from './lake';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export interface QueryResult {
  columns: string[];
  rows: Record<string, JsonValue>[];
}

const INTEGER_TYPES = new Set<number>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

const TIMESTAMP_TYPES = new Set<number>([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
]);

/** DuckDB's text of a UTC timestamp ('2017-11-13 17:13:01.123456') as ISO-8601, keeping every digit. */
export function isoTimestamp(text: string): string {
  const m = /^(-?\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text);
  if (!m) return text;
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0')}Z`;
}

export function jsonInteger(v: bigint | number): number | string {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(b)
    : b.toString();
}

export async function runQuery(warehouse: Warehouse, sql: string): Promise<QueryResult> {
  return jsonRows(await warehouse.conn.runAndReadAll(sql));
}

/** A result's rows as JSON values (the API's prepared statements convert through here too). */
export function jsonRows(reader: DuckDBResultReader): QueryResult {
  const columns = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.typeId as number);
  // DECIMAL(p,0) holds exact sums: an integer, printed by the rule for integers.
  const wholeDecimal = reader.columnTypes().map((t) => t instanceof DuckDBDecimalType && t.scale === 0);
  const js = reader.getRowObjectsJS();
  const json = reader.getRowObjectsJson();
  const rows = js.map((row, r) => {
    const out: Record<string, JsonValue> = {};
    columns.forEach((col, i) => {
      const v = row[col];
      const t = types[i] ?? -1;
      if (v === null || v === undefined) out[col] = null;
      else if (INTEGER_TYPES.has(t)) out[col] = jsonInteger(v as bigint | number);
      else if (wholeDecimal[i]) out[col] = jsonInteger(BigInt(json[r]?.[col] as string));
      else if (t === DuckDBTypeId.DATE) out[col] = (json[r]?.[col] as string) ?? null;
      else if (TIMESTAMP_TYPES.has(t)) out[col] = isoTimestamp(String(json[r]?.[col]));
      else if (t === DuckDBTypeId.TIMESTAMP_TZ && v instanceof Date) out[col] = v.toISOString();
      else out[col] = (json[r]?.[col] as JsonValue) ?? null;
    });
    return out;
  });
  return { columns, rows };
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

export const TABLES = ['cleansed.statistics', 'cleansed.categories', 'analytics.category_daily'] as const;

export async function tableCounts(warehouse: Warehouse): Promise<{ name: string; rows: number }[]> {
  const out: { name: string; rows: number }[] = [];
  for (const name of TABLES) {
    const r = await warehouse.conn.runAndReadAll(`SELECT count(*) AS n FROM ${name}`);
    out.push({ name, rows: Number(r.getRowObjectsJS()[0]?.n ?? 0) });
  }
  return out;
}
