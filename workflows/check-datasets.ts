/**
 * Definition-time checks of a workflow's transform specs: `npm run asl` and `cdk synth` refuse a spec
 * whose rules name a missing column or hold a bad parameter, with the workflow, the dataset, the field
 * and the fix — never a run that fails on its first object.
 */
import type { StatisticsSpec } from './datasets';
import { rowRuleProblems } from './row-rules';

/** Every problem of the specs, each prefixed with the workflow and the dataset it is in. */
export function transformSpecProblems(workflow: string, specs: readonly StatisticsSpec[]): string[] {
  return specs.flatMap((spec) => {
    const at = `workflow ${workflow}, dataset ${spec.name}`;
    const schema = new Set(spec.schema.map((c) => c.name));
    const problems = rowRuleProblems(spec.rules, spec.rawColumns).map((p) => `${at}: ${p}`);
    for (const field of ['dedupeKey', 'dedupeOrder', 'booleanColumns'] as const)
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
