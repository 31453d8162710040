/**
 * A transform spec's row rules (workflows/datasets.ts TransformSpec) in plain TypeScript, for the Lambda that
 * transforms small objects: each rule kind once, exactly as glue/lakestep_rules.py does in Python and
 * local/transform-sql.ts in DuckDB SQL, so that a batch gives the same quarantine reasons and the same
 * typed values on every path. No query engine: the rules are string checks and integer arithmetic.
 */
import type { TransformSpec } from '../../workflows/datasets';
import { BIGINT_RANGE, dateFormatParts, isBatchRowRule, type RowRule } from '../../workflows/row-rules';
import { isDigits, withoutLeadingZeros } from './text-scan';

/** BIGINT's largest value, a bound of the contract: counts and category ids must fit it (2^63 - 1). */
export const BIGINT_MAX = 2n ** 63n - 1n;

const YYDDMM = /^([0-9]{2})\.([0-9]{2})\.([0-9]{2})$/;
const ISO_INSTANT = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?Z$/;
const BOOLEANS: Readonly<Record<string, boolean>> = { True: true, TRUE: true, False: false, FALSE: false };
const MICROS_PER_DAY = 86_400_000_000n;

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const days = month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  return day <= days;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): integer arithmetic,
 * because JavaScript's Date maps the years 0–99 to 1900–1999.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Days since 1970-01-01 → YYYY-MM-DD, proleptic Gregorian (H. Hinnant's civil_from_days). */
export function civilText(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year < 0 ? '-' : ''}${padDigits(Math.abs(year), 4)}-${padDigits(month, 2)}-${padDigits(day, 2)}`;
}

const padDigits = (n: number, width: number) => String(n).padStart(width, '0');

/** `YY.DD.MM`, ASCII digits, a real calendar date in 20YY → days since the epoch (a Parquet DATE), else null. */
export function parseYyddmm(value: string): number | null {
  const m = YYDDMM.exec(value);
  if (!m) return null;
  const [year, day, month] = [2000 + Number(m[1]), Number(m[2]), Number(m[3])];
  return isCalendarDate(year, month, day) ? daysFromCivil(year, month, day) : null;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, a real instant → microseconds since the epoch (a TIMESTAMP), else null.
 * Year 0000, hour 24 and second 60 are not instants (Python's datetime and DuckDB's TIMESTAMP agree).
 */
export function parseIsoInstant(value: string): bigint | null {
  const m = ISO_INSTANT.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const micros = BigInt((m[7] ?? '').padEnd(6, '0'));
  const seconds = BigInt(hour * 3600 + minute * 60 + second);
  return BigInt(daysFromCivil(year, month, day)) * MICROS_PER_DAY + seconds * 1_000_000n + micros;
}

/**
 * `^[0-9]+$` within BIGINT → its value, else null. Leading zeros are fine, as in DuckDB and Python. A
 * character scan, not a pattern: a field may be megabytes long (handlers/core/text-scan.ts).
 */
export function parseUnsignedBigint(value: string): bigint | null {
  if (!isDigits(value)) return null;
  const digits = withoutLeadingZeros(value);
  // 19 digits hold 2^63 - 1; compare lengths first so that a huge value is never converted.
  if (digits.length > 19) return null;
  const n = BigInt(digits);
  return n <= BIGINT_MAX ? n : null;
}

/** An optional '-' then ASCII digits, within BIGINT → its value, else null (a character scan, as above). */
export function parseSignedBigint(value: string): bigint | null {
  const negative = value.startsWith('-');
  const digits = negative ? value.slice(1) : value;
  if (!isDigits(digits)) return null;
  const significant = withoutLeadingZeros(digits);
  if (significant.length > 19) return null;
  const n = negative ? -BigInt(significant) : BigInt(significant);
  return n >= BIGINT_RANGE.min && n <= BIGINT_RANGE.max ? n : null;
}

/** True when the value is a DECIMAL(precision, scale) written exactly (workflows/row-rules.ts `decimal`). */
export function fitsDecimal(value: string, precision: number, scale: number): boolean {
  const unsigned = value.startsWith('-') ? value.slice(1) : value;
  const dot = unsigned.indexOf('.');
  const whole = dot < 0 ? unsigned : unsigned.slice(0, dot);
  const fraction = dot < 0 ? '' : unsigned.slice(dot + 1);
  if (!isDigits(whole) || (dot >= 0 && !isDigits(fraction))) return false;
  const wholeDigits = withoutLeadingZeros(whole);
  return (wholeDigits === '0' ? 0 : wholeDigits.length) <= precision - scale && fraction.length <= scale;
}

/**
 * A DECIMAL(precision, scale) text written exactly → its unscaled value (10.5 in DECIMAL(18,2) is
 * 1050n), else null: the `decimal` rule the spec puts on the column guarantees it fits.
 */
export function parseDecimal(value: string, precision: number, scale: number): bigint | null {
  if (!fitsDecimal(value, precision, scale)) return null;
  const negative = value.startsWith('-');
  const [whole = '', fraction = ''] = (negative ? value.slice(1) : value).split('.');
  const n = BigInt(whole + fraction.padEnd(scale, '0'));
  return negative ? -n : n;
}

/** A parser of a date format (workflows/row-rules.ts `date`): days since the epoch, or null. */
export function dateParser(format: string): (value: string) => number | null {
  const parts = dateFormatParts(format);
  const width = parts.reduce((n, p) => n + ('field' in p ? p.width : 1), 0);
  return (value) => {
    if (value.length !== width) return null;
    let year = 0;
    let month = 0;
    let day = 0;
    for (const p of parts) {
      if ('literal' in p) {
        if (value[p.offset] !== p.literal) return null;
        continue;
      }
      const text = value.slice(p.offset, p.offset + p.width);
      if (!isDigits(text)) return null;
      const n = Number(text);
      if (p.field === 'year4') year = n;
      else if (p.field === 'year2') year = 2000 + n;
      else if (p.field === 'month') month = n;
      else day = n;
    }
    return isCalendarDate(year, month, day) ? daysFromCivil(year, month, day) : null;
  };
}

/** True/TRUE/False/FALSE (as the real files spell them) → a boolean; anything else → null. */
export function parseBoolean(value: string): boolean | null {
  return Object.hasOwn(BOOLEANS, value) ? (BOOLEANS[value] as boolean) : null;
}

/** A compiled rule: true when the record's fields break it. */
type BrokenCheck = (fields: readonly string[]) => boolean;

/** The rules of a spec in their order, each compiled once: `brokenRule(fields)` names the first broken one. */
export function compileRules(spec: TransformSpec): (fields: readonly string[]) => string | null {
  const index = new Map(spec.rawColumns.map((name, i) => [name, i]));
  const at = (column: string): number => {
    const i = index.get(column);
    if (i === undefined) throw new Error(`transform spec: no raw column '${column}'`);
    return i;
  };
  // A missing field reads as '' (the Python and SQL rules coalesce it so).
  const value = (fields: readonly string[], i: number) => fields[i] ?? '';
  const compile = (rule: RowRule): BrokenCheck => {
    switch (rule.kind) {
      case 'fieldCount':
        return (f) => f.length !== rule.expected;
      case 'pattern': {
        // Python's re.fullmatch and DuckDB's regexp_full_match: the whole value must match.
        const re = new RegExp(`^(?:${rule.pattern})$`);
        const i = at(rule.column);
        return (f) => !re.test(value(f, i));
      }
      case 'yyddmmDate': {
        const i = at(rule.column);
        return (f) => parseYyddmm(value(f, i)) === null;
      }
      case 'isoInstant': {
        const i = at(rule.column);
        return (f) => parseIsoInstant(value(f, i)) === null;
      }
      case 'unsignedInteger': {
        const cols = rule.columns.map(at);
        return (f) => cols.some((i) => parseUnsignedBigint(value(f, i)) === null);
      }
      case 'notNull': {
        const cols = rule.columns.map(at);
        return (f) => cols.some((i) => value(f, i) === '');
      }
      case 'acceptedValues': {
        const i = at(rule.column);
        const accepted = new Set(rule.values);
        return (f) => !accepted.has(value(f, i));
      }
      case 'integer': {
        const cols = rule.columns.map(at);
        const min = rule.min === undefined ? null : BigInt(rule.min);
        const max = rule.max === undefined ? null : BigInt(rule.max);
        return (f) =>
          cols.some((i) => {
            const n = parseSignedBigint(value(f, i));
            return n === null || (min !== null && n < min) || (max !== null && n > max);
          });
      }
      case 'decimal': {
        const cols = rule.columns.map(at);
        return (f) => cols.some((i) => !fitsDecimal(value(f, i), rule.precision, rule.scale));
      }
      case 'date': {
        const i = at(rule.column);
        const parse = dateParser(rule.format);
        return (f) => parse(value(f, i)) === null;
      }
      case 'uniqueInBatch':
        // Not a record rule: batchRuleChecker checks it over the records that broke none.
        return () => false;
    }
  };
  const checks = spec.rules.filter((r) => !isBatchRowRule(r)).map((r) => [r.name, compile(r)] as const);
  return (fields) => {
    for (const [name, broken] of checks) if (broken(fields)) return name;
    return null;
  };
}

/**
 * The batch rules of a spec (`uniqueInBatch`), for records fed in record order that broke no record
 * rule: names the first batch rule a record breaks (its text in the rule's columns was seen in an
 * earlier kept record), or null, in which case the record counts as seen for every batch rule.
 */
export function batchRuleChecker(spec: TransformSpec): (fields: readonly string[]) => string | null {
  const rules = spec.rules.filter(isBatchRowRule).map((rule) => {
    const at = rule.columns.map((c) => {
      const i = spec.rawColumns.indexOf(c);
      if (i < 0) throw new Error(`transform spec: no raw column '${c}'`);
      return i;
    });
    return { name: rule.name, at, seen: new Set<string>() };
  });
  if (rules.length === 0) return () => null;
  return (fields) => {
    const keys = rules.map((r) => JSON.stringify(r.at.map((i) => fields[i] ?? '')));
    const broken = rules.findIndex((r, i) => r.seen.has(keys[i] as string));
    if (broken >= 0) return (rules[broken] as (typeof rules)[number]).name;
    for (const [i, r] of rules.entries()) r.seen.add(keys[i] as string);
    return null;
  };
}
