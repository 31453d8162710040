/**
 * Which workflow a local lake belongs to: `<lake>/workflow.json`, written by the first runtime that
 * opens the lake for writing. A lake holds one workflow's buckets, catalog and analytics (their tables
 * would clash), so a command of another workflow is refused with the lake it should use instead. A lake
 * made before the record existed belongs to the workflow that opens it first.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'workflow.json';

export class LakeOfAnotherWorkflow extends Error {
  constructor(
    readonly root: string,
    readonly owner: string,
    readonly workflow: string,
  ) {
    super(
      `The lake ${root} belongs to workflow ${owner}; workflow ${workflow} keeps its tables in a lake of its own: pass --lake OTHER_DIR (or --workflow ${owner} for this lake)`,
    );
    this.name = 'LakeOfAnotherWorkflow';
  }
}

/** The workflow recorded for the lake, or null when none is (a new lake, or one made before the record). */
export function lakeWorkflow(root: string): string | null {
  const file = join(root, FILE);
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(
      `${file} is not JSON (${(e as Error).message}): it should say {"workflow": "NAME"}; fix or delete it`,
    );
  }
  const name = (parsed as { workflow?: unknown } | null)?.workflow;
  if (typeof name !== 'string' || name === '')
    throw new Error(`${file} names no workflow: it should say {"workflow": "NAME"}; fix or delete it`);
  return name;
}

/** Throws when the lake belongs to another workflow. */
export function assertLakeOf(root: string, workflow: string): void {
  const owner = lakeWorkflow(root);
  if (owner !== null && owner !== workflow) throw new LakeOfAnotherWorkflow(root, owner, workflow);
}

/** Records the workflow as the lake's (when none is), or throws when the lake is another workflow's. */
export function claimLake(root: string, workflow: string): void {
  assertLakeOf(root, workflow);
  if (lakeWorkflow(root) === workflow) return;
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, FILE), `${JSON.stringify({ workflow }, null, 2)}\n`);
}
