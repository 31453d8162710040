/**
 * Redrive inside Map and Parallel states (a fixture workflow: the committed ASL has neither): only the
 * iterations and branches whose tasks did not succeed run again; the others answer from their results.
 */
import { join } from 'node:path';
import { named } from '../local/bindings';
import { LocalRuntime } from '../local/runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { tempDir } from './helpers/lake';

const FIXTURE = join(__dirname, 'fixtures', 'redrive-map-parallel.asl.json');
const OBJECT = {
  key: 'raw_statistics/region=gb/GBvideos.csv',
  size: 1,
  sha256: 'a'.repeat(64),
  md5: 'b'.repeat(32),
  sequencer: '01',
};

describe('redrive inside Map and Parallel', () => {
  const { dir, cleanup } = tempDir('replay-map');
  afterAll(cleanup);

  it('re-runs only the failed iteration (and those not reached), not the succeeded ones nor the succeeded branch', async () => {
    const calls: Record<string, number[]> = { process: [], check: [], side: [], finish: [] };
    let broken = true;
    const lambda = (payload: unknown) => ({ StatusCode: 200, Payload: payload });
    const taskOverrides = {
      'Process item': async (input: unknown) => {
        const { item } = (input as { Payload: { item: number } }).Payload;
        calls.process?.push(item);
        if (item === 3 && broken) throw named('Item.Broken', `item ${item} cannot be processed yet`);
        return lambda({ item, processed: item * 10 });
      },
      'Check item': async (input: unknown) => {
        const { item } = (input as { Payload: { item: number } }).Payload;
        calls.check?.push(item);
        return lambda({ item, checked: true });
      },
      'Side branch': async () => {
        calls.side?.push(1);
        return lambda({ side: 'done' });
      },
      Finish: async (input: unknown) => {
        const { results } = (input as { Payload: { results: [{ item: number }[], unknown] } }).Payload;
        calls.finish?.push(results[0].length);
        return lambda({ total: results[0].reduce((n, r) => n + r.item, 0) });
      },
    };
    const lake = join(dir, 'lake');
    const options = {
      workflow: YOUTUBE_TRENDING,
      lake,
      definitionFile: FIXTURE,
      taskOverrides,
      retryDelayMs: 1,
      waitMs: 1,
    };

    const rt = await LocalRuntime.open(options);
    let name: string;
    try {
      const run = await rt.execute(OBJECT);
      name = run.name;
      expect(run).toMatchObject({ status: 'FAILED', error: 'Item.Broken' });
      expect(run.states.filter((s) => s.name === 'Fan out')).toEqual([
        expect.objectContaining({ status: 'FAILED' }),
      ]);
    } finally {
      rt.close();
    }
    // MaxConcurrency 1: items 1 and 2 were done, 3 failed; 4 may have started before the Map stopped.
    expect(calls.process?.slice(0, 3)).toEqual([1, 2, 3]);
    expect(calls.check?.slice(0, 2)).toEqual([1, 2]);
    expect(calls).toMatchObject({ side: [1], finish: [] });

    broken = false;
    const again = await LocalRuntime.open(options);
    try {
      expect((await again.redrivePlan(name)).resume).toMatchObject({ state: 'Fan out', nested: true });
      const replayed = await again.redrive(name);
      expect(replayed).toMatchObject({ status: 'SUCCEEDED', error: null });
      const record = await again.store.get(name);
      expect(record?.redriveCount).toBe(1);
      // The whole Map's output is there, succeeded iterations' results included, in item order.
      expect(record?.output).toMatchObject({
        results: [[1, 2, 3, 4].map((item) => ({ item, checked: true })), { side: 'done' }],
        finish: { total: 10 },
      });
      expect(replayed.states.filter((s) => s.name === 'Prepare work')).toHaveLength(1);
      // Iteration and branch events name the Map/Parallel they belong to (the inspector groups by it).
      const nested = (await again.store.events(name)).filter((e) =>
        /^(MapIteration|ParallelBranch)/.test(e.type),
      );
      expect(nested.length).toBeGreaterThan(0);
      for (const e of nested) expect(e.parentState).toBe(e.type.startsWith('Map') ? 'Each item' : 'Fan out');
    } finally {
      again.close();
    }
    // Only what had not succeeded ran in the redrive: item 3 (failed) and what item 4 had not done. Over
    // both attempts every task ran to success once per item; the side branch did not run again.
    const perItem = (xs: number[] | undefined) =>
      [1, 2, 3, 4].map((i) => (xs ?? []).filter((x) => x === i).length);
    expect(perItem(calls.process)).toEqual([1, 1, 2, 1]);
    expect(perItem(calls.check)).toEqual([1, 1, 1, 1]);
    expect(calls).toMatchObject({ side: [1], finish: [4] });
  });
});
