/**
 * The workflows of this project, and how a command picks one: by `--workflow NAME`, or the only one
 * when there is one; anything else is an error that lists them.
 */
import { classify } from '../handlers/core/classify';
import { DISCOVERED_WORKFLOWS } from './registry.generated';
import type { Workflow } from './types';

/** Every `workflows/*.workflow.ts` of the project (the registry `npm run asl` writes). */
export const WORKFLOWS: readonly Workflow[] = DISCOVERED_WORKFLOWS;

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

/**
 * The one workflow whose routes take some of these files (by name), or undefined when none or several
 * do: then the command asks for --workflow.
 */
export function workflowOfFiles(
  files: readonly { readonly path: string }[],
  workflows: readonly Workflow[] = WORKFLOWS,
): string | undefined {
  const names = files.map((f) => f.path.slice(f.path.lastIndexOf('/') + 1));
  const taking = workflows.filter((w) => names.some((n) => classify(n, w.datasets).dataset !== null));
  return taking.length === 1 ? taking[0]?.name : undefined;
}
