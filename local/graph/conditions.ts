/** A Choice rule's condition as one readable line: `$.quality.passed == true`, `$.a is present and $.b < 3`. */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const COMPARISONS: Record<string, string> = {
  Equals: '==',
  LessThan: '<',
  GreaterThan: '>',
  LessThanEquals: '<=',
  GreaterThanEquals: '>=',
};
const TYPE_TESTS: Record<string, [string, string]> = {
  IsPresent: ['is present', 'is absent'],
  IsNull: ['is null', 'is not null'],
  IsNumeric: ['is a number', 'is not a number'],
  IsString: ['is a string', 'is not a string'],
  IsBoolean: ['is a boolean', 'is not a boolean'],
  IsTimestamp: ['is a timestamp', 'is not a timestamp'],
};

const literal = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** Renders a rule (or a nested condition); throws an Error saying what the condition lacks. */
export function conditionLabel(rule: Json): string {
  return render(rule, false);
}

function render(rule: unknown, nested: boolean): string {
  if (!isObject(rule)) throw new Error('has a condition that is not an object');
  if (typeof rule.Condition === 'string') return rule.Condition.replace(/^\{%\s*|\s*%\}$/g, '');
  for (const op of ['And', 'Or'] as const) {
    const parts = rule[op];
    if (parts === undefined) continue;
    if (!Array.isArray(parts) || parts.length === 0)
      throw new Error(`has an ${op} that is not a non-empty array`);
    const text = parts.map((p) => render(p, true)).join(op === 'And' ? ' and ' : ' or ');
    return nested && parts.length > 1 ? `(${text})` : text;
  }
  if (rule.Not !== undefined) return `not (${render(rule.Not, false)})`;

  const variable = rule.Variable;
  if (typeof variable !== 'string') throw new Error('has no Variable, And, Or, Not or Condition');
  for (const [key, value] of Object.entries(rule)) {
    const test = TYPE_TESTS[key];
    if (test) return `${variable} ${value === false ? test[1] : test[0]}`;
    if (key === 'StringMatches') return `${variable} matches ${literal(value)}`;
    const m =
      /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals)(Path)?$/.exec(
        key,
      );
    if (m) return `${variable} ${COMPARISONS[m[2] as string]} ${m[3] ? String(value) : literal(value)}`;
  }
  throw new Error(
    `compares ${variable} with no known operator (e.g. StringEquals, NumericGreaterThan, IsPresent)`,
  );
}
