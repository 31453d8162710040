/**
 * The statistics transform spec (workflows/datasets.ts) rendered as DuckDB SQL: one CASE that names
 * the first row rule a record breaks, typed casts for the cleansed schema, and the in-batch dedupe.
 * The Glue script implements the same rule kinds in Python; each kind is written once per engine.
 */
import type { StatisticsSpec } from '../workflows/datasets';
import { dateFormatParts, type RowRule } from '../workflows/row-rules';

/** Raw staging columns: record number, field count, then c0..c15 in contract order. */
export const rawColumn = (spec: StatisticsSpec, name: string): string => {
  const i = spec.rawColumns.indexOf(name);
  if (i < 0) throw new Error(`transform spec: no raw column '${name}'`);
  return `c${i}`;
};

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A SQL condition that is TRUE when the record breaks the rule. */
export function ruleBroken(spec: StatisticsSpec, rule: RowRule): string {
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
  }
}

/** TRUE when any of the columns (each coalesced to '') breaks the check. */
function anyColumn(spec: StatisticsSpec, columns: readonly string[], broken: (c: string) => string): string {
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

export function ruleCaseSql(spec: StatisticsSpec): string {
  const whens = spec.rules.map((r) => `WHEN ${ruleBroken(spec, r)} THEN ${lit(r.name)}`).join('\n    ');
  return `CASE\n    ${whens}\n    ELSE NULL END`;
}

/** The typed expression of a raw contract column (without alias). */
function typedExpr(
  spec: StatisticsSpec,
  name: string,
  type: string,
  cast: 'CAST' | 'try_cast' = 'CAST',
): string {
  const c = rawColumn(spec, name);
  if (spec.booleanColumns.includes(name))
    return `CASE ${c} WHEN 'True' THEN true WHEN 'TRUE' THEN true WHEN 'False' THEN false WHEN 'FALSE' THEN false ELSE NULL END`;
  switch (type) {
    case 'DATE':
      return yyddmmToDate(c, cast);
    case 'TIMESTAMP':
      return `${cast}(replace(rtrim(${c}, 'Z'), 'T', ' ') AS TIMESTAMP)`;
    case 'BIGINT':
      return `${cast}(${c} AS BIGINT)`;
    default:
      return c;
  }
}

/** The typed expression for each cleansed column; `$region`, `$source_object`, `$ingested_at` are bound. */
export function typedSelectSql(spec: StatisticsSpec): string {
  const exprs = spec.schema.map((col) => {
    if (col.name === 'region') return `$region AS region`;
    if (col.name === 'source_object') return `$source_object AS source_object`;
    if (col.name === 'ingested_at') return `CAST($ingested_at AS TIMESTAMP) AS ingested_at`;
    return `${typedExpr(spec, col.name, col.type)} AS "${col.name}"`;
  });
  return exprs.join(',\n  ');
}

/** The cleansed columns the batch carries (the rest are bound per batch: region, source, ingest time). */
const carried = (spec: StatisticsSpec) => spec.schema.filter((c) => !BOUND.has(c.name));
const BOUND = new Set(['region', 'source_object', 'ingested_at']);

/**
 * Statements over `source`, a relation of raw records (record_no, field_count, c0..c15): a table, or
 * DuckDB's reader over the strict CSV the transform wrote. The source is read ONCE: `checked` holds
 * each record's rule with its cleansed columns typed (valid records) or its raw fields (broken ones,
 * for the quarantine file); `losers` is the record numbers not kept (broken, or outranked by the
 * in-batch dedupe), found over the narrow key columns; the cleansed rows are `checked` minus the losers.
 * `checked` is a TEMP table, so DuckDB spills it to its temp directory beyond the memory limit.
 */
export function transformStatements(
  spec: StatisticsSpec,
  source: string,
): {
  checked: string;
  losers: string;
  kept: string;
  rejected: (sourceObject: string) => string;
} {
  const typedCols = carried(spec).map(
    (col) => `CASE WHEN rule IS NULL THEN ${typedExpr(spec, col.name, col.type)} END AS "${col.name}"`,
  );
  const rawCols = spec.rawColumns.map((_, i) => `CASE WHEN rule IS NOT NULL THEN c${i} END AS c${i}`);
  const key = spec.dedupeKey
    .filter((k) => k !== 'region')
    .map((k) => `"${k}"`)
    .join(', ');
  const order = spec.dedupeOrder.map((c) => `"${c}" DESC`).join(', ');
  const raw = spec.rawColumns.map((name, i) => `c${i} AS "${name}"`).join(', ');
  const cleansed = spec.schema.map((col) => {
    if (col.name === 'region') return '$region AS region';
    if (col.name === 'source_object') return '$source_object AS source_object';
    if (col.name === 'ingested_at') return 'CAST($ingested_at AS TIMESTAMP) AS ingested_at';
    return `"${col.name}"`;
  });
  return {
    checked:
      `CREATE OR REPLACE TEMP TABLE checked AS SELECT record_no, field_count, rule, ${typedCols.join(', ')}, ${rawCols.join(', ')} ` +
      `FROM (SELECT *, ${ruleCaseSql(spec)} AS rule FROM ${source})`,
    // The records not kept: broken ones, and valid ones another record of the batch outranks.
    losers:
      'CREATE OR REPLACE TEMP TABLE losers AS SELECT record_no FROM checked WHERE rule IS NOT NULL UNION ALL ' +
      `SELECT record_no FROM checked WHERE rule IS NULL QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY ${order}, record_no) > 1`,
    // Unordered: a batch file's row order means nothing to its readers (the catalog, the MERGE), and
    // sorting 1M rows cost ~2 s of a ~14 s run. The parity test with glue/lakestep_rules.py (which
    // sorts by CLEANSED_ORDER, cheap in its plain Python) compares the rows in that order.
    kept: `SELECT\n  ${cleansed.join(',\n  ')}\nFROM checked AS r ANTI JOIN losers AS l ON r.record_no = l.record_no`,
    rejected: (sourceObject) =>
      `SELECT record_no, rule, field_count, ${lit(sourceObject)} AS source_object, ${raw} ` +
      'FROM checked WHERE rule IS NOT NULL ORDER BY record_no',
  };
}
