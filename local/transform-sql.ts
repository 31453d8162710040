/**
 * A dataset's transform spec (workflows/datasets.ts) rendered as DuckDB SQL: one CASE that names
 * the first row rule a record breaks, typed casts for the cleansed schema, and the in-batch dedupe.
 * The Glue script implements the same rule kinds in Python; each kind is written once per engine.
 */
import { RECORD_SHAPE } from '../handlers/core/jsonl-records';
import { decimalShape } from '../workflows/column-types';
import { type BatchValue, rawSourceOf, type SchemaColumn, type TransformSpec } from '../workflows/datasets';
import { compileDerivedColumns } from '../workflows/expressions-spec';
import { derivedColumnSql } from '../workflows/expressions-sql';
import { dateFormatParts, isBatchRowRule, type RowRule } from '../workflows/row-rules';

/** Raw staging columns: record number, field count, then c0..c15 in contract order. */
export const rawColumn = (spec: TransformSpec, name: string): string => {
  const i = spec.rawColumns.indexOf(name);
  if (i < 0) throw new Error(`transform spec: no raw column '${name}'`);
  return `c${i}`;
};

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A SQL condition that is TRUE when the record breaks the rule. */
export function ruleBroken(spec: TransformSpec, rule: RowRule): string {
  switch (rule.kind) {
    case 'fieldCount':
      return `field_count <> ${rule.expected}`;
    case 'pattern':
      return `NOT regexp_full_match(coalesce(${rawColumn(spec, rule.column)}, ''), ${lit(rule.pattern)})`;
    case 'yyddmmDate': {
      const c = `coalesce(${rawColumn(spec, rule.column)}, '')`;
      return `(NOT regexp_full_match(${c}, '[0-9]{2}\\.[0-9]{2}\\.[0-9]{2}') OR ${yyddmmToDate(c, 'try_cast')} IS NULL)`;
    }
    case 'isoInstant': {
      const c = `coalesce(${rawColumn(spec, rule.column)}, '')`;
      return (
        `(NOT regexp_full_match(${c}, '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?Z')` +
        ` OR substr(${c}, 1, 4) = '0000' OR substr(${c}, 12, 2) > '23' OR substr(${c}, 15, 2) > '59'` +
        ` OR substr(${c}, 18, 2) > '59' OR try_cast(substr(${c}, 1, 10) AS DATE) IS NULL)`
      );
    }
    case 'unsignedInteger':
      return anyColumn(
        spec,
        rule.columns,
        (c) => `NOT regexp_full_match(${c}, '[0-9]+') OR try_cast(${c} AS BIGINT) IS NULL`,
      );
    case 'notNull':
      return anyColumn(spec, rule.columns, (c) => `${c} = ''`);
    case 'acceptedValues':
      return `coalesce(${rawColumn(spec, rule.column)}, '') NOT IN (${rule.values.map(lit).join(', ')})`;
    case 'integer':
      return anyColumn(spec, rule.columns, (c) => {
        const n = `try_cast(${c} AS BIGINT)`;
        const bounds = [
          ...(rule.min === undefined ? [] : [`${n} < ${rule.min}`]),
          ...(rule.max === undefined ? [] : [`${n} > ${rule.max}`]),
        ];
        return [`NOT regexp_full_match(${c}, '-?[0-9]+')`, `${n} IS NULL`, ...bounds].join(' OR ');
      });
    case 'decimal':
      return anyColumn(spec, rule.columns, (c) => {
        // Digits counted as text, never cast: a cast would round the fraction the rule must refuse.
        const unsigned = `ltrim(${c}, '-')`;
        const whole = `ltrim(split_part(${unsigned}, '.', 1), '0')`;
        return (
          `NOT regexp_full_match(${c}, '-?[0-9]+([.][0-9]+)?') OR length(${whole}) > ${rule.precision - rule.scale}` +
          ` OR length(split_part(${unsigned}, '.', 2)) > ${rule.scale}`
        );
      });
    case 'date':
      return dateBroken(`coalesce(${rawColumn(spec, rule.column)}, '')`, rule.format);
    case 'uniqueInBatch':
      // Not a record rule: withBatchRules checks it over the records that broke none.
      return 'FALSE';
  }
}

/** TRUE when any of the columns (each coalesced to '') breaks the check. */
function anyColumn(spec: TransformSpec, columns: readonly string[], broken: (c: string) => string): string {
  return `(${columns.map((col) => broken(`coalesce(${rawColumn(spec, col)}, '')`)).join(' OR ')})`;
}

/** TRUE when `c` is not a real date in the fixed-width format (workflows/row-rules.ts `date`). */
function dateBroken(c: string, format: string): string {
  const parts = dateFormatParts(format);
  const checks: string[] = [];
  let year = '';
  let month = '';
  let day = '';
  let width = 0;
  for (const p of parts) {
    if ('literal' in p) {
      checks.push(`substr(${c}, ${p.offset + 1}, 1) <> ${lit(p.literal)}`);
      width += 1;
      continue;
    }
    const text = `substr(${c}, ${p.offset + 1}, ${p.width})`;
    checks.push(`NOT regexp_full_match(${text}, '[0-9]{${p.width}}')`);
    if (p.field === 'year4') year = text;
    else if (p.field === 'year2') year = `'20' || ${text}`;
    else if (p.field === 'month') month = text;
    else day = text;
    width += p.width;
  }
  // DuckDB's DATE has a year 0 (and negative years); the other engines' calendars start at 0001.
  checks.push(`(${year}) = '0000'`);
  checks.push(`try_cast((${year}) || '-' || ${month} || '-' || ${day} AS DATE) IS NULL`);
  return `(length(${c}) <> ${width} OR ${checks.join(' OR ')})`;
}

function yyddmmToDate(c: string, cast: 'try_cast' | 'CAST'): string {
  return `${cast}('20' || substr(${c}, 1, 2) || '-' || substr(${c}, 7, 2) || '-' || substr(${c}, 4, 2) AS DATE)`;
}

/**
 * The first rule a record breaks. A record with no fields is one its format's reader could not make
 * fields of (a JSON line out of shape: local/format-records.ts), broken before any rule is checked.
 */
export function ruleCaseSql(spec: TransformSpec): string {
  const record = spec.rules.filter((r) => !isBatchRowRule(r));
  const whens = [
    `WHEN field_count = 0 THEN ${lit(RECORD_SHAPE)}`,
    ...record.map((r) => `WHEN ${ruleBroken(spec, r)} THEN ${lit(r.name)}`),
  ].join('\n    ');
  return `CASE\n    ${whens}\n    ELSE NULL END`;
}

/**
 * `relation` (with its `rule` column) with the batch rules applied in spec order: a record that broke no
 * rule yet and is not the first of its text in the rule's columns (by record_no) breaks the rule.
 */
function withBatchRules(spec: TransformSpec, relation: string): string {
  return spec.rules.filter(isBatchRowRule).reduce((inner, rule) => {
    const key = rule.columns.map((c) => `coalesce(${rawColumn(spec, c)}, '')`).join(', ');
    const later = `row_number() OVER (PARTITION BY rule IS NULL, ${key} ORDER BY record_no) > 1`;
    return `(SELECT * REPLACE (CASE WHEN rule IS NULL AND ${later} THEN ${lit(rule.name)} ELSE rule END AS rule) FROM ${inner})`;
  }, relation);
}

/** The bound parameter (and its typing) of each batch value. */
const BATCH_SQL: Record<BatchValue, string> = {
  region: '$region',
  sourceObject: '$source_object',
  ingestedAt: 'CAST($ingested_at AS TIMESTAMP)',
};

/**
 * The SQL of a derived column: its expression with each column it reads replaced by that column's
 * own typed SQL (inline, not by alias: a schema column named like a staging column c0 cannot capture it).
 */
function derivedExpr(spec: TransformSpec, col: SchemaColumn): string {
  const d = compileDerivedColumns(spec).find((x) => x.column.name === col.name);
  if (!d) throw new Error(`transform spec: '${col.name}' is not a derived column`);
  return derivedColumnSql(d.ast, col.type, (name) => {
    const read = spec.schema.find((c) => c.name === name) as SchemaColumn;
    return `(${typedExpr(spec, read)})`;
  });
}

/** The typed expression of a schema column (without alias): workflows/datasets.ts SchemaColumn. */
function typedExpr(spec: TransformSpec, col: SchemaColumn, cast: 'CAST' | 'try_cast' = 'CAST'): string {
  if (col.derived !== undefined) return derivedExpr(spec, col);
  const c = rawColumn(spec, rawSourceOf(col) as string);
  // Exact: the column's `decimal` rule (workflows/check-datasets.ts) leaves nothing for the cast to round.
  if (decimalShape(col.type)) return `${cast}(${c} AS ${col.type})`;
  switch (col.type) {
    case 'BOOLEAN': {
      const { true: yes = [], false: no = [] } = col.booleans ?? {};
      const whens = [
        ...yes.map((v) => `WHEN ${lit(v)} THEN true`),
        ...no.map((v) => `WHEN ${lit(v)} THEN false`),
      ];
      return `CASE ${c} ${whens.join(' ')} ELSE NULL END`;
    }
    case 'DATE':
      return formattedDate(c, col.dateFormat as string, cast);
    case 'TIMESTAMP':
      return `${cast}(replace(rtrim(${c}, 'Z'), 'T', ' ') AS TIMESTAMP)`;
    case 'BIGINT':
      return `${cast}(${c} AS BIGINT)`;
    default:
      return c;
  }
}

/** A DATE from text in a fixed-width date format (workflows/row-rules.ts `date`), assembled as YYYY-MM-DD. */
function formattedDate(c: string, format: string, cast: 'CAST' | 'try_cast'): string {
  const at = (field: string) => {
    const p = dateFormatParts(format).find((x) => 'field' in x && x.field === field);
    return p && 'field' in p ? `substr(${c}, ${p.offset + 1}, ${p.width})` : null;
  };
  const year4 = at('year4');
  const year = year4 ?? `'20' || ${at('year2')}`;
  return `${cast}(${year} || '-' || ${at('month')} || '-' || ${at('day')} AS DATE)`;
}

/** The typed expression for each cleansed column; `$region`, `$source_object`, `$ingested_at` are bound. */
export function typedSelectSql(spec: TransformSpec): string {
  const exprs = spec.schema.map((col) =>
    col.batch ? `${BATCH_SQL[col.batch]} AS ${col.name}` : `${typedExpr(spec, col)} AS "${col.name}"`,
  );
  return exprs.join(',\n  ');
}

/** The cleansed columns the batch carries (the rest are bound per batch: region, source, ingest time). */
const carried = (spec: TransformSpec) => spec.schema.filter((c) => !c.batch);

/**
 * Statements over `source`, a relation of raw records (record_no, field_count, c0..c15): a table, or
 * DuckDB's reader over the strict CSV the transform wrote. The source is read ONCE: `checked` holds
 * each record's rule with its cleansed columns typed (valid records) or its raw fields (broken ones,
 * for the quarantine file); `losers` is the record numbers not kept (broken, or outranked by the
 * in-batch dedupe), found over the narrow key columns; the cleansed rows are `checked` minus the losers.
 * `checked` is a TEMP table, so DuckDB spills it to its temp directory beyond the memory limit.
 */
export function transformStatements(
  spec: TransformSpec,
  source: string,
): {
  checked: string;
  losers: string;
  kept: string;
  rejected: (sourceObject: string) => string;
} {
  const typedCols = carried(spec).map(
    (col) => `CASE WHEN rule IS NULL THEN ${typedExpr(spec, col)} END AS "${col.name}"`,
  );
  const rawCols = spec.rawColumns.map((_, i) => `CASE WHEN rule IS NOT NULL THEN c${i} END AS c${i}`);
  // A batch value is the same for every record of the batch: it partitions nothing.
  const batchColumns = new Set(spec.schema.filter((c) => c.batch).map((c) => c.name));
  const key = spec.dedupeKey
    .filter((k) => !batchColumns.has(k))
    .map((k) => `"${k}"`)
    .join(', ');
  // A tie keeps the first record, or the last with dedupeKeep 'last'.
  const order = [
    ...spec.dedupeOrder.map((c) => `"${c}" DESC`),
    spec.dedupeKeep === 'last' ? 'record_no DESC' : 'record_no',
  ].join(', ');
  const raw = spec.rawColumns.map((name, i) => `c${i} AS "${name}"`).join(', ');
  const cleansed = spec.schema.map((col) =>
    col.batch ? `${BATCH_SQL[col.batch]} AS ${col.name}` : `"${col.name}"`,
  );
  return {
    checked:
      `CREATE OR REPLACE TEMP TABLE checked AS SELECT record_no, field_count, rule, ${typedCols.join(', ')}, ${rawCols.join(', ')} ` +
      `FROM ${withBatchRules(spec, `(SELECT *, ${ruleCaseSql(spec)} AS rule FROM ${source})`)}`,
    // The records not kept: broken ones, and valid ones another record of the batch outranks.
    // An empty dedupe key keeps every valid record (no dedupe), as the other engines do.
    losers:
      'CREATE OR REPLACE TEMP TABLE losers AS SELECT record_no FROM checked WHERE rule IS NOT NULL' +
      (key
        ? ` UNION ALL SELECT record_no FROM checked WHERE rule IS NULL QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY ${order}) > 1`
        : ''),
    // Unordered: a batch file's row order means nothing to its readers (the catalog, the MERGE), and
    // sorting 1M rows cost ~2 s of a ~14 s run. The parity test with glue/lakestep_rules.py (which
    // sorts by the dedupe key, cheap in its plain Python) compares the rows in that order.
    kept: `SELECT\n  ${cleansed.join(',\n  ')}\nFROM checked AS r ANTI JOIN losers AS l ON r.record_no = l.record_no`,
    rejected: (sourceObject) =>
      `SELECT record_no, rule, field_count, ${lit(sourceObject)} AS source_object, ${raw} ` +
      'FROM checked WHERE rule IS NOT NULL ORDER BY record_no',
  };
}
