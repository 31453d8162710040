/**
 * The definition-time problems of a dataset's derived columns, each naming the column and the fix:
 * a parse error, an unknown or later column, `/`, a function outside the shared list or a type that
 * does not fit (workflows/check-datasets.ts prefixes the workflow and the dataset).
 */
import type { StatisticsSpec } from './datasets';
import { ExpressionError } from './expressions';
import { compileDerivedColumns } from './expressions-spec';

/** Every derived column's problem (compilation stops at a column's first problem, so each is checked alone). */
export function derivedColumnProblems(spec: StatisticsSpec): string[] {
  const problems: string[] = [];
  spec.schema.forEach((col, i) => {
    if (col.derived === undefined) return;
    // Each column compiled with the columns before it, the later derived ones left out.
    const upTo: StatisticsSpec = {
      ...spec,
      schema: spec.schema
        .slice(0, i + 1)
        .filter((c, j) => j === i || c.derived === undefined || compiles(spec, j)),
    };
    try {
      compileDerivedColumns(upTo);
    } catch (e) {
      const where = e instanceof ExpressionError ? ` at offset ${e.at}` : '';
      problems.push(`schema[${i}] (${col.name}): derived${where}: ${(e as Error).message}`);
    }
  });
  return problems;
}

/** True when the derived column at `index` compiles with the columns before it. */
function compiles(spec: StatisticsSpec, index: number): boolean {
  try {
    compileDerivedColumns({ ...spec, schema: spec.schema.slice(0, index + 1) });
    return true;
  } catch {
    return false;
  }
}
