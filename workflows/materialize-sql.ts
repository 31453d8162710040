/**
 * The MERGE lakestep writes for a declared materialization: one statement that DuckDB and Athena
 * (Trino on Iceberg) both run as written, upserting the rows the SELECT yields for the scope and
 * deleting the scope's keys it no longer yields (an `op` column of 'upsert' / 'delete' rows, the shape
 * category_daily has run since decision 0018). Pure: no I/O.
 */
import type { Materialization } from './types';

/** The source column that says what a row of the MERGE's source does to the table. */
export const MERGE_OP_COLUMN = 'lakestep_op';

/** A quoted identifier (both engines: `"name"`, a `"` doubled). */
export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The column of a partition scope, or null for a whole-table scope. */
export function partitionColumnOf(m: Materialization): string | null {
  return m.scope === 'table' ? null : m.scope.partition;
}

/** The SELECT, indented inside the MERGE's CTE (its own WITH clauses nest: both engines allow it). */
function indented(select: string, by: string): string {
  return select
    .trim()
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n');
}

/**
 * The MERGE of a materialization. Every `:region` (in the SELECT, and the scope's own filters) is left
 * for the caller to fill with the partition value as a SQL literal (States.Format on AWS).
 */
export function mergeSqlOf(m: Materialization): string {
  const q = quoteIdent;
  const table = `\${analytics}.${m.table}`;
  const partition = partitionColumnOf(m);
  const keys = new Set(m.key);
  const op = q(MERGE_OP_COLUMN);
  // The declared types win: each fresh value is cast to its column's type, on both engines alike.
  const upserts = m.columns.map((c) => `CAST(f.${q(c.name)} AS ${c.type}) AS ${q(c.name)}`);
  const deletes = m.columns.map((c) => (keys.has(c.name) ? `o.${q(c.name)}` : `NULL AS ${q(c.name)}`));
  const sameKey = (a: string, b: string) => m.key.map((k) => `${a}.${q(k)} = ${b}.${q(k)}`).join(' AND ');
  const inScope = (alias: string) => (partition ? [`${alias}.${q(partition)} = :region`] : []);
  const valueColumns = m.columns.filter((c) => !keys.has(c.name));
  const names = m.columns.map((c) => q(c.name)).join(', ');
  return [
    `MERGE INTO ${table} AS t`,
    'USING (',
    '  WITH fresh AS (',
    indented(m.select, '    '),
    '  )',
    `  SELECT ${upserts.join(', ')}, 'upsert' AS ${op}`,
    '  FROM fresh f',
    ...(partition ? [`  WHERE ${inScope('f').join(' AND ')}`] : []),
    '  UNION ALL',
    `  SELECT ${deletes.join(', ')}, 'delete' AS ${op}`,
    `  FROM ${table} o`,
    // The partition column is part of the key (checked at definition time): a key match stays in scope.
    `  WHERE ${[...inScope('o'), `NOT EXISTS (SELECT 1 FROM fresh f WHERE ${sameKey('f', 'o')})`].join(' AND ')}`,
    ') AS s',
    `ON ${sameKey('t', 's')}`,
    `WHEN MATCHED AND s.${op} = 'delete' THEN DELETE`,
    ...(valueColumns.length
      ? [
          `WHEN MATCHED THEN UPDATE SET ${valueColumns.map((c) => `${q(c.name)} = s.${q(c.name)}`).join(', ')}`,
        ]
      : []),
    `WHEN NOT MATCHED AND s.${op} = 'upsert' THEN`,
    `  INSERT (${names})`,
    `  VALUES (${m.columns.map((c) => `s.${q(c.name)}`).join(', ')})`,
  ].join('\n');
}
