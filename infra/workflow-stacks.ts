/**
 * The stack of each workflow in a stage, as infra/app.ts deploys them: the project's first (built-in)
 * workflow keeps the stack id and resource names it always had (`lakestep-<stage>-pipeline`, the stage's
 * namePrefix); every other one is `lakestep-<stage>-<workflow>` with the prefix `<namePrefix>-<workflow>`,
 * so two workflows of a stage never share a bucket, a table, a function or an alarm.
 */
import { WORKFLOWS } from '../workflows/project';
import type { Workflow } from '../workflows/types';
import { resolveStageSettings } from './config';

export interface WorkflowStack {
  readonly id: string;
  readonly workflow: Workflow;
  /** Set for every workflow but the first: its own resource name prefix. */
  readonly namePrefix?: string;
}

export function workflowStacks(
  stage: string,
  settings: unknown,
  workflows: readonly Workflow[] = WORKFLOWS,
): WorkflowStack[] {
  return workflows.map((workflow, i) =>
    i === 0
      ? { id: `lakestep-${stage}-pipeline`, workflow }
      : {
          id: `lakestep-${stage}-${workflow.name}`,
          workflow,
          namePrefix: `${resolveStageSettings(stage, settings).namePrefix}-${workflow.name}`,
        },
  );
}
