/**
 * The catalog commands of `lakestep query`, answered like Athena's SHOW TABLES / DESCRIBE: DuckDB's own
 * `SHOW TABLES` lists only its `main` schema (empty here), so both are rewritten to SELECTs over the
 * catalog's schemas — which also lets them stream and export like any query.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent, sqlString } from './sql';

/** The schemas that make up the catalog (the Glue databases). */
export const CATALOG_SCHEMAS = ['cleansed', 'analytics'] as const;

const SHOW_TABLES = /^SHOW\s+TABLES$/i;
const DESCRIBE =
  /^(?:DESCRIBE|DESC)\s+(?:TABLE\s+)?([A-Za-z_][\w]*|"[^"]+")(?:\.([A-Za-z_][\w]*|"[^"]+"))?$/i;

const schemaList = CATALOG_SCHEMAS.map(sqlString).join(', ');

/** Every table and view of the catalog: qualified name, kind, column count. */
export const LIST_TABLES_SQL =
  `SELECT schema_name || '.' || table_name AS "table", kind, columns FROM (` +
  `SELECT schema_name, table_name, 'table' AS kind, column_count AS columns FROM duckdb_tables() ` +
  `WHERE database_name = current_database() AND schema_name IN (${schemaList}) ` +
  `UNION ALL SELECT schema_name, view_name, 'view', column_count FROM duckdb_views() ` +
  `WHERE database_name = current_database() AND NOT internal AND schema_name IN (${schemaList})` +
  `) ORDER BY schema_name DESC, table_name`;

const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s);

/** The SELECT for a catalog command, or null when `sql` is not one. */
export async function catalogStatement(conn: DuckDBConnection, sql: string): Promise<string | null> {
  if (SHOW_TABLES.test(sql)) return LIST_TABLES_SQL;
  const m = DESCRIBE.exec(sql);
  if (!m) return null;
  const [schema, table] = m[2] ? [unquote(m[1] as string), unquote(m[2])] : [null, unquote(m[1] as string)];
  const tables = (await conn.runAndReadAll(LIST_TABLES_SQL)).getRowObjectsJS() as { table: string }[];
  const names = tables.map((t) => t.table);
  const matches = names.filter((n) => (schema ? n === `${schema}.${table}` : n.endsWith(`.${table}`)));
  if (matches.length !== 1) {
    const what = schema ? `${schema}.${table}` : table;
    const problem =
      matches.length === 0
        ? `no table ${what} in the catalog`
        : `${what} is ambiguous (${matches.join(', ')})`;
    throw new QueryError(`DESCRIBE: ${problem}; tables: ${names.join(', ') || '(none)'}`);
  }
  const [s, t] = (matches[0] as string).split('.') as [string, string];
  return `SELECT column_name AS "column", column_type AS "type" FROM (DESCRIBE ${sqlIdent(s)}.${sqlIdent(t)})`;
}

/** An SQL failure, with DuckDB's own words for what is wrong (or the catalog's, for DESCRIBE). */
export class QueryError extends Error {}
