/**
 * Removes the temporary files a killed lakestep process left in a lake: the landing and Parquet writes'
 * `*.tmp-PID[-N]`, the transform's `<lake>/tmp/records-PID-*.csv` and the store's
 * `execution.json.PID.tmp`. Only files whose owner process is gone are removed; a live run's are kept.
 * Called when a command that owns the lake starts (run, replay, rerun), never by read-only ones.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LakePaths } from './lake';

export interface StaleTemp {
  readonly path: string;
  readonly pid: number;
  readonly bytes: number;
}

/** The owner pid a temporary file's name carries, or null when it is not one of lakestep's. */
export function tempOwner(dir: 'bucket' | 'tmp' | 'execution', name: string): number | null {
  const m =
    dir === 'bucket'
      ? /\.tmp-(\d+)(?:-\d+)?$/.exec(name)
      : dir === 'tmp'
        ? /^records-(\d+)-.*\.csv$/.exec(name)
        : /^execution\.json\.(\d+)\.tmp$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Whether a process with this pid runs on this machine (a lake is local: its writers are here). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function entries(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Every temporary file of a dead lakestep process in the lake (none is removed). */
export async function findStaleTemps(
  paths: LakePaths,
  alive: (pid: number) => boolean = processAlive,
): Promise<StaleTemp[]> {
  const found: { path: string; pid: number }[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await entries(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) {
        const pid = tempOwner('bucket', e.name);
        if (pid !== null) found.push({ path, pid });
      }
    }
  };
  for (const bucket of new Set(Object.values(paths.buckets))) await walk(resolve(paths.root, bucket));
  for (const e of await entries(paths.tmpDir)) {
    const pid = e.isFile() ? tempOwner('tmp', e.name) : null;
    if (pid !== null) found.push({ path: join(paths.tmpDir, e.name), pid });
  }
  for (const d of await entries(paths.executionsDir)) {
    if (!d.isDirectory()) continue;
    for (const e of await entries(join(paths.executionsDir, d.name))) {
      const pid = e.isFile() ? tempOwner('execution', e.name) : null;
      if (pid !== null) found.push({ path: join(paths.executionsDir, d.name, e.name), pid });
    }
  }
  const stale: StaleTemp[] = [];
  for (const f of found) {
    if (alive(f.pid)) continue;
    const bytes = await stat(f.path).then(
      (s) => s.size,
      () => -1,
    );
    if (bytes >= 0) stale.push({ ...f, bytes });
  }
  return stale;
}

/**
 * Removes the stale temporary files and says what went (on stderr by default, so a `--json` stdout
 * stays one document). A file that cannot be removed is named and left: it never stops the command.
 */
export async function cleanStaleTemps(
  paths: LakePaths,
  say: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<StaleTemp[]> {
  const stale = await findStaleTemps(paths);
  const removed: StaleTemp[] = [];
  for (const t of stale) {
    try {
      await rm(t.path, { force: true });
      removed.push(t);
    } catch (e) {
      say(`lakestep: cannot remove ${t.path}, left by process ${t.pid}: ${(e as Error).message}`);
    }
  }
  if (removed.length > 0) {
    const bytes = removed.reduce((s, t) => s + t.bytes, 0);
    const pids = [...new Set(removed.map((t) => t.pid))].join(', ');
    say(
      `lakestep: removed ${removed.length} temporary file${removed.length === 1 ? '' : 's'} (${bytes} bytes) left in ${paths.root} by a lakestep process that ended without cleaning up (pid ${pids})`,
    );
  }
  return removed;
}
