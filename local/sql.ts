/** Small helpers for writing SQL text safely. */
export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
export const sqlIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * Parses one Athena execution-parameter value (a SQL literal: 'text', a number, true/false, NULL)
 * into a value DuckDB binds, so that local runs take the same ExecutionParameters as Athena.
 */
export function parseSqlLiteral(text: string): string | number | boolean | null {
  const t = text.trim();
  if (/^'(?:[^']|'')*'$/.test(t)) return t.slice(1, -1).replace(/''/g, "'");
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(t)) return Number(t);
  if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
  if (/^null$/i.test(t)) return null;
  throw new Error(`Execution parameter ${JSON.stringify(text)} is not a SQL literal (quote strings: 'us')`);
}

/**
 * A filesystem path as a DuckDB glob that matches only itself: `[`, `?` and `*` become one-character
 * classes (`[[]`, `[?]`, `[*]`), so a lake under `lake[1]` or `a?b` is read, not matched as a pattern.
 * The pattern parts a caller appends (`/*.parquet`) keep their meaning.
 */
export const globEscape = (path: string): string => path.replace(/[[?*]/g, (ch) => `[${ch}]`);
