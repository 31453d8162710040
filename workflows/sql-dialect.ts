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

/**
 * The functions a derived column's expression may call (workflows/expressions.ts; CASE, CAST and IS NULL
 * are syntax): each is documented with the same meaning by DuckDB and by Spark SQL, which
 * test/expressions.test.ts checks against both engines' documented function lists
 * (test/fixtures/sql-functions/). round is half away from zero on both (DuckDB rounds a DECIMAL so,
 * Spark documents HALF_UP); lower and upper are left out: their non-ASCII mappings differ (decision 0031).
 */
export const DERIVED_SQL_FUNCTIONS = ['coalesce', 'round'] as const;

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
