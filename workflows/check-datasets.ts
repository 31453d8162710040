/**
 * Definition-time checks of a workflow's transform specs: `npm run asl` and `cdk synth` refuse a spec
 * whose rules name a missing column or hold a bad parameter, with the workflow, the dataset, the field
 * and the fix — never a run that fails on its first object.
 */
import { csvDialectProblems } from '../handlers/core/csv-records';
import { COLUMN_TYPE_HINT, decimalShape, isColumnType } from './column-types';
import { BATCH_VALUES, type Dataset, rawSourceOf, type SchemaColumn, type TransformSpec } from './datasets';
import { derivedColumnProblems } from './expressions-problems';
import { dateFormatParts, rowRuleProblems } from './row-rules';

/** Every problem of the specs, each prefixed with the workflow and the dataset it is in. */
export function transformSpecProblems(workflow: string, specs: readonly TransformSpec[]): string[] {
  return specs.flatMap((spec) => {
    const at = `workflow ${workflow}, dataset ${spec.name}`;
    const schema = new Set(spec.schema.map((c) => c.name));
    const problems = rowRuleProblems(spec.rules, spec.rawColumns).map((p) => `${at}: ${p}`);
    spec.schema.forEach((col, i) => {
      for (const p of schemaColumnProblems(spec, col))
        problems.push(`${at}: schema[${i}] (${col.name}): ${p}`);
    });
    problems.push(...derivedColumnProblems(spec).map((p) => `${at}: ${p}`));
    for (const field of ['dedupeKey', 'dedupeOrder'] as const)
      for (const c of spec[field])
        if (!schema.has(c))
          problems.push(
            `${at}: ${field} names "${c}", which is not a column of the schema: add it there or remove it`,
          );
    return problems;
  });
}

/**
 * What is wrong with the datasets' CSV dialects: `format.delimiter` and `format.quote` must each be one
 * ASCII character other than CR and LF, and differ (the rule every engine's reader enforces too).
 */
export function csvFormatProblems(workflow: string, datasets: readonly Dataset[]): string[] {
  return datasets.flatMap((d) =>
    d.format.kind === 'csv'
      ? csvDialectProblems(d.format, (name) => `format.${name}`).map(
          (p) => `workflow ${workflow}, dataset ${d.name}: ${p}`,
        )
      : [],
  );
}

/** Throws one error listing every problem (nothing when the specs are sound). */
export function assertTransformSpecs(workflow: string, specs: readonly TransformSpec[]): void {
  const problems = transformSpecProblems(workflow, specs);
  if (problems.length)
    throw new Error(
      `The transform spec has ${problems.length === 1 ? 'an error' : `${problems.length} errors`}:\n- ${problems.join('\n- ')}`,
    );
}

/** What is wrong with where a schema column comes from and how it is typed. */
function schemaColumnProblems(spec: TransformSpec, col: SchemaColumn): string[] {
  const problems: string[] = [];
  if (!isColumnType(col.type)) problems.push(`type is "${col.type}": ${COLUMN_TYPE_HINT}`);
  if (col.derived !== undefined) {
    // The expression itself is checked by derivedColumnProblems, in schema order.
    if (col.raw !== undefined || col.batch !== undefined)
      problems.push('it has derived and also raw or batch: a column comes from one of them');
    return problems;
  }
  if (col.batch !== undefined) {
    if (!(BATCH_VALUES as readonly string[]).includes(col.batch))
      problems.push(`batch is "${col.batch}": use one of ${BATCH_VALUES.join(', ')}`);
    if (col.raw !== undefined) problems.push('it has both batch and raw: a column comes from one of them');
    return problems;
  }
  const source = rawSourceOf(col) as string;
  if (!spec.rawColumns.includes(source))
    problems.push(`no raw column "${source}": set raw to one of ${spec.rawColumns.join(', ')}, or batch`);
  if (col.type === 'DATE') {
    if (col.dateFormat === undefined) problems.push('a DATE needs dateFormat, e.g. "%Y-%m-%d"');
    else
      try {
        dateFormatParts(col.dateFormat);
      } catch (e) {
        problems.push((e as Error).message);
      }
  }
  const decimal = decimalShape(col.type);
  if (decimal && !hasDecimalRule(spec, source, decimal.precision, decimal.scale))
    problems.push(
      `a ${col.type} typed from raw text needs a decimal rule on "${source}" that fits it, e.g. { name: '${col.name}_decimal', kind: 'decimal', columns: ['${source}'], precision: ${decimal.precision}, scale: ${decimal.scale} }: without it an engine would round or refuse the text`,
    );
  if (col.type === 'BOOLEAN') {
    const { true: yes = [], false: no = [] } = col.booleans ?? {};
    if (yes.length === 0 || no.length === 0)
      problems.push(
        'a BOOLEAN needs booleans: the spellings of true and of false, e.g. { true: ["true"], false: ["false"] }',
      );
    else if (yes.some((v) => no.includes(v))) problems.push('a spelling is listed as both true and false');
  }
  return problems;
}

/** True when a `decimal` rule on the raw column admits only texts DECIMAL(precision, scale) holds exactly. */
function hasDecimalRule(spec: TransformSpec, raw: string, precision: number, scale: number): boolean {
  return spec.rules.some(
    (r) =>
      r.kind === 'decimal' &&
      r.columns.includes(raw) &&
      r.scale <= scale &&
      r.precision - r.scale <= precision - scale,
  );
}
