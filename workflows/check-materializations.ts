/**
 * Definition-time checks of a workflow's materializations: their SELECTs and check queries are SQL that
 * DuckDB and Athena must run as written, so `npm run asl` and `cdk synth` refuse one that calls a
 * function outside the shared list (workflows/sql-dialect.ts), divides (`/` means DOUBLE division on
 * DuckDB's decimals and integer division on Trino's integers: multiply by 0.01 instead), reads a table
 * the workflow does not have (or a later materialization's), is not a query, uses `:region` in a
 * whole-table scope, or whose key or scope names a column it lacks — naming the workflow, the
 * materialization, the field and the fix.
 */
import { MERGE_OP_COLUMN } from './materialize-sql';
import { PORTABLE_SQL_FUNCTIONS, SQL_KEYWORDS_BEFORE_PAREN } from './sql-dialect';
import type { Materialization, Workflow } from './types';

/** The SQL without its string literals, quoted identifiers' contents and comments (what the checks read). */
function code(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""');
}

/** The functions a SQL text calls, lower-cased (an INSERT's column list is not a call). */
export function sqlFunctionCalls(sql: string): string[] {
  const body = code(sql).replace(/\bINSERT\s*\([^)]*\)/gi, 'INSERT');
  return [...body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((x) => (x[1] as string).toLowerCase());
}

/** Every problem of the workflow's materializations; `cleansedTables` are its datasets' tables. */
export function materializationProblems(workflow: Workflow, cleansedTables: readonly string[]): string[] {
  const cleansed = new Set(cleansedTables);
  const all = new Set(workflow.materializations.map((m) => m.table));
  return workflow.materializations.flatMap((m, i) => {
    // A SELECT reads the tables materialized before it (they are current when it runs); a check runs
    // after every MERGE of the execution and may read any of them.
    const earlier = new Set(workflow.materializations.slice(0, i).map((x) => x.table));
    return problemsOf(m, cleansed, earlier, all).map(
      (p) => `workflow ${workflow.name}, materialization ${m.name}: ${p}`,
    );
  });
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function problemsOf(
  m: Materialization,
  cleansed: ReadonlySet<string>,
  earlier: ReadonlySet<string>,
  all: ReadonlySet<string>,
): string[] {
  const problems = sqlProblems('select', m.select, cleansed, earlier, m.scope === 'table');
  const names = new Set(m.columns.map((c) => c.name));
  for (const c of m.columns)
    if (!IDENTIFIER.test(c.name) || c.name === MERGE_OP_COLUMN)
      problems.push(
        `column "${c.name}" is not a plain lower-case name both engines keep as written${c.name === MERGE_OP_COLUMN ? ' (lakestep uses it in the MERGE)' : ''}: rename it (e.g. ${c.name.toLowerCase().replace(/[^a-z0-9_]+/g, '_')})`,
      );
  for (const k of m.key)
    if (!names.has(k))
      problems.push(`key names "${k}", which is not one of its columns: add the column or fix the key`);
  if (m.scope !== 'table') {
    const p = m.scope.partition;
    if (!names.has(p))
      problems.push(
        `scope partition names "${p}", which is not one of its columns: add the column or fix the scope`,
      );
    else if (!m.key.includes(p))
      problems.push(
        `scope partition "${p}" is not in the key: add it to the key, so a row is only ever matched within its partition value`,
      );
  }
  const seen = new Set<string>();
  for (const [i, check] of (m.checks ?? []).entries()) {
    const field = `checks[${i}] (${check.name})`;
    if (!IDENTIFIER.test(check.name))
      problems.push(`${field}: name is not snake_case: it names the check in metrics and causes`);
    if (seen.has(check.name)) problems.push(`${field}: another check has the same name: rename one`);
    seen.add(check.name);
    if (check.severity !== 'fail' && check.severity !== 'warn')
      problems.push(`${field}: severity "${String(check.severity)}" is neither 'fail' nor 'warn'`);
    problems.push(...sqlProblems(`${field}.sql`, check.sql, cleansed, all, m.scope === 'table'));
  }
  return problems;
}

/** The problems of one SQL query of a materialization (its SELECT or a check's), named by its field. */
function sqlProblems(
  field: string,
  sql: string,
  cleansed: ReadonlySet<string>,
  analytics: ReadonlySet<string>,
  wholeTable: boolean,
): string[] {
  const problems: string[] = [];
  const body = code(sql);
  const unknown = [
    ...new Set(
      sqlFunctionCalls(sql).filter(
        (c) => !PORTABLE_SQL_FUNCTIONS.includes(c) && !SQL_KEYWORDS_BEFORE_PAREN.includes(c),
      ),
    ),
  ];
  for (const f of unknown)
    problems.push(
      `${field} calls ${f}(), which is not in the list both DuckDB and Athena document (workflows/sql-dialect.ts: ${PORTABLE_SQL_FUNCTIONS.join(', ')}): rewrite it with those, or add ${f} there once both engines' documentation gives it the same meaning`,
    );
  if (/\//.test(body))
    problems.push(
      `${field} divides with "/": DuckDB divides decimals as DOUBLE and Trino divides integers as integers; multiply by a decimal instead (cents * 0.01), which both engines keep exact`,
    );
  for (const ref of body.matchAll(/\$\{(cleansed|analytics)\}\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const [, db, table] = ref as unknown as [string, 'cleansed' | 'analytics', string];
    const known = db === 'cleansed' ? cleansed : analytics;
    if (!known.has(table))
      problems.push(
        `${field} reads \${${db}}.${table}, which is not a table of the workflow${db === 'analytics' ? ' materialized before it' : ''}: use ${known.size ? `one of ${[...known].map((t) => `\${${db}}.${t}`).join(', ')}` : `no \${${db}} table here`}`,
      );
  }
  if (!/^\s*(SELECT|WITH)\b/i.test(body))
    problems.push(
      `${field} must be a query (start with SELECT or WITH): lakestep writes the MERGE around it, so the SQL is never DML`,
    );
  if (/;/.test(body))
    problems.push(`${field} holds a ";": it must be one query, without a statement terminator`);
  if (wholeTable && /:region\b/.test(body))
    problems.push(
      `${field} uses :region, but the scope is 'table' (one execution re-materializes the whole table, for every region): drop the filter, or make the scope { partition: 'region' }`,
    );
  return problems;
}

/** Throws one error listing every problem (nothing when the materializations are sound). */
export function assertMaterializations(workflow: Workflow, cleansedTables: readonly string[]): void {
  const problems = materializationProblems(workflow, cleansedTables);
  if (problems.length)
    throw new Error(
      `The materializations have ${problems.length === 1 ? 'an error' : `${problems.length} errors`}:\n- ${problems.join('\n- ')}`,
    );
}
