/**
 * Definition-time checks of a workflow's materializations: each is SQL that DuckDB and Athena must run
 * as written, so `npm run asl` and `cdk synth` refuse one that calls a function outside the shared list
 * (workflows/sql-dialect.ts), divides (`/` means DOUBLE division on DuckDB's decimals and integer
 * division on Trino's integers: multiply by 0.01 instead), reads a table the workflow does not have, or
 * whose key is not among its columns — naming the workflow, the materialization, the field and the fix.
 */
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
  const analytics = new Set(workflow.materializations.map((m) => m.table));
  const cleansed = new Set(cleansedTables);
  return workflow.materializations.flatMap((m) =>
    problemsOf(m, cleansed, analytics).map(
      (p) => `workflow ${workflow.name}, materialization ${m.name}: ${p}`,
    ),
  );
}

function problemsOf(
  m: Materialization,
  cleansed: ReadonlySet<string>,
  analytics: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const body = code(m.sql);
  const unknown = [
    ...new Set(
      sqlFunctionCalls(m.sql).filter(
        (c) => !PORTABLE_SQL_FUNCTIONS.includes(c) && !SQL_KEYWORDS_BEFORE_PAREN.includes(c),
      ),
    ),
  ];
  for (const f of unknown)
    problems.push(
      `sql calls ${f}(), which is not in the list both DuckDB and Athena document (workflows/sql-dialect.ts: ${PORTABLE_SQL_FUNCTIONS.join(', ')}): rewrite it with those, or add ${f} there once both engines' documentation gives it the same meaning`,
    );
  if (/\//.test(body))
    problems.push(
      'sql divides with "/": DuckDB divides decimals as DOUBLE and Trino divides integers as integers; multiply by a decimal instead (cents * 0.01), which both engines keep exact',
    );
  for (const ref of body.matchAll(/\$\{(cleansed|analytics)\}\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const [, db, table] = ref as unknown as [string, 'cleansed' | 'analytics', string];
    const known = db === 'cleansed' ? cleansed : analytics;
    if (!known.has(table))
      problems.push(
        `sql reads \${${db}}.${table}, which is not a table of the workflow: use one of ${[...known].map((t) => `\${${db}}.${t}`).join(', ')}`,
      );
  }
  const names = new Set(m.columns.map((c) => c.name));
  for (const k of m.key)
    if (!names.has(k))
      problems.push(`key names "${k}", which is not one of its columns: add the column or fix the key`);
  const target = /^\s*MERGE\s+INTO\s+\$\{analytics\}\.([A-Za-z_][A-Za-z0-9_]*)/i.exec(body)?.[1];
  if (target !== m.table)
    problems.push(
      `sql must start with MERGE INTO \${analytics}.${m.table} (the table it materializes)${target ? `, not \${analytics}.${target}` : ''}`,
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
