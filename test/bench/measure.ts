/** Runs one benchmark case in a fresh Node process and reads its wall time and peak RSS. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

export interface ChildRun {
  /** From spawn to exit, measured by the parent: Node and tsx start-up included, as a user sees it. */
  wallMs: number;
  maxRssMb: number;
  /** User + system CPU of the child (DuckDB's threads included): steadier than wall time on a shared machine. */
  cpuMs: number;
  stdout: string;
}

/** `node --import tsx SCRIPT ARGS…`; throws with the child's stderr when it exits non-zero. */
export function runChild(
  script: string,
  args: readonly string[],
  okCodes: readonly number[] = [0],
): ChildRun {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-bench-rusage-'));
  const rusage = join(dir, 'maxrss');
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, LAKESTEP_BENCH_RUSAGE: rusage, NO_COLOR: '1' },
    });
    const wallMs = performance.now() - t0;
    if (r.error) throw r.error;
    if (!okCodes.includes(r.status ?? -1))
      throw new Error(`${script} ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-4000)}`);
    const usage = JSON.parse(readFileSync(rusage, 'utf8')) as { maxRssKb: number; cpuMs: number };
    return { wallMs, maxRssMb: usage.maxRssKb / 1024, cpuMs: usage.cpuMs, stdout: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The real sample data, beside the project (LAKESTEP_SHARED overrides, as in the tests). */
export const SHARED = process.env.LAKESTEP_SHARED ?? resolve(ROOT, '..', 'shared');
export const REAL = resolve(SHARED, 'data', 'youtube-trending');
