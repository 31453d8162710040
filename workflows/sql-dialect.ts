/**
 * The SQL functions a materialization may call: each is documented with the same meaning by DuckDB and
 * by Athena engine v3 (Trino). A test extracts every function call from the materializations' SQL and
 * fails on anything not listed here.
 */
export const PORTABLE_SQL_FUNCTIONS: readonly string[] = [
  'row_number',
  'coalesce',
  'count',
  'sum',
  'min',
  'max',
  'cast',
  'lower',
  'upper',
];

/** SQL words that may stand before `(` without being a function call. */
export const SQL_KEYWORDS_BEFORE_PAREN: readonly string[] = [
  'in',
  'as',
  'over',
  'and',
  'or',
  'not',
  'exists',
  'values',
  'on',
  'from',
  'join',
  'using',
  'insert',
  'decimal', // a type, DECIMAL(38,0): both engines document it
];
