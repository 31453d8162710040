/**
 * The parser of derived-column expressions (decision 0031): a closed SQL subset that DuckDB and Spark
 * SQL evaluate alike, read into a small AST whose nodes carry their offset in the text, so an error can
 * say where it is and what to write instead. Pure: no I/O. glue/lakestep_rules.py parses the same grammar.
 *
 *   expr    := or
 *   or      := and (OR and)*
 *   and     := not (AND not)*
 *   not     := NOT not | test
 *   test    := sum [cmp sum | IS [NOT] NULL]         (no chains: a = b = c is refused)
 *   sum     := product ((+|-) product)*
 *   product := unary (* unary)*
 *   unary   := - unary | atom
 *   atom    := integer | decimal | 'string' | TRUE | FALSE | column | ( expr )
 *            | CASE (WHEN expr THEN expr)+ [ELSE expr] END | CAST ( expr AS type )
 *            | coalesce ( expr (, expr)+ ) | round ( expr , integer )
 */
import { COLUMN_TYPE_HINT, type ColumnType, isColumnType } from './column-types';
import { DERIVED_SQL_FUNCTIONS } from './sql-dialect';

export type Comparison = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { readonly k: 'column'; readonly name: string; readonly at: number }
  | { readonly k: 'integer'; readonly text: string; readonly at: number }
  | { readonly k: 'decimal'; readonly text: string; readonly at: number }
  | { readonly k: 'string'; readonly value: string; readonly at: number }
  | { readonly k: 'boolean'; readonly value: boolean; readonly at: number }
  | { readonly k: 'negate'; readonly arg: Expr; readonly at: number }
  | {
      readonly k: 'arith';
      readonly op: '+' | '-' | '*';
      readonly left: Expr;
      readonly right: Expr;
      readonly at: number;
    }
  | {
      readonly k: 'compare';
      readonly op: Comparison;
      readonly left: Expr;
      readonly right: Expr;
      readonly at: number;
    }
  | { readonly k: 'and' | 'or'; readonly left: Expr; readonly right: Expr; readonly at: number }
  | { readonly k: 'not'; readonly arg: Expr; readonly at: number }
  | { readonly k: 'isNull'; readonly arg: Expr; readonly negated: boolean; readonly at: number }
  | {
      readonly k: 'case';
      readonly whens: readonly { readonly when: Expr; readonly result: Expr }[];
      readonly otherwise: Expr | null;
      readonly at: number;
    }
  | { readonly k: 'coalesce'; readonly args: readonly Expr[]; readonly at: number }
  | { readonly k: 'cast'; readonly arg: Expr; readonly type: ColumnType; readonly at: number }
  | { readonly k: 'round'; readonly arg: Expr; readonly places: number; readonly at: number };

/**
 * A text outside the subset: the offset (0-based) it was found at, and a message with the text and what
 * to write instead (the offset is not in the message: the caller puts it where it names the column).
 */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** The functions of the subset (CAST and CASE are syntax): workflows/sql-dialect.ts DERIVED_SQL_FUNCTIONS. */
export const EXPRESSION_FUNCTIONS: readonly string[] = DERIVED_SQL_FUNCTIONS;

/**
 * Functions people reach for that the subset leaves out, and why: the fix the error gives. lower/upper
 * were measured to differ (DuckDB upper('ß') = 'ẞ', lower('ΑΣ') = 'ασ'; Spark's JVM and Python give
 * 'SS' and 'ας'), so a cleansed value would depend on the engine that happened to run.
 */
const LEFT_OUT: Readonly<Record<string, string>> = {
  lower:
    "lower is not in the shared subset: DuckDB and Spark map non-ASCII letters differently (lower('ΑΣ') is 'ασ' on DuckDB, 'ας' on Spark); compare with acceptedValues on the raw text instead",
  upper:
    "upper is not in the shared subset: DuckDB and Spark map non-ASCII letters differently (upper('ß') is 'ẞ' on DuckDB, 'SS' on Spark); compare with acceptedValues on the raw text instead",
};

const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'is',
  'null',
  'case',
  'when',
  'then',
  'else',
  'end',
  'cast',
  'as',
  'true',
  'false',
]);

type Token =
  | { readonly t: 'word'; readonly text: string; readonly at: number }
  | { readonly t: 'number'; readonly text: string; readonly at: number }
  | { readonly t: 'string'; readonly value: string; readonly at: number }
  | { readonly t: 'op'; readonly text: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number };

const OPERATORS = ['<=', '>=', '<>', '=', '<', '>', '+', '-', '*', '(', ')', ','];

/** The fix for an operator outside the subset. */
function refusedOperator(text: string, source: string, at: number): ExpressionError {
  if (text === '/')
    return new ExpressionError(
      `\`${source}\`: \`/\` is not in the shared subset (DuckDB divides DECIMALs as DOUBLE, other engines divide integers as integers): ${divisionFix(source, at)}`,
      at,
    );
  if (text === '!=') return new ExpressionError(`\`${source}\`: write <> for "not equal", not !=`, at);
  if (text === '||')
    return new ExpressionError(`\`${source}\`: string concatenation (||) is not in the shared subset`, at);
  if (text === '%') return new ExpressionError(`\`${source}\`: % (modulo) is not in the shared subset`, at);
  return new ExpressionError(`\`${source}\`: "${text}" is not in the shared subset`, at);
}

/** The exact product to write for a division: `x / 100` is `x * 0.01`; otherwise an example. */
function divisionFix(source: string, at: number): string {
  const left = /([A-Za-z_][A-Za-z0-9_]*|[0-9.]+)\s*$/.exec(source.slice(0, at))?.[1];
  const right = /^\s*(10+)(?![0-9.])/.exec(source.slice(at + 1))?.[1];
  if (left && right) return `write ${left} * 0.${'0'.repeat(right.length - 2)}1`;
  return 'multiply by an exact decimal instead, e.g. amount_cents * 0.01 for amount_cents / 100';
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const at = i;
    if (/[A-Za-z_]/.test(ch)) {
      while (i < source.length && /[A-Za-z0-9_]/.test(source[i] as string)) i++;
      tokens.push({ t: 'word', text: source.slice(at, i), at });
      continue;
    }
    if (/[0-9]/.test(ch)) {
      while (i < source.length && /[0-9]/.test(source[i] as string)) i++;
      if (source[i] === '.') {
        i++;
        const fraction = i;
        while (i < source.length && /[0-9]/.test(source[i] as string)) i++;
        if (i === fraction)
          throw new ExpressionError(`\`${source}\`: a decimal needs digits after its point, e.g. 1.0`, at);
      }
      if (/[A-Za-z_.]/.test(source[i] ?? ''))
        throw new ExpressionError(
          `\`${source}\`: "${source.slice(at, i + 1)}" is not a number of the subset (digits, optionally a point and digits: no exponent)`,
          at,
        );
      tokens.push({ t: 'number', text: source.slice(at, i), at });
      continue;
    }
    if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length)
          throw new ExpressionError(`\`${source}\`: the string that starts here has no closing '`, at);
        if (source[i] === "'") {
          // Spark SQL reads 'it''s' as two adjacent literals ("its") and \ as an escape: one text
          // cannot mean the same on both engines.
          if (source[i + 1] === "'")
            throw new ExpressionError(
              `\`${source}\`: a quote inside a string literal is read differently by Spark SQL ('it''s' is "its" there): compare with acceptedValues on the raw column instead`,
              i,
            );
          i++;
          break;
        }
        if (source[i] === '\\')
          throw new ExpressionError(
            `\`${source}\`: a backslash inside a string literal is an escape in Spark SQL and a plain character in DuckDB: compare with acceptedValues on the raw column instead`,
            i,
          );
        value += source[i];
        i++;
      }
      tokens.push({ t: 'string', value, at });
      continue;
    }
    if (ch === '"')
      throw new ExpressionError(
        `\`${source}\`: quoted names are not in the subset: name the column as it is written in the schema (letters, digits, _), and write text in single quotes`,
        at,
      );
    const two = source.slice(i, i + 2);
    if (two === '!=' || two === '||') throw refusedOperator(two, source, at);
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) throw refusedOperator(ch, source, at);
    tokens.push({ t: 'op', text: op, at });
    i += op.length;
  }
  tokens.push({ t: 'end', at: source.length });
  return tokens;
}

/** The AST of one expression, or an ExpressionError naming the offset and the fix. */
export function parseExpression(source: string): Expr {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;
  const next = (): Token => tokens[pos++] as Token;
  const isWord = (t: Token, w: string) => t.t === 'word' && t.text.toLowerCase() === w;
  const isOp = (t: Token, o: string) => t.t === 'op' && t.text === o;
  const shown = (t: Token) => (t.t === 'end' ? 'the end' : t.t === 'string' ? `'${t.value}'` : `"${t.text}"`);
  const fail = (t: Token, expected: string): never => {
    throw new ExpressionError(`\`${source}\`: expected ${expected}, found ${shown(t)}`, t.at);
  };
  const expectWord = (w: string) => {
    const t = next();
    if (!isWord(t, w)) fail(t, w.toUpperCase());
  };
  const expectOp = (o: string) => {
    const t = next();
    if (!isOp(t, o)) fail(t, `"${o}"`);
  };

  const expr = (): Expr => or();
  const or = (): Expr => {
    let left = and();
    while (isWord(peek(), 'or')) {
      const at = next().at;
      left = { k: 'or', left, right: and(), at };
    }
    return left;
  };
  const and = (): Expr => {
    let left = not();
    while (isWord(peek(), 'and')) {
      const at = next().at;
      left = { k: 'and', left, right: not(), at };
    }
    return left;
  };
  const not = (): Expr => {
    if (isWord(peek(), 'not')) {
      const at = next().at;
      return { k: 'not', arg: not(), at };
    }
    return test();
  };
  const comparison = (t: Token): Comparison | null =>
    t.t === 'op' && ['=', '<>', '<', '<=', '>', '>='].includes(t.text) ? (t.text as Comparison) : null;
  const test = (): Expr => {
    const left = sum();
    const t = peek();
    const op = comparison(t);
    if (op) {
      next();
      const right = sum();
      const after = peek();
      if (comparison(after) || isWord(after, 'is'))
        throw new ExpressionError(
          `\`${source}\`: comparisons do not chain: join them with AND, e.g. a < b AND b < c`,
          after.at,
        );
      return { k: 'compare', op, left, right, at: t.at };
    }
    if (isWord(t, 'is')) {
      next();
      const negated = isWord(peek(), 'not');
      if (negated) next();
      expectWord('null');
      return { k: 'isNull', arg: left, negated, at: t.at };
    }
    return left;
  };
  const sum = (): Expr => {
    let left = product();
    for (;;) {
      const t = peek();
      if (!isOp(t, '+') && !isOp(t, '-')) return left;
      next();
      left = { k: 'arith', op: t.t === 'op' && t.text === '+' ? '+' : '-', left, right: product(), at: t.at };
    }
  };
  const product = (): Expr => {
    let left = unary();
    while (isOp(peek(), '*')) {
      const at = next().at;
      left = { k: 'arith', op: '*', left, right: unary(), at };
    }
    return left;
  };
  const unary = (): Expr => {
    if (isOp(peek(), '-')) {
      const at = next().at;
      return { k: 'negate', arg: unary(), at };
    }
    return atom();
  };
  const atom = (): Expr => {
    const t = next();
    if (t.t === 'number')
      return t.text.includes('.')
        ? { k: 'decimal', text: t.text, at: t.at }
        : { k: 'integer', text: t.text, at: t.at };
    if (t.t === 'string') return { k: 'string', value: t.value, at: t.at };
    if (isOp(t, '(')) {
      const inner = expr();
      expectOp(')');
      return inner;
    }
    if (t.t !== 'word') return fail(t, 'a column, a literal, CASE, CAST or a function');
    const word = t.text.toLowerCase();
    if (word === 'true' || word === 'false') return { k: 'boolean', value: word === 'true', at: t.at };
    if (word === 'null')
      throw new ExpressionError(
        `\`${source}\`: a bare NULL has no type, so it is not in the subset: a CASE without ELSE gives NULL`,
        t.at,
      );
    if (word === 'case') return caseExpr(t.at);
    if (word === 'cast') {
      expectOp('(');
      const arg = expr();
      expectWord('as');
      const type = typeName();
      expectOp(')');
      return { k: 'cast', arg, type, at: t.at };
    }
    if (isOp(peek(), '(')) return call(word, t.at);
    if (KEYWORDS.has(word)) return fail(t, 'a column, a literal, CASE, CAST or a function');
    return { k: 'column', name: t.text, at: t.at };
  };
  const caseExpr = (at: number): Expr => {
    const whens: { when: Expr; result: Expr }[] = [];
    if (!isWord(peek(), 'when'))
      throw new ExpressionError(
        `\`${source}\`: only the searched CASE (CASE WHEN condition THEN value … END) is in the subset`,
        peek().at,
      );
    while (isWord(peek(), 'when')) {
      next();
      const when = expr();
      expectWord('then');
      whens.push({ when, result: expr() });
    }
    let otherwise: Expr | null = null;
    if (isWord(peek(), 'else')) {
      next();
      otherwise = expr();
    }
    expectWord('end');
    return { k: 'case', whens, otherwise, at };
  };
  const typeName = (): ColumnType => {
    const t = next();
    if (t.t !== 'word') return fail(t, 'a type');
    let text = t.text.toUpperCase();
    if (text === 'DECIMAL' && isOp(peek(), '(')) {
      next();
      const p = next();
      expectOp(',');
      const s = next();
      expectOp(')');
      text = `DECIMAL(${p.t === 'number' ? p.text : '?'},${s.t === 'number' ? s.text : '?'})`;
    }
    if (!isColumnType(text))
      throw new ExpressionError(
        `\`${source}\`: CAST to ${text} is not in the subset: ${COLUMN_TYPE_HINT}`,
        t.at,
      );
    return text;
  };
  const call = (name: string, at: number): Expr => {
    if (Object.hasOwn(LEFT_OUT, name)) throw new ExpressionError(`\`${source}\`: ${LEFT_OUT[name]}`, at);
    if (!EXPRESSION_FUNCTIONS.includes(name))
      throw new ExpressionError(
        `\`${source}\`: ${name} is not in the shared subset: the functions are ${EXPRESSION_FUNCTIONS.join(', ')}, with CASE and CAST`,
        at,
      );
    expectOp('(');
    const args = [expr()];
    while (isOp(peek(), ',')) {
      next();
      args.push(expr());
    }
    expectOp(')');
    if (name === 'coalesce') {
      if (args.length < 2)
        throw new ExpressionError(`\`${source}\`: coalesce needs at least two arguments`, at);
      return { k: 'coalesce', args, at };
    }
    const places = args[1];
    if (args.length !== 2 || places?.k !== 'integer')
      throw new ExpressionError(
        `\`${source}\`: round takes a value and a number of decimal places written as an integer, e.g. round(amount, 2)`,
        at,
      );
    return { k: 'round', arg: args[0] as Expr, places: Number(places.text), at };
  };

  const result = expr();
  const rest = peek();
  if (rest.t !== 'end') fail(rest, 'an operator or the end');
  return result;
}

/** The columns an expression reads, in order of first mention. */
export function referencedColumns(e: Expr): string[] {
  const found: string[] = [];
  const walk = (x: Expr): void => {
    switch (x.k) {
      case 'column':
        if (!found.includes(x.name)) found.push(x.name);
        return;
      case 'integer':
      case 'decimal':
      case 'string':
      case 'boolean':
        return;
      case 'negate':
      case 'not':
      case 'isNull':
      case 'cast':
      case 'round':
        walk(x.arg);
        return;
      case 'arith':
      case 'compare':
      case 'and':
      case 'or':
        walk(x.left);
        walk(x.right);
        return;
      case 'case':
        for (const w of x.whens) {
          walk(w.when);
          walk(w.result);
        }
        if (x.otherwise) walk(x.otherwise);
        return;
      case 'coalesce':
        x.args.forEach(walk);
    }
  };
  walk(e);
  return found;
}
