/**
 * The definition-time problems of a dataset's derived columns, each naming the column and the fix:
 * a parse error, an unknown or later column, `/`, a function outside the shared list or a type that
 * does not fit (workflows/check-datasets.ts prefixes the workflow and the dataset).
 */
import type { TransformSpec } from './datasets';
import { ExpressionError } from './expressions';
import { derivedOutcomes } from './expressions-spec';

/** Every derived column's problem, in schema order. */
export function derivedColumnProblems(spec: TransformSpec): string[] {
  return derivedOutcomes(spec).flatMap((o) => {
    if (!('error' in o)) return [];
    const where = o.error instanceof ExpressionError ? ` at offset ${o.error.at}` : '';
    return [`schema[${o.index}] (${o.column.name}): derived${where}: ${o.error.message}`];
  });
}
