/**
 * Athena's result pages as the API's rows: every value arrives as text, typed by the result metadata.
 * Integers and DECIMAL(p,0) become numbers when exact in JSON and decimal text beyond 2^53 (as
 * `lakestep query --json` gives them); dates stay YYYY-MM-DD; a missing value is null.
 */
import type { AnalyticsRow, JsonScalar, SqlParam } from './api-ports';

export interface AthenaColumn {
  readonly Name?: string;
  readonly Type?: string;
  readonly Scale?: number;
}
export interface AthenaRow {
  readonly Data?: readonly { readonly VarCharValue?: string }[];
}

const INTEGER = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);

export function jsonNumberText(text: string): number | string {
  const b = BigInt(text);
  return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(b)
    : b.toString();
}

function value(text: string | undefined, column: AthenaColumn): JsonScalar {
  if (text === undefined) return null;
  const type = (column.Type ?? 'varchar').toLowerCase();
  if (INTEGER.has(type) || (type === 'decimal' && (column.Scale ?? 0) === 0 && /^-?\d+$/.test(text)))
    return jsonNumberText(text);
  if (type === 'double' || type === 'float' || type === 'real' || type === 'decimal') return Number(text);
  if (type === 'boolean') return text === 'true';
  return text;
}

/** Rows of one page; `skipHeader` drops the first row of the first page (Athena repeats the column names there). */
export function athenaRows(
  columns: readonly AthenaColumn[],
  rows: readonly AthenaRow[],
  skipHeader: boolean,
): AnalyticsRow[] {
  return rows.slice(skipHeader ? 1 : 0).map((r) => {
    const out: AnalyticsRow = {};
    columns.forEach((c, i) => {
      out[c.Name ?? `_${i}`] = value(r.Data?.[i]?.VarCharValue, c);
    });
    return out;
  });
}

/** A bound parameter as Athena's ExecutionParameters take it: a SQL literal (text quoted, quotes doubled). */
export function executionParameter(p: SqlParam): string {
  if (p.type === 'bigint') {
    if (!/^-?\d{1,19}$/.test(p.value))
      throw new Error(`Not an integer parameter: ${JSON.stringify(p.value)}`);
    return p.value;
  }
  return `'${p.value.replace(/'/g, "''")}'`;
}
