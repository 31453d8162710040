/**
 * One MERGE per region in the local runtime, on the committed ASL: many objects of one region run at
 * once share MERGE runs (fewer MERGEs than objects; the others are covered) and end with the reference
 * program's category_daily; a fault at each new task state is retried, or leaves FAILED there, and a
 * replay ends with the lake of a clean run; runners that fail at the MERGE stay FAILED there and free
 * the region, so no waiter waits for a lease, and replays end equal to a clean run.
 */
import { join } from 'node:path';
import type { Fault } from '../local/bindings';
import type { ExecutionSummary } from '../local/execution-summary';
import { LocalRuntime } from '../local/runtime';
import { writeLargeStatisticsFile } from '../local/sample-data';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { CATEGORY_DAILY_SQL, query, tempDir } from './helpers/lake';
import { runReference } from './helpers/python';

const TABLES_SQL = [
  CATEGORY_DAILY_SQL,
  'SELECT region, video_id, trending_date, "views", source_object FROM cleansed.statistics ORDER BY ALL',
];
const MERGE = 'Materialize category_daily';
const merged = (r: ExecutionSummary) => r.states.some((s) => s.name === MERGE);

async function runLake(lake: string, files: readonly string[], concurrency: number, faults: Fault[] = []) {
  const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, faults, retryDelayMs: 0 });
  try {
    return await rt.runAll(files, concurrency);
  } finally {
    rt.close();
  }
}

/** One execution after another (runAll lends a waiting execution's permit, so even 1 at a time overlaps). */
async function runOneByOne(lake: string, files: readonly string[]) {
  const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, retryDelayMs: 0 });
  try {
    const out: ExecutionSummary[] = [];
    for (const f of files) out.push(await rt.landAndExecute(f));
    return out;
  } finally {
    rt.close();
  }
}

async function redriveAll(lake: string, names: readonly string[]) {
  const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, retryDelayMs: 0 });
  try {
    const out: ExecutionSummary[] = [];
    for (const n of names) out.push(await rt.redrive(n));
    return out;
  } finally {
    rt.close();
  }
}

describe('one MERGE per region, locally', () => {
  const { dir, cleanup } = tempDir('region-merge');
  afterAll(cleanup);
  let files: string[];
  let clean: string;

  beforeAll(async () => {
    files = [];
    for (let i = 0; i < 10; i++) {
      const file = join(dir, 'data', `USvideos_${String(i).padStart(2, '0')}.csv`);
      await writeLargeStatisticsFile(file, 20, 'US', 700 + i);
      files.push(file);
    }
    clean = join(dir, 'clean');
    const one = await runOneByOne(clean, files.slice(0, 2));
    expect(one.every((r) => r.outcome === 'succeeded')).toBe(true);
    // A one-at-a-time run: every execution runs its own MERGE (none is waiting when it asks).
    expect(one.every(merged)).toBe(true);
    const rest = await runOneByOne(clean, files.slice(2));
    expect(rest.every((r) => r.outcome === 'succeeded' && merged(r))).toBe(true);
  });

  it('shares MERGE runs among the executions of a region run at once, and matches the reference', async () => {
    const lake = join(dir, 'burst');
    const runs = await runLake(lake, files, 10);
    expect(runs.map((r) => r.outcome)).toEqual(files.map(() => 'succeeded'));
    const merges = runs.filter(merged).length;
    expect(merges).toBeGreaterThanOrEqual(1);
    expect(merges).toBeLessThan(files.length);
    // The others were covered by a run that claimed after their ticket: no MERGE of their own.
    const covered = runs.filter((r) => !merged(r));
    for (const r of covered) expect(r.states.map((s) => s.name)).toContain('Region merge turn?');
    for (const sql of TABLES_SQL) expect(await query(lake, sql)).toEqual(await query(clean, sql));
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(runReference(files).rows);
  });

  it.each(['Request region merge', 'Finish region merge'])(
    'a transient fault at "%s" is retried; a permanent one fails there, and a replay ends as a clean run',
    async (state) => {
      const transient = join(dir, `transient-${state.replace(/\W+/g, '-')}`);
      const [ok] = await runLake(transient, files.slice(0, 1), 1, [{ state, mode: 'transient' }]);
      expect(ok?.outcome).toBe('succeeded');
      expect(ok?.states.find((s) => s.name === state)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });

      const lake = join(dir, `permanent-${state.replace(/\W+/g, '-')}`);
      const failed = await runLake(lake, files, 3, [{ state, mode: 'permanent' }]);
      for (const r of failed) {
        expect(r).toMatchObject({ status: 'FAILED', error: 'Lambda.ServiceException' });
        expect(r.states.at(-1)).toMatchObject({ name: state, status: 'FAILED' });
      }
      const replayed = await redriveAll(
        lake,
        failed.map((r) => r.name),
      );
      expect(replayed.map((r) => r.outcome)).toEqual(files.map(() => 'succeeded'));
      for (const sql of TABLES_SQL) expect(await query(lake, sql)).toEqual(await query(clean, sql));
    },
  );

  it('a permanent fault at "Ask again for the region merge" fails only the waiters there; a replay ends as a clean run', async () => {
    const state = 'Ask again for the region merge';
    const lake = join(dir, 'ask-again-fails');
    const runs = await runLake(lake, files, 10, [{ state, mode: 'permanent' }]);
    const failed = runs.filter((r) => r.status === 'FAILED');
    expect(failed.length).toBeGreaterThan(0);
    for (const r of failed) expect(r.states.at(-1)).toMatchObject({ name: state, status: 'FAILED' });
    expect(runs.filter((r) => r.outcome === 'succeeded').length).toBeGreaterThan(0);
    const replayed = await redriveAll(
      lake,
      failed.map((r) => r.name),
    );
    expect(replayed.map((r) => r.outcome)).toEqual(failed.map(() => 'succeeded'));
    for (const sql of TABLES_SQL) expect(await query(lake, sql)).toEqual(await query(clean, sql));
  });

  it('leaves runners whose MERGE fails FAILED at the MERGE and frees the region for the waiters', async () => {
    const lake = join(dir, 'merge-fails');
    // Every MERGE fails: each runner fails there, the next waiter takes the region at once (released,
    // not after the lease), runs and fails too; nobody is left waiting, nothing is covered by a failure.
    const failed = await runLake(lake, files, 10, [{ state: MERGE, mode: 'permanent' }]);
    for (const r of failed) {
      expect(r).toMatchObject({ status: 'FAILED', error: 'Athena.TooManyRequestsException' });
      expect(r.states.at(-1)).toMatchObject({ name: MERGE, status: 'FAILED' });
    }
    const replayed = await redriveAll(
      lake,
      failed.map((r) => r.name),
    );
    expect(replayed.map((r) => r.outcome)).toEqual(files.map(() => 'succeeded'));
    for (const sql of TABLES_SQL) expect(await query(lake, sql)).toEqual(await query(clean, sql));
  });
});
