/**
 * The workflows of this project, and how a command picks one: by `--workflow NAME`, or the only one
 * when there is one; anything else is an error that lists them.
 */
import type { Workflow } from './types';
import { YOUTUBE_TRENDING } from './youtube-trending';

export const WORKFLOWS: readonly Workflow[] = [YOUTUBE_TRENDING];

/** The workflow a command runs: the one named, or the only one of the project. */
export function workflowNamed(
  name: string | undefined,
  workflows: readonly Workflow[] = WORKFLOWS,
): Workflow {
  const names = workflows.map((w) => w.name).join(', ');
  if (name === undefined) {
    if (workflows.length === 1) return workflows[0] as Workflow;
    throw new Error(
      workflows.length === 0
        ? 'This project has no workflow: add one in workflows/'
        : `This project has ${workflows.length} workflows (${names}): choose one with --workflow NAME`,
    );
  }
  const found = workflows.find((w) => w.name === name);
  if (!found)
    throw new Error(`No workflow named "${name}" in this project: --workflow takes one of ${names}`);
  return found;
}
