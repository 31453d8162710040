/**
 * The one query a check costs on either engine: the violating rows' count beside a few of them
 * (`count(*) OVER ()` over the check's SELECT, cut to the sample): DuckDB and Athena/Trino document both.
 */

/** The column that carries the count in every row of the answer. */
export const VIOLATIONS_COLUMN = 'lakestep_violations';

export function violationsQuery(sql: string, sampleSize: number): string {
  if (!Number.isInteger(sampleSize) || sampleSize < 1)
    throw new Error(`sampleSize must be a positive integer, not ${sampleSize}`);
  return `SELECT *, count(*) OVER () AS ${VIOLATIONS_COLUMN} FROM (\n${sql.trim()}\n) AS violations LIMIT ${sampleSize}`;
}

/** The count and the sample of an answer's rows (no rows: no violation). */
export function violationsOf(rows: readonly Record<string, unknown>[]): {
  count: number;
  sample: Record<string, unknown>[];
} {
  const first = rows[0];
  const count = first === undefined ? 0 : Number(first[VIOLATIONS_COLUMN]);
  if (!Number.isFinite(count)) throw new Error(`the check's answer has no ${VIOLATIONS_COLUMN} count`);
  return {
    count,
    sample: rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== VIOLATIONS_COLUMN))),
  };
}
