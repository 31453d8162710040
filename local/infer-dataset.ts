/**
 * A starting transform spec inferred from a sample CSV file (what `lakestep init` proposes): each
 * column's type is the narrowest that every sample value parses as under the engines' own rules
 * (handlers/core/transform-rules.ts, which DuckDB and the Glue script match), with the rule that
 * guarantees it; rules the sample suggests (not null, unique, a short list of values) are proposed
 * separately, for a person to accept, since a sample says what happened, not what must.
 */
import { dateParser, parseIsoInstant, parseSignedBigint } from '../handlers/core/transform-rules';
import type { SchemaColumn, TransformSpec } from '../workflows/datasets';
import type { RowRule } from '../workflows/row-rules';

/** Date formats tried, in order: the first that reads every non-empty value wins. */
export const DATE_FORMATS = ['%Y-%m-%d', '%Y/%m/%d', '%d/%m/%Y', '%m/%d/%Y', '%d.%m.%Y'] as const;

/** Boolean spellings tried: a column whose values all fall in one pair is BOOLEAN. */
const BOOLEAN_SPELLINGS = [
  { true: ['true'], false: ['false'] },
  { true: ['True'], false: ['False'] },
  { true: ['TRUE'], false: ['FALSE'] },
  { true: ['True', 'TRUE'], false: ['False', 'FALSE'] },
  { true: ['yes'], false: ['no'] },
] as const;

/** Up to this many distinct values (in a sample of at least 4× as many rows) suggest an accepted list. */
const ACCEPTED_VALUES_MAX = 10;

export interface InferredDataset {
  /** The spec: raw columns from the header, typed schema, the rules that make the types safe. */
  readonly spec: TransformSpec;
  /** Rules the sample suggests but does not prove (not null, unique, accepted values): for review. */
  readonly proposed: readonly RowRule[];
  /** Why each column got its type, for the comment beside it. */
  readonly notes: Readonly<Record<string, string>>;
}

/** Infers a dataset from a CSV sample's records (the header first). */
export function inferDataset(name: string, records: readonly (readonly string[])[]): InferredDataset {
  const [header, ...rows] = records;
  if (!header || header.length === 0) throw new Error(`sample of ${name}: it has no header record`);
  const seen = new Set<string>();
  for (const c of header) {
    if (c === '') throw new Error(`sample of ${name}: a header column is empty; name every column`);
    if (seen.has(c)) throw new Error(`sample of ${name}: the header names "${c}" twice`);
    seen.add(c);
  }
  if (rows.length === 0)
    throw new Error(`sample of ${name}: it has a header but no rows to infer types from`);
  const schema: SchemaColumn[] = [];
  const rules: RowRule[] = [{ name: 'field_count', kind: 'fieldCount', expected: header.length }];
  const proposed: RowRule[] = [];
  const notes: Record<string, string> = {};
  header.forEach((column, i) => {
    const values = rows.map((r) => r[i] ?? '');
    const present = values.filter((v) => v !== '');
    const typed = typeOf(values);
    schema.push({ name: column, ...typed.column });
    if (typed.rule) rules.push(typed.rule(column));
    notes[column] = typed.note;
    if (present.length === values.length)
      proposed.push({ name: `${column}_present`, kind: 'notNull', columns: [column] });
    const distinct = new Set(present);
    if (distinct.size === values.length && values.length > 1)
      proposed.push({ name: `${column}_unique`, kind: 'uniqueInBatch', columns: [column] });
    else if (
      typed.column.type === 'VARCHAR' &&
      distinct.size <= ACCEPTED_VALUES_MAX &&
      values.length >= 4 * distinct.size
    )
      proposed.push({
        name: `${column}_accepted`,
        kind: 'acceptedValues',
        column,
        values: [...distinct].sort(),
      });
  });
  return {
    spec: {
      name,
      rawColumns: [...header],
      rules,
      schema: [...schema, { name: 'source_object', type: 'VARCHAR', batch: 'sourceObject' }],
      dedupeKey: [],
      dedupeOrder: [],
      partitionBy: [],
    },
    proposed,
    notes,
  };
}

interface Typed {
  readonly column: Omit<SchemaColumn, 'name'>;
  /** The rule that keeps every value of the column typeable (a value outside the type is quarantined). */
  readonly rule: ((column: string) => RowRule) | null;
  readonly note: string;
}

/**
 * The narrowest type every value reads as. A column with an empty value stays VARCHAR: the rule that
 * guards a type refuses '' (the rule kinds have no optional form yet), so typing it would quarantine
 * those rows; booleans are the exception (an unknown spelling, '' too, is NULL on every engine).
 */
function typeOf(values: readonly string[]): Typed {
  const n = values.length;
  const present = values.filter((v) => v !== '');
  if (present.length === 0)
    return { column: { type: 'VARCHAR' }, rule: null, note: 'every sample value is empty: VARCHAR' };
  for (const spellings of BOOLEAN_SPELLINGS) {
    const all: readonly string[] = [...spellings.true, ...spellings.false];
    if (present.every((v) => all.includes(v)))
      return {
        column: { type: 'BOOLEAN', booleans: { true: [...spellings.true], false: [...spellings.false] } },
        rule: null,
        note: `the values are ${all.join('/')}${present.length < n ? ' or empty (NULL)' : ''}`,
      };
  }
  if (present.length < n)
    return {
      column: { type: 'VARCHAR' },
      rule: null,
      note: `${n - present.length} of ${n} values are empty: VARCHAR`,
    };
  if (values.every((v) => parseSignedBigint(v) !== null))
    return {
      column: { type: 'BIGINT' },
      rule: (column) => ({ name: `${column}_integer`, kind: 'integer', columns: [column] }),
      note: `all ${n} values are integers within BIGINT`,
    };
  for (const format of DATE_FORMATS) {
    const parse = dateParser(format);
    if (values.every((v) => parse(v) !== null))
      return {
        column: { type: 'DATE', dateFormat: format },
        rule: (column) => ({ name: `${column}_date`, kind: 'date', column, format }),
        note: `all ${n} values are dates in ${format}`,
      };
  }
  if (values.every((v) => parseIsoInstant(v) !== null))
    return {
      column: { type: 'TIMESTAMP' },
      rule: (column) => ({ name: `${column}_instant`, kind: 'isoInstant', column }),
      note: `all ${n} values are ISO-8601 instants`,
    };
  return { column: { type: 'VARCHAR' }, rule: null, note: 'text' };
}
