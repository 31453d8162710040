/**
 * The crawl wait loop: a crawler already running (another execution's crawl, which may have started before
 * this batch was promoted) is waited for, then this execution starts its own crawl before materializing.
 */
import { join } from 'node:path';
import { LocalRuntime } from '../local/runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { CATEGORY_DAILY_SQL, query, tempDir } from './helpers/lake';
import { REAL_DATA, runReference } from './helpers/python';

describe('crawler already running', () => {
  const { dir, cleanup } = tempDir('crawler');
  afterAll(cleanup);

  it("waits for the other crawl, then runs its own, and materializes the batch's rows", async () => {
    const file = join(REAL_DATA, 'csv', 'GBvideos.csv');
    const lake = join(dir, 'lake');
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake });
    try {
      const [crawler] = rt.crawlers.values();
      await crawler?.start(); // another execution's crawl, started before this batch exists
      const run = await rt.execute(await rt.land(file));
      expect(run.outcome).toBe('succeeded');
      const starts = run.states.filter((s) => s.name === 'Start crawler');
      expect(starts.map((s) => s.status)).toEqual(['CAUGHT', 'SUCCEEDED']);
      const polls = run.states.filter((s) => s.name === 'Get crawler status');
      expect(polls.length).toBeGreaterThanOrEqual(3); // the other crawl's RUNNING, READY; ours RUNNING, READY
    } finally {
      rt.close();
    }
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(runReference([file]).rows);
  });
});
