/** Test helpers: temporary lakes, programmatic runs, and the CLI as a subprocess. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Fault } from '../../local/bindings';
import type { ExecutionSummary } from '../../local/execution-summary';
import { openForQuery, runQuery } from '../../local/query';
import { LocalRuntime } from '../../local/runtime';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';

export const ROOT = resolve(__dirname, '..', '..');

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `lakestep-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function runFiles(
  lake: string,
  files: readonly string[],
  faults: readonly Fault[] = [],
  /** Another definition than the committed ASL (e.g. test/helpers/transform-paths.ts). */
  definitionFile?: string,
): Promise<ExecutionSummary[]> {
  const rt = await LocalRuntime.open({
    workflow: YOUTUBE_TRENDING,
    lake,
    faults,
    ...(definitionFile ? { definitionFile } : {}),
  });
  try {
    const out: ExecutionSummary[] = [];
    for (const f of files) out.push(await rt.execute(await rt.land(f)));
    return out;
  } finally {
    rt.close();
  }
}

export async function query(lake: string, sql: string): Promise<Record<string, unknown>[]> {
  const wh = await openForQuery(lake);
  try {
    return (await runQuery(wh, sql)).rows;
  } finally {
    wh.close();
  }
}

export const CATEGORY_DAILY_SQL =
  'SELECT region, trending_date, category_id, category_title, videos, "views", likes, dislikes, comments FROM analytics.category_daily ORDER BY region, trending_date, category_id';

export function cli(
  args: readonly string[],
  cwd = ROOT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [join(ROOT, 'cli', 'bin.js'), ...args],
      { cwd, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
