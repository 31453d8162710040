/**
 * Every definition-time check of a workflow in one place: its datasets' names, routes and formats
 * (workflows/check-formats.ts; CSV dialects: check-datasets.ts), their transform specs
 * (workflows/check-datasets.ts) and its materializations
 * (workflows/check-materializations.ts). `npm run asl` and `cdk synth` call it, so a definition error
 * fails before anything is written or deployed, naming the workflow, the field and the fix.
 */
import { classify } from '../handlers/core/classify';
import { csvFormatProblems, transformSpecProblems } from './check-datasets';
import { formatProblems } from './check-formats';
import { materializationProblems } from './check-materializations';
import { DATASET_NAME, type Dataset, PARTITION_VALUE } from './datasets';
import type { Workflow } from './types';

/** What is wrong with the datasets' names and routes. */
export function datasetProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  if (workflow.datasets.length === 0)
    problems.push(`workflow ${workflow.name}: datasets is empty: declare at least one dataset`);
  for (const d of workflow.datasets) {
    const at = `workflow ${workflow.name}, dataset ${d.name}`;
    if (!DATASET_NAME.test(d.name))
      problems.push(
        `${at}: name must be lower-case letters, digits and _ (a table name in DuckDB, Glue and Athena), starting with a letter`,
      );
    if (seen.has(d.name)) problems.push(`${at}: the name is declared twice: datasets need distinct names`);
    seen.add(d.name);
    problems.push(...routeProblems(d, workflow.datasets).map((p) => `${at}: route.${p}`));
    problems.push(...formatProblems(d).map((p) => `${at}: ${p}`));
  }
  return problems;
}

function routeProblems(d: Dataset, all: readonly Dataset[]): string[] {
  const { route } = d;
  const problems: string[] = [];
  const grouped = /\(\?<partition>/.test(route.fileName.source);
  if (grouped && route.partition !== undefined)
    problems.push('partition is set, but fileName has a group "partition": keep one of them');
  if (!grouped && route.partition === undefined)
    problems.push(
      'fileName has no group "partition" and partition is not set: name the partition part of the file name with (?<partition>…), or set partition to the one value every object gets',
    );
  if (route.partition !== undefined && !PARTITION_VALUE.test(route.partition))
    problems.push(
      `partition "${route.partition}" must be lower-case letters, digits, _ and - (a key segment and a SQL literal)`,
    );
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(route.landingPrefix))
    problems.push(`landingPrefix "${route.landingPrefix}" must be key segments of letters, digits, _ and -`);
  if (route.examples.length === 0)
    problems.push('examples is empty: list file names the route must match (they are checked here)');
  for (const name of route.examples) {
    const c = classify(name, all);
    if (c.dataset === null)
      problems.push(`examples: "${name}" matches no route: fix fileName (${route.fileName}) or the example`);
    else if (c.dataset !== d.name)
      problems.push(
        `examples: "${name}" is taken by dataset ${c.dataset}'s route first: make the two routes' file names disjoint`,
      );
    else if (!PARTITION_VALUE.test(c.region ?? ''))
      problems.push(
        `examples: "${name}" gives the partition value "${c.region}": the group "partition" must match lower-case letters, digits, _ and - (once lower-cased)`,
      );
  }
  return problems;
}

/** Every problem of the workflow, each naming the workflow and the field. */
export function workflowProblems(workflow: Workflow): string[] {
  const specs = workflow.datasets.map((d) => d.transform);
  const problems = [
    ...datasetProblems(workflow),
    ...csvFormatProblems(workflow.name, workflow.datasets),
    ...transformSpecProblems(workflow.name, specs),
  ];
  for (const d of workflow.datasets)
    if (d.transform.name !== d.name)
      problems.push(
        `workflow ${workflow.name}, dataset ${d.name}: transform.name is "${d.transform.name}": it must be the dataset's name`,
      );
  const api = workflow.analyticsApi;
  if (api && !workflow.materializations.some((m) => m.table === api.table))
    problems.push(
      `workflow ${workflow.name}: analyticsApi.table is "${api.table}", which no materialization writes (they write ${workflow.materializations.map((m) => m.table).join(', ')}): name one, or remove analyticsApi`,
    );
  problems.push(
    ...materializationProblems(
      workflow,
      workflow.datasets.map((d) => d.name),
    ),
  );
  return problems;
}

/** Throws one error listing every problem (nothing when the workflow is sound). */
export function assertWorkflow(workflow: Workflow): void {
  const problems = workflowProblems(workflow);
  if (problems.length)
    throw new Error(
      `The workflow ${workflow.name} has ${problems.length === 1 ? 'an error' : `${problems.length} errors`}:\n- ${problems.join('\n- ')}`,
    );
}
