/**
 * Definition-time checks of a workflow's transform specs: `npm run asl` and `cdk synth` refuse a spec
 * whose rules name a missing column or hold a bad parameter, with the workflow, the dataset, the field
 * and the fix — never a run that fails on its first object.
 */
import { BATCH_VALUES, rawSourceOf, type SchemaColumn, type StatisticsSpec } from './datasets';
import { dateFormatParts, rowRuleProblems } from './row-rules';

/** Every problem of the specs, each prefixed with the workflow and the dataset it is in. */
export function transformSpecProblems(workflow: string, specs: readonly StatisticsSpec[]): string[] {
  return specs.flatMap((spec) => {
    const at = `workflow ${workflow}, dataset ${spec.name}`;
    const schema = new Set(spec.schema.map((c) => c.name));
    const problems = rowRuleProblems(spec.rules, spec.rawColumns).map((p) => `${at}: ${p}`);
    spec.schema.forEach((col, i) => {
      for (const p of schemaColumnProblems(spec, col))
        problems.push(`${at}: schema[${i}] (${col.name}): ${p}`);
    });
    for (const field of ['dedupeKey', 'dedupeOrder'] as const)
      for (const c of spec[field])
        if (!schema.has(c))
          problems.push(
            `${at}: ${field} names "${c}", which is not a column of the schema: add it there or remove it`,
          );
    return problems;
  });
}

/** Throws one error listing every problem (nothing when the specs are sound). */
export function assertTransformSpecs(workflow: string, specs: readonly StatisticsSpec[]): void {
  const problems = transformSpecProblems(workflow, specs);
  if (problems.length)
    throw new Error(
      `The transform spec has ${problems.length === 1 ? 'an error' : `${problems.length} errors`}:\n- ${problems.join('\n- ')}`,
    );
}

/** What is wrong with where a schema column comes from and how it is typed. */
function schemaColumnProblems(spec: StatisticsSpec, col: SchemaColumn): string[] {
  const problems: string[] = [];
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
