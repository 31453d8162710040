/**
 * The row rules a dataset may declare: a closed set of kinds, so that every engine — DuckDB SQL
 * (local/transform-sql.ts), the Glue script's plain Python (glue/lakestep_rules.py) and the Lambda's
 * TypeScript (handlers/core/transform-rules.ts) — implements each kind once, with the same meaning, and
 * test/row-rules.test.ts runs one table of cases through all three. A field that is missing from its
 * record reads as '' for every kind. Definition errors are found here, before anything runs.
 */

/** The largest and smallest BIGINT: the bounds of an `integer` value. */
export const BIGINT_RANGE = { min: -(2n ** 63n), max: 2n ** 63n - 1n } as const;

export type RowRule =
  /** The record has exactly this many fields (CSV). */
  | { readonly name: string; readonly kind: 'fieldCount'; readonly expected: number }
  /** The whole value matches the pattern (a subset all three regex engines read alike: no lookaround, no backreferences). */
  | { readonly name: string; readonly kind: 'pattern'; readonly column: string; readonly pattern: string }
  /** The value is not empty. */
  | { readonly name: string; readonly kind: 'notNull'; readonly columns: readonly string[] }
  /** The value is exactly one of these (case-sensitive; '' only if listed). */
  | {
      readonly name: string;
      readonly kind: 'acceptedValues';
      readonly column: string;
      readonly values: readonly string[];
    }
  /**
   * An integer: an optional '-', then ASCII digits (leading zeros allowed), within BIGINT, and within
   * [min, max] when they are given (inclusive; safe integers).
   */
  | {
      readonly name: string;
      readonly kind: 'integer';
      readonly columns: readonly string[];
      readonly min?: number;
      readonly max?: number;
    }
  /** `^[0-9]+$` and within BIGINT. */
  | { readonly name: string; readonly kind: 'unsignedInteger'; readonly columns: readonly string[] }
  /**
   * A DECIMAL(precision, scale) written exactly: an optional '-', ASCII digits, optionally '.' and more
   * digits; at most precision - scale integer digits (leading zeros not counted) and at most scale
   * fraction digits. Never rounded: a value with more fraction digits breaks the rule.
   */
  | {
      readonly name: string;
      readonly kind: 'decimal';
      readonly columns: readonly string[];
      readonly precision: number;
      readonly scale: number;
    }
  /**
   * A real calendar date (years 0001–9999) in a fixed-width format: `%Y` (4 digits), `%y` (2 digits,
   * the year 20yy), `%m`, `%d` (2 digits each), and literal ASCII punctuation or spaces between them.
   */
  | { readonly name: string; readonly kind: 'date'; readonly column: string; readonly format: string }
  /** `YY.DD.MM`, ASCII digits, a real calendar date in 20YY (the same as `date` with format `%y.%d.%m`). */
  | { readonly name: string; readonly kind: 'yyddmmDate'; readonly column: string }
  /** `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, a real instant. */
  | { readonly name: string; readonly kind: 'isoInstant'; readonly column: string }
  /**
   * No two records of the batch hold the same text in these columns. Checked after every other rule,
   * over the records that broke none, in record order: the first record of a value is kept, each later
   * one is quarantined with this rule's name. (Text, not typed value: `007` and `7` differ.)
   */
  | { readonly name: string; readonly kind: 'uniqueInBatch'; readonly columns: readonly string[] };

/** A rule checked on the batch after the record rules (`uniqueInBatch`). */
export type BatchRowRule = Extract<RowRule, { kind: 'uniqueInBatch' }>;
export const isBatchRowRule = (rule: RowRule): rule is BatchRowRule => rule.kind === 'uniqueInBatch';

export type RowRuleKind = RowRule['kind'];

/** One part of a date format: a field of fixed width at an offset, or a literal character. */
export type DateFormatPart =
  | { readonly field: 'year4' | 'year2' | 'month' | 'day'; readonly offset: number; readonly width: number }
  | { readonly literal: string; readonly offset: number };

/** Characters a date format may hold between its fields (each engine matches them as they are). */
const DATE_LITERALS = new Set([...' -./:,_T']);

/** A date format's parts, in order; throws with what is wrong (definition time). */
export function dateFormatParts(format: string): DateFormatPart[] {
  const parts: DateFormatPart[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (let i = 0; i < format.length; i++) {
    const ch = format[i] as string;
    if (ch === '%') {
      const token = format[i + 1];
      const field =
        token === 'Y'
          ? 'year4'
          : token === 'y'
            ? 'year2'
            : token === 'm'
              ? 'month'
              : token === 'd'
                ? 'day'
                : null;
      if (!field) throw new Error(`date format "${format}": %${token ?? ''} is not one of %Y, %y, %m, %d`);
      const kind = field.startsWith('year') ? 'year' : field;
      if (seen.has(kind)) throw new Error(`date format "${format}": the ${kind} appears twice`);
      seen.add(kind);
      const width = field === 'year4' ? 4 : 2;
      parts.push({ field, offset, width });
      offset += width;
      i++;
    } else if (DATE_LITERALS.has(ch)) {
      parts.push({ literal: ch, offset });
      offset += 1;
    } else
      throw new Error(
        `date format "${format}": "${ch}" is neither a field (%Y, %y, %m, %d) nor one of the separators "${[...DATE_LITERALS].join('')}"`,
      );
  }
  for (const kind of ['year', 'month', 'day'])
    if (!seen.has(kind)) throw new Error(`date format "${format}": it has no ${kind}`);
  return parts;
}

/** The total width of a date format's values. */
export function dateFormatWidth(parts: readonly DateFormatPart[]): number {
  return parts.reduce((n, p) => n + ('field' in p ? p.width : 1), 0);
}

/** The raw columns a rule reads. */
export function ruleColumns(rule: RowRule): readonly string[] {
  switch (rule.kind) {
    case 'fieldCount':
      return [];
    case 'pattern':
    case 'acceptedValues':
    case 'date':
    case 'yyddmmDate':
    case 'isoInstant':
      return [rule.column];
    case 'notNull':
    case 'integer':
    case 'unsignedInteger':
    case 'decimal':
    case 'uniqueInBatch':
      return rule.columns;
  }
}

/**
 * What is wrong with a dataset's rules, each problem naming the rule, the field and the fix; empty when
 * nothing is. `columns` are the dataset's raw columns.
 */
export function rowRuleProblems(rules: readonly RowRule[], columns: readonly string[]): string[] {
  const problems: string[] = [];
  const known = new Set(columns);
  const names = new Set<string>();
  rules.forEach((rule, i) => {
    const at = `rules[${i}] (${rule.name || 'unnamed'})`;
    if (!rule.name)
      problems.push(`${at}: name is empty: give the rule the name a quarantined row will carry`);
    else if (names.has(rule.name))
      problems.push(`${at}: name is used by an earlier rule: names must be unique`);
    names.add(rule.name);
    const cols = ruleColumns(rule);
    if (rule.kind !== 'fieldCount' && cols.length === 0)
      problems.push(`${at}: columns is empty: list the columns the rule checks`);
    for (const c of cols)
      if (!known.has(c))
        problems.push(`${at}: no column "${c}" in the dataset: use one of ${columns.join(', ')}`);
    switch (rule.kind) {
      case 'fieldCount':
        if (!Number.isInteger(rule.expected) || rule.expected < 1)
          problems.push(`${at}: expected must be a positive integer`);
        break;
      case 'pattern':
        try {
          new RegExp(rule.pattern);
          if (/\(\?[=!<]|\\[1-9]|\\k</.test(rule.pattern))
            problems.push(
              `${at}: pattern uses lookaround or a backreference, which DuckDB's RE2 does not read`,
            );
        } catch (e) {
          problems.push(`${at}: pattern is not a regular expression: ${(e as Error).message}`);
        }
        break;
      case 'acceptedValues':
        if (rule.values.length === 0) problems.push(`${at}: values is empty: list the accepted values`);
        break;
      case 'integer':
        for (const bound of ['min', 'max'] as const) {
          const v = rule[bound];
          if (v !== undefined && !Number.isSafeInteger(v))
            problems.push(`${at}: ${bound} must be a safe integer (|n| < 2^53), not ${v}`);
        }
        if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max)
          problems.push(`${at}: min ${rule.min} is greater than max ${rule.max}`);
        break;
      case 'decimal':
        if (!Number.isInteger(rule.precision) || rule.precision < 1 || rule.precision > 38)
          problems.push(`${at}: precision must be an integer from 1 to 38 (DECIMAL's range on every engine)`);
        if (!Number.isInteger(rule.scale) || rule.scale < 0 || rule.scale > rule.precision)
          problems.push(`${at}: scale must be an integer from 0 to the precision`);
        break;
      case 'date':
        try {
          dateFormatParts(rule.format);
        } catch (e) {
          problems.push(`${at}: ${(e as Error).message}`);
        }
        break;
      default:
        break;
    }
  });
  return problems;
}

/** Every kind, once (a kind missing here is a type error): what each engine must implement. */
const KINDS: Record<RowRuleKind, true> = {
  fieldCount: true,
  pattern: true,
  notNull: true,
  acceptedValues: true,
  integer: true,
  unsignedInteger: true,
  decimal: true,
  date: true,
  yyddmmDate: true,
  isoInstant: true,
  uniqueInBatch: true,
};
export const ROW_RULE_KINDS = Object.keys(KINDS) as RowRuleKind[];
