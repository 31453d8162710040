/**
 * A dataset's derived columns compiled against its schema: each reads the typed columns defined before
 * it in the schema (raw-typed or derived, not batch values), so the schema order is the evaluation
 * order and no cycle can be written. A BIGINT read from a raw column is bounded by an `integer` rule
 * with both min and max on that column, which is what lets `amount_cents * 0.01` fit DECIMAL(18,2).
 */
import type { SchemaColumn, TransformSpec } from './datasets';
import { rawSourceOf } from './datasets';
import { type Expr, ExpressionError, parseExpression } from './expressions';
import { columnExprType, declaredTypeProblem, type ExprType, typeExpression } from './expressions-check';

export interface CompiledDerived {
  readonly column: SchemaColumn;
  readonly expression: string;
  readonly ast: Expr;
  /** Every node's type (the TypeScript evaluator reads the scales from it). */
  readonly types: ReadonlyMap<Expr, ExprType>;
}

/** The largest number of integer digits an integer rule with both bounds allows on a raw column, or 19. */
function boundedDigits(spec: TransformSpec, raw: string): number {
  let digits = 19;
  for (const rule of spec.rules)
    if (
      rule.kind === 'integer' &&
      rule.columns.includes(raw) &&
      rule.min !== undefined &&
      rule.max !== undefined
    ) {
      const widest = Math.max(Math.abs(rule.min), Math.abs(rule.max));
      digits = Math.min(digits, String(BigInt(Math.trunc(widest))).length);
    }
  return digits;
}

/** A derived column compiled, or the problem that stops it (with the column's position in the schema). */
export type DerivedOutcome =
  | { readonly index: number; readonly compiled: CompiledDerived }
  | { readonly index: number; readonly column: SchemaColumn; readonly error: Error };

/**
 * Every derived column of the spec, in schema order, parsed and typed against the columns before it.
 * A column with a problem is still readable by later ones at its declared type, so each problem is
 * reported once, at its own column.
 */
export function derivedOutcomes(spec: TransformSpec): DerivedOutcome[] {
  const readable = new Map<string, ExprType>();
  const outcomes: DerivedOutcome[] = [];
  spec.schema.forEach((column, index) => {
    if (column.derived !== undefined) {
      const declared = columnExprType(column.type);
      try {
        const compiled = compileOne(column, readable);
        outcomes.push({ index, compiled });
        // Later columns read the declared type, its digits narrowed by the expression's bound.
        const t = compiled.types.get(compiled.ast) as ExprType;
        const narrowed =
          (declared.kind === 'BIGINT' || declared.kind === 'DECIMAL') && declared.kind === t.kind;
        readable.set(
          column.name,
          narrowed ? { ...declared, digits: Math.min(declared.digits, t.digits) } : declared,
        );
      } catch (e) {
        outcomes.push({ index, column, error: e as Error });
        readable.set(column.name, declared);
      }
    } else if (!column.batch) {
      const raw = rawSourceOf(column) as string;
      readable.set(
        column.name,
        columnExprType(column.type, column.type === 'BIGINT' ? boundedDigits(spec, raw) : 19),
      );
    }
  });
  return outcomes;
}

/**
 * The derived columns of the spec, in schema order, each parsed and typed; throws the first problem
 * (workflows/check-datasets.ts reports them all, with the workflow and the dataset, before anything runs).
 */
export function compileDerivedColumns(spec: TransformSpec): CompiledDerived[] {
  return derivedOutcomes(spec).map((o) => {
    if ('error' in o) {
      const where = o.error instanceof ExpressionError ? ` at offset ${o.error.at}` : '';
      throw new Error(`derived column ${o.column.name}${where}: ${o.error.message}`);
    }
    return o.compiled;
  });
}

function compileOne(column: SchemaColumn, readable: ReadonlyMap<string, ExprType>): CompiledDerived {
  const expression = column.derived as string;
  const ast = parseExpression(expression);
  const types = new Map<Expr, ExprType>();
  const t = typeExpression(expression, ast, readable, types);
  const problem = declaredTypeProblem(expression, t, column.type);
  if (problem) throw new Error(problem);
  return { column, expression, ast, types };
}
