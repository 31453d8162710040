/**
 * The statistics transform spec (workflows/datasets.ts) rendered as DuckDB SQL: one CASE that names
 * the first row rule a record breaks, typed casts for the cleansed schema, and the in-batch dedupe.
 * The Glue script implements the same rule kinds in Python; each kind is written once per engine.
 */
import type { RowRule, StatisticsSpec } from '../workflows/datasets';

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
      return `(${rule.columns
        .map((col) => {
          const c = `coalesce(${rawColumn(spec, col)}, '')`;
          return `NOT regexp_full_match(${c}, '[0-9]+') OR try_cast(${c} AS BIGINT) IS NULL`;
        })
        .join(' OR ')})`;
  }
}

function yyddmmToDate(c: string, cast: 'try_cast' | 'CAST'): string {
  return `${cast}('20' || substr(${c}, 1, 2) || '-' || substr(${c}, 7, 2) || '-' || substr(${c}, 4, 2) AS DATE)`;
}

export function ruleCaseSql(spec: StatisticsSpec): string {
  const whens = spec.rules.map((r) => `WHEN ${ruleBroken(spec, r)} THEN ${lit(r.name)}`).join('\n    ');
  return `CASE\n    ${whens}\n    ELSE NULL END`;
}

/** The typed expression for each cleansed column; `$region`, `$source_object`, `$ingested_at` are bound. */
export function typedSelectSql(spec: StatisticsSpec): string {
  const exprs = spec.schema.map((col) => {
    if (col.name === 'region') return `$region AS region`;
    if (col.name === 'source_object') return `$source_object AS source_object`;
    if (col.name === 'ingested_at') return `CAST($ingested_at AS TIMESTAMP) AS ingested_at`;
    const c = rawColumn(spec, col.name);
    if (spec.booleanColumns.includes(col.name))
      return `CASE ${c} WHEN 'True' THEN true WHEN 'TRUE' THEN true WHEN 'False' THEN false WHEN 'FALSE' THEN false ELSE NULL END AS ${col.name}`;
    switch (col.type) {
      case 'DATE':
        return `${yyddmmToDate(c, 'CAST')} AS "${col.name}"`;
      case 'TIMESTAMP':
        return `CAST(replace(rtrim(${c}, 'Z'), 'T', ' ') AS TIMESTAMP) AS "${col.name}"`;
      case 'BIGINT':
        return `CAST(${c} AS BIGINT) AS "${col.name}"`;
      default:
        return `${c} AS "${col.name}"`;
    }
  });
  return exprs.join(',\n  ');
}

/**
 * Statements run on a connection that holds the TEMP table `raw`. Only the broken records are
 * materialized (`broken`: record_no and rule); the cleansed rows stream from raw, minus broken, through
 * typing and the dedupe window straight into Parquet, so no full copy of the batch is held.
 */
export function transformStatements(spec: StatisticsSpec): {
  broken: string;
  kept: string;
  rejected: (sourceObject: string) => string;
} {
  const order = spec.dedupeOrder.map((c) => `"${c}" DESC`).join(', ');
  const key = spec.dedupeKey.filter((k) => k !== 'region').join(', ');
  const anyBroken = spec.rules.map((r) => `(${ruleBroken(spec, r)})`).join(' OR ');
  const raw = spec.rawColumns.map((name, i) => `r.c${i} AS "${name}"`).join(', ');
  return {
    broken:
      `CREATE OR REPLACE TEMP TABLE broken AS SELECT record_no, ${ruleCaseSql(spec)} AS rule ` +
      `FROM raw WHERE ${anyBroken}`,
    kept:
      `SELECT * EXCLUDE (rn, record_no) FROM (SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY ${order}, record_no) AS rn FROM (` +
      `SELECT\n  ${typedSelectSql(spec)},\n  record_no\nFROM raw ANTI JOIN broken USING (record_no))) ` +
      `WHERE rn = 1 ORDER BY trending_date, video_id`,
    rejected: (sourceObject) =>
      `SELECT b.record_no, b.rule, r.field_count, ${lit(sourceObject)} AS source_object, ${raw} ` +
      `FROM broken b JOIN raw r USING (record_no) ORDER BY b.record_no`,
  };
}
