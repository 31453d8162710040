/**
 * One answer for every command when `--lake` names no lake: "No lake at PATH" or "PATH is a file",
 * exit 2 — checked before a command opens anything, so none of them reports an empty lake as healthy,
 * finds nothing to replay in it, or fails with a raw ENOTDIR.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { lakePaths } from '../local/lake';
import { UsageError } from './args';

/** Commands that read an existing lake; `run` makes one, `graph` and `generate` use none. */
const READS_A_LAKE = new Set(['status', 'replay', 'rerun', 'query']);
/**
 * `inspect` may start before the lake's first run (the page says it does not exist yet, then follows
 * the run live), so it needs only a path where a lake can be; so do the commands that make one.
 */
const MAKES_A_LAKE = new Set(['run', 'fetch', 'inspect']);

/** The value of `--lake` in a command's arguments (`--lake DIR` or `--lake=DIR`), if given. */
export function lakeArgument(argv: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    if (a === '--lake') found = argv[++i];
    else if (a.startsWith('--lake=')) found = a.slice('--lake='.length);
  }
  return found;
}

/** A directory the runtime has made a lake in: its executions or its warehouse are there. */
export function isLake(root: string): boolean {
  const paths = lakePaths(root);
  return (
    isDirectory(paths.root) &&
    (existsSync(paths.executionsDir) || existsSync(paths.warehouse) || existsSync(`${paths.root}/landing`))
  );
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The nearest existing ancestor of a path that is not a directory (a lake cannot be made below it). */
function fileInTheWay(path: string): string | null {
  for (let p = path; ; p = dirname(p)) {
    if (existsSync(p)) return isDirectory(p) ? null : p;
    if (dirname(p) === p) return null;
  }
}

/** Throws a UsageError (exit 2) when the command's lake is missing or is a file. */
export function checkLake(command: string, argv: readonly string[]): void {
  if (argv.includes('--help') || argv.includes('-h')) return;
  if (command === 'replay' && argv.includes('--aws')) return;
  if (!READS_A_LAKE.has(command) && !MAKES_A_LAKE.has(command)) return;
  const given = lakeArgument(argv);
  const root = lakePaths(given).root;
  const file = fileInTheWay(root);
  if (file)
    throw new UsageError(
      `lakestep ${command}: ${file} is a file, not a lake directory${file === root ? '' : ` (in the way of ${root})`}: pass --lake DIR`,
    );
  if (READS_A_LAKE.has(command) && !isLake(root))
    throw new UsageError(
      `lakestep ${command}: No lake at ${root}${given === undefined ? ' (the default lake; pass --lake DIR for another)' : ''}: run \`lakestep run${given === undefined ? '' : ` --lake ${given}`} --data FILE\` first to make one`,
    );
}
