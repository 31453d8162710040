/**
 * Derived-column expressions evaluated in TypeScript, for the small-object Lambda: over the typed
 * values of a row, with SQL's NULL (three-valued logic, NULL through arithmetic), exactly — BIGINT as
 * bigint, DECIMAL as a bigint scaled by the scale the checker gave the node (workflows/expressions-check.ts),
 * never a float — as DuckDB evaluates the rendered SQL and glue/lakestep_rules.py the same text.
 */
import { decimalShape } from '../../workflows/column-types';
import type { Expr } from '../../workflows/expressions';
import type { ExprType } from '../../workflows/expressions-check';
import type { CompiledDerived } from '../../workflows/expressions-spec';
import type { CellValue } from './transform-parquet';
import { civilText } from './transform-rules';

type Value = CellValue;
type Compiled = (get: (name: string) => Value) => Value;

const TEN = 10n;
const pow10 = (n: number) => TEN ** BigInt(n);
const scaleOf = (t: ExprType) => (t.kind === 'DECIMAL' ? t.scale : 0);

/** Order of two strings by code point (DuckDB compares UTF-8 bytes, Python code points; JS's < compares UTF-16 units). */
function compareText(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Round half away from zero (DuckDB's round of a DECIMAL, Spark's HALF_UP) by 10^drop. */
function roundScaled(v: bigint, drop: number): bigint {
  const div = pow10(drop);
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const q = abs / div + (2n * (abs % div) >= div ? 1n : 0n);
  return negative ? -q : q;
}

/** A derived column's value from the row's earlier typed values, at its declared type. */
export function compileDerived(d: CompiledDerived): (get: (name: string) => Value) => Value {
  const typeOf = (x: Expr) => {
    const t = d.types.get(x);
    if (!t) throw new Error(`derived column ${d.column.name}: the expression was not type-checked`);
    return t;
  };
  /** A number of node `x` rescaled from its own scale to `scale` (always up: the checker allows no loss). */
  const at = (x: Expr, scale: number): Compiled => {
    const f = compile(x);
    const factor = pow10(scale - scaleOf(typeOf(x)));
    return factor === 1n
      ? f
      : (g) => {
          const v = f(g);
          return v === null ? null : (v as bigint) * factor;
        };
  };
  const compile = (x: Expr): Compiled => {
    const t = typeOf(x);
    switch (x.k) {
      case 'column':
        return (g) => g(x.name);
      case 'integer':
      case 'decimal': {
        const v = BigInt(x.text.replace('.', ''));
        return () => v;
      }
      case 'string':
      case 'boolean': {
        const v = x.value;
        return () => v;
      }
      case 'negate': {
        const f = compile(x.arg);
        return (g) => {
          const v = f(g);
          return v === null ? null : -(v as bigint);
        };
      }
      case 'arith': {
        const s = scaleOf(t);
        const [l, r] = x.op === '*' ? [compile(x.left), compile(x.right)] : [at(x.left, s), at(x.right, s)];
        const op = x.op;
        return (g) => {
          const a = l(g);
          if (a === null) return null;
          const b = r(g);
          if (b === null) return null;
          return op === '+'
            ? (a as bigint) + (b as bigint)
            : op === '-'
              ? (a as bigint) - (b as bigint)
              : (a as bigint) * (b as bigint);
        };
      }
      case 'compare': {
        const lt = typeOf(x.left);
        const rt = typeOf(x.right);
        const numeric = lt.kind === 'BIGINT' || lt.kind === 'DECIMAL';
        const s = Math.max(scaleOf(lt), scaleOf(rt));
        const l = numeric ? at(x.left, s) : compile(x.left);
        const r = numeric ? at(x.right, s) : compile(x.right);
        const text = lt.kind === 'VARCHAR';
        const op = x.op;
        return (g) => {
          const a = l(g);
          if (a === null) return null;
          const b = r(g);
          if (b === null) return null;
          const c = text ? compareText(a as string, b as string) : a < b ? -1 : a > b ? 1 : 0;
          switch (op) {
            case '=':
              return c === 0;
            case '<>':
              return c !== 0;
            case '<':
              return c < 0;
            case '<=':
              return c <= 0;
            case '>':
              return c > 0;
            case '>=':
              return c >= 0;
          }
        };
      }
      case 'and': {
        const l = compile(x.left);
        const r = compile(x.right);
        return (g) => {
          const a = l(g);
          const b = r(g);
          if (a === false || b === false) return false;
          return a === null || b === null ? null : true;
        };
      }
      case 'or': {
        const l = compile(x.left);
        const r = compile(x.right);
        return (g) => {
          const a = l(g);
          const b = r(g);
          if (a === true || b === true) return true;
          return a === null || b === null ? null : false;
        };
      }
      case 'not': {
        const f = compile(x.arg);
        return (g) => {
          const v = f(g);
          return v === null ? null : !v;
        };
      }
      case 'isNull': {
        const f = compile(x.arg);
        const negated = x.negated;
        return (g) => (f(g) === null) !== negated;
      }
      case 'case': {
        const s = scaleOf(t);
        const result = (e: Expr) => (t.kind === 'DECIMAL' ? at(e, s) : compile(e));
        const whens = x.whens.map((w) => [compile(w.when), result(w.result)] as const);
        const otherwise = x.otherwise ? result(x.otherwise) : () => null;
        return (g) => {
          for (const [when, then] of whens) if (when(g) === true) return then(g);
          return otherwise(g);
        };
      }
      case 'coalesce': {
        const s = scaleOf(t);
        const args = x.args.map((e) => (t.kind === 'DECIMAL' ? at(e, s) : compile(e)));
        return (g) => {
          for (const f of args) {
            const v = f(g);
            if (v !== null) return v;
          }
          return null;
        };
      }
      case 'round': {
        const f = compile(x.arg);
        const drop = scaleOf(typeOf(x.arg)) - x.places;
        return (g) => {
          const v = f(g);
          return v === null ? null : roundScaled(v as bigint, drop);
        };
      }
      case 'cast': {
        if (decimalShape(x.type)) return at(x.arg, scaleOf(t));
        if (x.type !== 'VARCHAR') return compile(x.arg);
        const from = typeOf(x.arg);
        const f = compile(x.arg);
        return (g) => {
          const v = f(g);
          if (v === null || from.kind === 'VARCHAR') return v;
          if (from.kind === 'BOOLEAN') return v ? 'true' : 'false';
          if (from.kind === 'DATE') return civilText(v as number);
          return String(v);
        };
      }
    }
  };
  const target = decimalShape(d.column.type);
  return target ? at(d.ast, target.scale) : compile(d.ast);
}
