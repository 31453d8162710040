/**
 * The admission gate in the local runtime, on the committed ASL: with one slot and four executions at
 * once, Glue transforms never overlap, executions wait in the loop instead of failing, and the tables
 * equal a one-at-a-time run's; a fault at each new task state leaves FAILED there, the stopped
 * execution gives its slot back (as the failure recorder does on AWS), and a replay ends with the
 * lake equal to a clean run's.
 */
import { join } from 'node:path';
import { LocalRuntime } from '../local/runtime';
import { writeLargeStatisticsFile } from '../local/sample-data';
import { TRANSFORM_GATE } from '../workflows/transform-admission';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { CATEGORY_DAILY_SQL, query, tempDir } from './helpers/lake';
import { ALWAYS_GLUE, definitionWithSmallObjectBytes } from './helpers/transform-paths';

jest.setTimeout(240_000);

describe('the transform gate, locally', () => {
  const { dir, cleanup } = tempDir('admission');
  afterAll(cleanup);
  let files: string[];
  let clean: Record<string, unknown>[];
  // The generated files are small: every one goes to the Glue path (and its gate) with a threshold of 0.
  let definitionFile: string;

  beforeAll(async () => {
    definitionFile = definitionWithSmallObjectBytes(dir, ALWAYS_GLUE);
    files = [];
    for (const [i, region] of ['US', 'GB', 'CA', 'DE', 'FR', 'IN'].entries()) {
      const file = join(dir, 'data', `${region}videos.csv`);
      await writeLargeStatisticsFile(file, 400, region, 100 + i);
      files.push(file);
    }
    const rt = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake: join(dir, 'one-at-a-time'),
      definitionFile,
    });
    try {
      await rt.runAll(files, 1);
    } finally {
      rt.close();
    }
    clean = await query(join(dir, 'one-at-a-time'), CATEGORY_DAILY_SQL);
  });

  it('admits one transform at a time with one slot: the others wait in the loop, none fails', async () => {
    const rt = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake: join(dir, 'one-slot'),
      definitionFile,
      transformSlots: 1,
      answeredWaitMs: 20,
    });
    try {
      const runs = await rt.runAll(files, 4);
      expect(runs.map((r) => r.outcome)).toEqual(files.map(() => 'succeeded'));
      const waited = runs.filter((r) => r.states.some((s) => s.name === 'Wait for a transform slot'));
      expect(waited.length).toBeGreaterThan(0);
      // The Glue stand-in's runs, as intervals: with one slot, no two overlap.
      const intervals: [number, number][] = [];
      for (const r of runs)
        for (const t of await rt.store.tasks(r.name))
          if (t.statePath === 'Transform batch') {
            const start = Date.parse(t.startedAt);
            intervals.push([start, start + t.durationMs]);
          }
      intervals.sort((a, b) => a[0] - b[0]);
      expect(intervals).toHaveLength(files.length);
      for (let i = 1; i < intervals.length; i++)
        expect((intervals[i] as [number, number])[0]).toBeGreaterThanOrEqual(
          (intervals[i - 1] as [number, number])[1],
        );
      expect(rt.slots.read(TRANSFORM_GATE)).toEqual({ slots: 0, holders: {} });
    } finally {
      rt.close();
    }
    expect(await query(join(dir, 'one-slot'), CATEGORY_DAILY_SQL)).toEqual(clean);
  });

  it.each(['Acquire transform slot', 'Transform batch', 'Release transform slot'])(
    'a permanent fault at "%s" fails there, frees the slot, and a replay ends equal to a clean run',
    async (state) => {
      const lake = join(dir, `fault-${state.replace(/\W+/g, '-')}`);
      const us = files[0] as string;
      let name: string;
      let rt = await LocalRuntime.open({
        workflow: YOUTUBE_TRENDING,
        lake,
        definitionFile,
        faults: [{ state, mode: 'permanent' }],
        retryDelayMs: 0,
      });
      try {
        const run = await rt.landAndExecute(us);
        expect(run).toMatchObject({ status: 'FAILED', outcome: 'failed' });
        expect(run.states.at(-1)).toMatchObject({ name: state, status: 'FAILED' });
        expect(rt.slots.read(TRANSFORM_GATE)).toEqual({ slots: 0, holders: {} });
        name = run.name;
      } finally {
        rt.close();
      }
      rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, definitionFile });
      try {
        const replayed = await rt.redrive(name);
        expect(replayed).toMatchObject({ status: 'SUCCEEDED', outcome: 'succeeded' });
        expect(rt.slots.read(TRANSFORM_GATE)).toEqual({ slots: 0, holders: {} });
      } finally {
        rt.close();
      }
      const one = await LocalRuntime.open({
        workflow: YOUTUBE_TRENDING,
        lake: join(lake, '..', `${state.replace(/\W+/g, '-')}-clean`),
        definitionFile,
      });
      try {
        await one.landAndExecute(us);
      } finally {
        one.close();
      }
      expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(
        await query(join(lake, '..', `${state.replace(/\W+/g, '-')}-clean`), CATEGORY_DAILY_SQL),
      );
    },
  );
});
