/**
 * Issue 12.4 (local): `run --data` runs executions concurrently with a bound, and concurrency keeps
 * idempotency: duplicate landings, two versions of one key and landing order never change the tables,
 * which equal the reference program's over the current objects and a one-at-a-time run's.
 */
import { join } from 'node:path';
import { IN_FLIGHT_PER_PERMIT, lendingPermit, mapBounded } from '../local/bounded';
import { LocalRuntime } from '../local/runtime';
import { writeLargeStatisticsFile } from '../local/sample-data';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { CATEGORY_DAILY_SQL, query, tempDir } from './helpers/lake';
import { REAL_DATA, runReference } from './helpers/python';

const TABLES_SQL = [
  CATEGORY_DAILY_SQL,
  'SELECT region, video_id, trending_date, "views", source_object FROM cleansed.statistics ORDER BY ALL',
  'SELECT * FROM cleansed.categories ORDER BY ALL',
];

async function runLake(lake: string, files: readonly string[], concurrency: number) {
  const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake });
  try {
    return await rt.runAll(files, concurrency);
  } finally {
    rt.close();
  }
}

describe('concurrent executions', () => {
  const { dir, cleanup } = tempDir('concurrency');
  afterAll(cleanup);
  const regions = ['US', 'GB', 'CA', 'IN', 'DE', 'FR'];
  let files: string[];
  let current: string[];

  beforeAll(async () => {
    const data = join(dir, 'data');
    current = [
      join(REAL_DATA, 'json', 'GB_category_id.json'),
      join(REAL_DATA, 'json', 'US_category_id.json'),
    ];
    for (let i = 0; i < 24; i++) {
      const region = regions[i % regions.length] as string;
      const file = join(data, `${region}videos_${String(i).padStart(2, '0')}.csv`);
      await writeLargeStatisticsFile(file, 30, region, 500 + i);
      current.push(file);
    }
    // A second version of one key (the same name in another directory), landed after the first.
    const v2 = join(dir, 'v2', 'USvideos_00.csv');
    await writeLargeStatisticsFile(v2, 40, 'US', 9999);
    files = [...current, current[3] as string, current[4] as string, v2];
    current = current.filter((f) => !f.endsWith('USvideos_00.csv')).concat(v2);
  });

  it('mapBounded never runs more than the bound and keeps the order of the results', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapBounded([5, 1, 4, 2, 3, 0], 3, async (ms, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, ms * 5));
      inFlight--;
      return i;
    });
    expect(out).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(3);
  });

  it('a work waiting for a commit lends its permit: others start, at most the bound work, resumers first', async () => {
    let working = 0;
    let most = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    const order: string[] = [];
    let commit!: () => void;
    const committed = new Promise<void>((r) => {
      commit = r;
    });
    const step = async (label: string, ms = 2) => {
      working++;
      most = Math.max(most, working);
      order.push(label);
      await new Promise((r) => setTimeout(r, ms));
      working--;
    };
    const out = await mapBounded([0, 1, 2, 3, 4, 5, 6, 7], 2, async (n) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      // 4 and 5 hold their permits long: 6 and 7 are waiting to start when the commit comes.
      await step(`start ${n}`, n === 4 || n === 5 ? 40 : 2);
      // The first four wait for one commit.
      if (n < 4)
        await lendingPermit(async () => {
          if (n === 3) setTimeout(commit, 10);
          await committed;
        });
      await step(`end ${n}`);
      inFlight--;
      return n;
    });
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(2);
    expect(mostInFlight).toBeGreaterThan(2);
    // While 0–3 waited, 4 and 5 started; once permits came free, the waiting ones resumed before 6 and 7.
    expect(order.indexOf('start 4')).toBeLessThan(order.indexOf('end 0'));
    for (const n of [0, 1, 2, 3]) expect(order.indexOf(`end ${n}`)).toBeLessThan(order.indexOf('start 6'));
  });

  it('never holds more than the bound × IN_FLIGHT_PER_PERMIT in flight, and rethrows a failure after the others end', async () => {
    let inFlight = 0;
    let most = 0;
    const ended: number[] = [];
    const items = Array.from({ length: 100 }, (_, i) => i);
    await expect(
      mapBounded(items, 1, async (n) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await lendingPermit(() => new Promise((r) => setTimeout(r, 5)));
        inFlight--;
        if (n === 40) throw new Error('item 40 failed');
        ended.push(n);
      }),
    ).rejects.toThrow('item 40 failed');
    expect(most).toBe(IN_FLIGHT_PER_PERMIT);
    expect(ended.length).toBeGreaterThanOrEqual(40);
    expect(ended.length).toBeLessThan(99);
    expect(inFlight).toBe(0);
  });

  it('runs up to N working at once and ends with the tables of a one-at-a-time run and of the reference', async () => {
    const parallel = join(dir, 'parallel');
    const rt = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake: parallel,
      onEvent: (_name, e) => {
        if (e.type === 'ExecutionStarted') inFlight++;
        if (/^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(e.type)) inFlight--;
        most = Math.max(most, inFlight);
      },
    });
    let inFlight = 0;
    let most = 0;
    let runs: Awaited<ReturnType<typeof rt.runAll>>;
    try {
      runs = await rt.runAll(files, 4);
    } finally {
      rt.close();
    }
    // Executions waiting for their region's MERGE lend their permit (at most 4 work at once, a unit
    // test above): more than 4 may be in flight, within the cap.
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4 * IN_FLIGHT_PER_PERMIT);
    expect(runs.map((r) => r.objectKey)).toHaveLength(files.length);
    expect(runs.filter((r) => r.duplicateEvent)).toHaveLength(2);
    expect(runs.every((r) => r.outcome === 'succeeded')).toBe(true);

    const serial = join(dir, 'serial');
    const one = await runLake(serial, files, 1);
    expect(one.every((r) => r.outcome === 'succeeded')).toBe(true);
    for (const sql of TABLES_SQL) expect(await query(parallel, sql)).toEqual(await query(serial, sql));
    expect(await query(parallel, CATEGORY_DAILY_SQL)).toEqual(runReference(current).rows);
  });
});
