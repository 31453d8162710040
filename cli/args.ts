/** Argument parsing shared by the commands: node:util parseArgs, with usage errors as a type. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { lakePaths } from '../local/lake';
import { assertLakeOf, lakeWorkflow } from '../local/lake-workflow';
import { workflowNamed } from '../workflows/project';
import type { Workflow } from '../workflows/types';
import { didYouMean } from './suggest';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<const O extends Options>(args: string[], options: O, command: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`lakestep ${command}: ${optionProblem(e as Error & { code?: string }, options)}`);
  }
}

/** parseArgs's message, made specific: an unknown option names the nearest known one. */
function optionProblem(e: Error & { code?: string }, options: Options): string {
  const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(e.message)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const flag = unknown.split('=')[0] as string;
    const known = Object.keys(options).map((o) => `--${o}`);
    return `unknown option ${flag}${didYouMean(flag, known)} (options: ${known.join(', ')})`;
  }
  return e.message;
}

/** The line every local command's usage gives `--workflow`. */
export const WORKFLOW_USAGE = `  --workflow NAME  the workflow (workflows/*.workflow.ts): default the lake's, else the project's only one`;

/**
 * The workflow a command runs (`--workflow NAME`; else the lake's own; else the one `guess` names from
 * the command's input; else the project's only one) and the check that the lake is that workflow's:
 * either problem is a usage error (exit 2) that says what to pass instead.
 */
export function chosenWorkflow(
  name: string | undefined,
  lake: string | undefined,
  command: string,
  guess?: () => string | undefined,
): Workflow {
  try {
    // Without --workflow: the lake's own workflow, else what the command's input says (the files' routes).
    const root = lakePaths(lake).root;
    const workflow = workflowNamed(name ?? lakeWorkflow(root) ?? guess?.());
    assertLakeOf(root, workflow.name);
    return workflow;
  } catch (e) {
    // A usage error of the input itself (two files under one key) says so as it is.
    if (e instanceof UsageError) throw e;
    throw new UsageError(`lakestep ${command}: ${(e as Error).message}`);
  }
}
