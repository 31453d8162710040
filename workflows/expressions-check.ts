/**
 * The type checker of derived-column expressions (decision 0031): every node gets a type from the
 * columns' types, and every numeric node a bound on its digits, so that no engine can overflow,
 * round or fall back to a float on any input the column types allow. Strict on purpose: an
 * expression's type must be the declared one (a DECIMAL's scale exactly), or the error says which
 * CAST or round to write.
 */
import { type ColumnType, decimalShape } from './column-types';
import { type Expr, ExpressionError } from './expressions';

/** Both engines' widest DECIMAL. */
export const MAX_DECIMAL_DIGITS = 38;
/** BIGINT holds every 18-digit integer (2^63 - 1 has 19 digits, not all of which fit). */
const BIGINT_SAFE_DIGITS = 18;
const INT32_SAFE_DIGITS = 9;

/**
 * A value's type. Numbers carry `digits`, a bound on their integer digits (|v| < 10^digits), and
 * `precision`, the widest DECIMAL precision either engine gives the node (Spark's rules, which are
 * never narrower than DuckDB's: a BIGINT is DECIMAL(20,0), p1*p2 gives p1+p2+1).
 */
export type ExprType =
  | { readonly kind: 'VARCHAR' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP' }
  | { readonly kind: 'BIGINT'; readonly digits: number; readonly int32: boolean }
  | {
      readonly kind: 'DECIMAL';
      readonly digits: number;
      readonly scale: number;
      readonly precision: number;
      /** DuckDB's width of the node, which can be narrower than the value needs (see checkDecimal). */
      readonly duck: number;
    };

type Numeric = Extract<ExprType, { kind: 'BIGINT' | 'DECIMAL' }>;
type DecimalView = { digits: number; scale: number; precision: number; duck: number };

const places = (n: number) => `${n} decimal place${n === 1 ? '' : 's'}`;

export function typeText(t: ExprType): string {
  if (t.kind === 'DECIMAL') return `DECIMAL with ${places(t.scale)}`;
  return t.kind;
}

/** The type of a column of a declared type (BIGINT may be narrowed by the caller with an integer rule's bounds). */
export function columnExprType(type: ColumnType, bigintDigits = 19): ExprType {
  const d = decimalShape(type);
  if (d)
    return {
      kind: 'DECIMAL',
      digits: d.precision - d.scale,
      scale: d.scale,
      precision: d.precision,
      duck: d.precision,
    };
  if (type === 'BIGINT') return { kind: 'BIGINT', digits: bigintDigits, int32: false };
  return { kind: type as 'VARCHAR' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP' };
}

const isNumeric = (t: ExprType): t is Numeric => t.kind === 'BIGINT' || t.kind === 'DECIMAL';
const asDecimal = (t: Numeric): DecimalView =>
  t.kind === 'DECIMAL'
    ? t
    : { digits: t.digits, scale: 0, precision: t.int32 ? 10 : 20, duck: t.int32 ? 10 : 19 };
/** DuckDB keeps a DECIMAL in 64 bits when both operands fit 18 digits, capping the result there (measured). */
const duckWidth = (a: DecimalView, b: DecimalView, exact: number) =>
  a.duck <= 18 && b.duck <= 18 ? Math.min(exact, 18) : Math.min(exact, MAX_DECIMAL_DIGITS);
const digitsOf = (integerText: string) => integerText.replace(/^0+(?=.)/, '').length;

/**
 * Types every node of `e`; `columns` maps each column the expression may read to its type. Throws an
 * ExpressionError naming the offset and the fix. `types` receives each node's type (the evaluator's).
 */
export function typeExpression(
  source: string,
  e: Expr,
  columns: ReadonlyMap<string, ExprType>,
  types: Map<Expr, ExprType> = new Map(),
): ExprType {
  const fail = (at: number, message: string): never => {
    throw new ExpressionError(`\`${source}\`: ${message}`, at);
  };
  const numeric = (x: Expr, what: string): Numeric => {
    const t = type(x);
    return isNumeric(t) ? t : fail(x.at, `${what} needs a number, found ${typeText(t)}`);
  };
  const boolean = (x: Expr, what: string): void => {
    const t = type(x);
    if (t.kind !== 'BOOLEAN') fail(x.at, `${what} needs a condition (BOOLEAN), found ${typeText(t)}`);
  };
  const checkDecimal = (at: number, d: DecimalView): ExprType => {
    if (d.precision > MAX_DECIMAL_DIGITS || d.digits + d.scale > MAX_DECIMAL_DIGITS)
      fail(
        at,
        `this can need more than ${MAX_DECIMAL_DIGITS} digits, where the engines round or fail: narrow an operand with CAST(x AS DECIMAL(p,s)) or an integer rule's min/max`,
      );
    if (d.digits + d.scale > d.duck)
      fail(
        at,
        `DuckDB computes this in ${d.duck} digits (its operands fit 64 bits) and the value can need ${d.digits + d.scale}: CAST an operand to DECIMAL(19,s) or wider, e.g. CAST(x AS DECIMAL(19,2))`,
      );
    return { kind: 'DECIMAL', ...d };
  };
  const checkBigint = (at: number, digits: number, int32: boolean): ExprType => {
    const limit = int32 ? INT32_SAFE_DIGITS : BIGINT_SAFE_DIGITS;
    if (digits > limit)
      fail(
        at,
        int32
          ? 'integer literals alone are 32-bit on both engines and this can overflow: compute it by hand'
          : `this can exceed BIGINT (up to 10^${digits}): bound the inputs with an integer rule's min/max, or CAST an operand to DECIMAL(p,0)`,
      );
    return { kind: 'BIGINT', digits, int32 };
  };
  /** One type for values that meet (CASE branches, coalesce arguments): all numbers, or one kind. */
  const unify = (at: number, parts: readonly ExprType[], what: string): ExprType => {
    const first = parts[0] as ExprType;
    if (parts.every(isNumeric)) {
      if (parts.every((p) => p.kind === 'BIGINT'))
        return {
          kind: 'BIGINT',
          digits: Math.max(...parts.map((p) => (p as Numeric).digits)),
          int32: parts.every((p) => p.kind === 'BIGINT' && p.int32),
        };
      const ds = (parts as Numeric[]).map(asDecimal);
      const scale = Math.max(...ds.map((d) => d.scale));
      const whole = Math.max(...ds.map((d) => d.precision - d.scale));
      const duckWhole = Math.max(...ds.map((d) => d.duck - d.scale));
      return checkDecimal(at, {
        digits: Math.max(...ds.map((d) => d.digits)),
        scale,
        precision: whole + scale,
        duck: Math.min(duckWhole + scale, MAX_DECIMAL_DIGITS),
      });
    }
    const other = parts.find((p) => p.kind !== first.kind);
    if (other) fail(at, `${what} mixes ${typeText(first)} and ${typeText(other)}: CAST them to one type`);
    return first;
  };

  const type = (x: Expr): ExprType => {
    const t = compute(x);
    types.set(x, t);
    return t;
  };
  const compute = (x: Expr): ExprType => {
    switch (x.k) {
      case 'column': {
        const t = columns.get(x.name);
        if (!t)
          return fail(
            x.at,
            `no column "${x.name}" to read: use one of ${[...columns.keys()].join(', ') || '(none: a derived column reads the typed columns before it)'}`,
          );
        return t;
      }
      case 'integer': {
        const digits = digitsOf(x.text);
        if (digits > BIGINT_SAFE_DIGITS)
          fail(x.at, `the integer ${x.text} is longer than ${BIGINT_SAFE_DIGITS} digits`);
        return { kind: 'BIGINT', digits, int32: BigInt(x.text) <= 2147483647n };
      }
      case 'decimal': {
        const [whole = '', fraction = ''] = x.text.split('.');
        const digits = Number(BigInt(whole)) === 0 ? 0 : digitsOf(whole);
        const width = whole.length + fraction.length;
        return checkDecimal(x.at, { digits, scale: fraction.length, precision: width, duck: width });
      }
      case 'string':
        return { kind: 'VARCHAR' };
      case 'boolean':
        return { kind: 'BOOLEAN' };
      case 'negate': {
        const t = numeric(x.arg, 'unary minus');
        return t.kind === 'BIGINT' ? checkBigint(x.at, t.digits + (t.digits >= 19 ? 1 : 0), t.int32) : t;
      }
      case 'arith': {
        const l = numeric(x.left, `\`${x.op}\``);
        const r = numeric(x.right, `\`${x.op}\``);
        if (l.kind === 'BIGINT' && r.kind === 'BIGINT')
          return checkBigint(
            x.at,
            x.op === '*' ? l.digits + r.digits : Math.max(l.digits, r.digits) + 1,
            l.int32 && r.int32,
          );
        const a = asDecimal(l);
        const b = asDecimal(r);
        if (x.op === '*')
          return checkDecimal(x.at, {
            digits: a.digits + b.digits,
            scale: a.scale + b.scale,
            precision: a.precision + b.precision + 1,
            duck: duckWidth(a, b, a.duck + b.duck),
          });
        const scale = Math.max(a.scale, b.scale);
        return checkDecimal(x.at, {
          digits: Math.max(a.digits, b.digits) + 1,
          scale,
          precision: scale + Math.max(a.precision - a.scale, b.precision - b.scale) + 1,
          duck: duckWidth(a, b, scale + Math.max(a.duck - a.scale, b.duck - b.scale) + 1),
        });
      }
      case 'compare': {
        const l = type(x.left);
        const r = type(x.right);
        if (!(isNumeric(l) && isNumeric(r)) && l.kind !== r.kind)
          fail(
            x.at,
            `${x.op} compares ${typeText(l)} with ${typeText(r)}: the engines convert differently, so CAST one side`,
          );
        return { kind: 'BOOLEAN' };
      }
      case 'and':
      case 'or':
        boolean(x.left, x.k.toUpperCase());
        boolean(x.right, x.k.toUpperCase());
        return { kind: 'BOOLEAN' };
      case 'not':
        boolean(x.arg, 'NOT');
        return { kind: 'BOOLEAN' };
      case 'isNull':
        type(x.arg);
        return { kind: 'BOOLEAN' };
      case 'case': {
        for (const w of x.whens) boolean(w.when, 'WHEN');
        const results = [...x.whens.map((w) => type(w.result)), ...(x.otherwise ? [type(x.otherwise)] : [])];
        return unify(x.at, results, 'CASE');
      }
      case 'coalesce':
        return unify(x.at, x.args.map(type), 'coalesce');
      case 'round': {
        const t = type(x.arg);
        if (t.kind !== 'DECIMAL')
          return fail(
            x.at,
            `round needs a DECIMAL, found ${typeText(t)} (a BIGINT has no decimal places to round)`,
          );
        if (x.places >= t.scale)
          fail(
            x.at,
            `round(…, ${x.places}) of a value with ${t.scale} decimal places changes nothing: leave it out`,
          );
        return checkDecimal(x.at, {
          digits: t.digits + 1,
          scale: x.places,
          precision: t.precision,
          duck: t.duck,
        });
      }
      case 'cast':
        return castType(x.at, type(x.arg), x.type, fail);
    }
  };
  return type(e);
}

/** The casts whose meaning both engines document alike; anything else is refused with the reason. */
function castType(
  at: number,
  from: ExprType,
  to: ColumnType,
  fail: (at: number, message: string) => never,
): ExprType {
  const target = decimalShape(to);
  if (target) {
    if (!isNumeric(from))
      return fail(
        at,
        `CAST of ${typeText(from)} to ${to} is not in the subset: only numbers cast to DECIMAL`,
      );
    const d = asDecimal(from);
    if (d.scale > target.scale)
      fail(
        at,
        `CAST to ${to} would round ${d.scale} decimal places to ${target.scale}: write round(x, ${target.scale}) first`,
      );
    if (d.digits > target.precision - target.scale)
      fail(
        at,
        `CAST to ${to} can overflow: the value can have ${d.digits} integer digits, the type ${target.precision - target.scale}; widen the type or bound the input with an integer rule's min/max`,
      );
    // The value keeps its bound: a CAST widens the type, not the value.
    return { ...(columnExprType(to) as DecimalView & { kind: 'DECIMAL' }), digits: d.digits };
  }
  if (to === 'VARCHAR') {
    if (from.kind === 'DECIMAL' || from.kind === 'TIMESTAMP')
      fail(
        at,
        `CAST of ${typeText(from)} to VARCHAR is not in the subset: keep the typed column and format it where it is read`,
      );
    return { kind: 'VARCHAR' };
  }
  if (to === 'BIGINT') {
    if (from.kind !== 'BIGINT')
      fail(
        at,
        `CAST of ${typeText(from)} to BIGINT is not in the subset (DuckDB rounds a DECIMAL, Spark truncates it)`,
      );
    return from;
  }
  if (from.kind !== to) fail(at, `CAST of ${typeText(from)} to ${to} is not in the subset`);
  return from;
}

/**
 * Why an expression of type `t` cannot fill a column of `declared`, with the fix, or null when it can.
 * The rendered SQL casts to the declared type; this makes that cast exact on every input.
 */
export function declaredTypeProblem(expression: string, t: ExprType, declared: ColumnType): string | null {
  const target = decimalShape(declared);
  if (target) {
    if (t.kind === 'BIGINT') return `\`${expression}\` is a BIGINT: write CAST(${expression} AS ${declared})`;
    if (t.kind !== 'DECIMAL') return `\`${expression}\` is ${t.kind}, the column ${declared}`;
    if (t.scale < target.scale)
      return `\`${expression}\` has ${places(t.scale)}, the column ${target.scale}: write CAST(${expression} AS ${declared})`;
    if (t.scale > target.scale)
      return `\`${expression}\` has ${places(t.scale)}, the column ${target.scale}: write round(${expression}, ${target.scale}), or declare DECIMAL(${t.digits + t.scale},${t.scale})`;
    if (t.digits > target.precision - target.scale)
      return `\`${expression}\` can reach 10^${t.digits}, more than ${declared} holds: declare DECIMAL(${t.digits + t.scale},${t.scale}), or bound the input columns with an integer rule's min/max`;
    return null;
  }
  if (t.kind === 'DECIMAL')
    return `\`${expression}\` is a DECIMAL: declare the column DECIMAL(${t.digits + t.scale},${t.scale})`;
  if (t.kind !== declared)
    return `\`${expression}\` is ${t.kind}, the column ${declared}: declare it ${t.kind}${declared === 'VARCHAR' ? ', or write CAST(… AS VARCHAR)' : ''}`;
  return null;
}
