/**
 * The stack of each workflow in a stage, as infra/app.ts deploys them: each is `lakestep-<stage>-<workflow>`
 * with the resource name prefix `<namePrefix>-<workflow>`, so two workflows of a stage never share a
 * bucket, a table, a function or an alarm — except the one cdk.json names `lakestep:pipelineStackWorkflow`,
 * which keeps the stack id and names lakestep had before it had several workflows
 * (`lakestep-<stage>-pipeline`, the stage's namePrefix): a deployed stack is never renamed.
 */
import { WORKFLOWS } from '../workflows/project';
import type { Workflow } from '../workflows/types';
import { resolveStageSettings } from './config';

export interface WorkflowStack {
  readonly id: string;
  readonly workflow: Workflow;
  /** Set for every workflow but the pipeline stack's: its own resource name prefix. */
  readonly namePrefix?: string;
}

export function workflowStacks(
  stage: string,
  settings: unknown,
  pipelineStackWorkflow: string | undefined,
  workflows: readonly Workflow[] = WORKFLOWS,
): WorkflowStack[] {
  return workflows.map((workflow) =>
    workflow.name === pipelineStackWorkflow
      ? { id: `lakestep-${stage}-pipeline`, workflow }
      : {
          id: `lakestep-${stage}-${workflow.name}`,
          workflow,
          namePrefix: `${resolveStageSettings(stage, settings).namePrefix}-${workflow.name}`,
        },
  );
}
