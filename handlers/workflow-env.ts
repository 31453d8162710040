/**
 * The workflow a deployed Lambda serves: the stack of each workflow sets LAKESTEP_WORKFLOW to its name
 * (infra/pipeline-functions.ts); a project of one workflow needs no variable.
 */
import { workflowNamed } from '../workflows/project';
import type { Workflow } from '../workflows/types';

export const WORKFLOW_ENV = 'LAKESTEP_WORKFLOW';

export function workflowFromEnv(env: NodeJS.ProcessEnv = process.env): Workflow {
  try {
    return workflowNamed(env[WORKFLOW_ENV] || undefined);
  } catch (e) {
    throw new Error(`${WORKFLOW_ENV}: ${(e as Error).message} (the function is misconfigured)`);
  }
}
