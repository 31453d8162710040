/**
 * The main job: `lakestep run` with no --data generates the built-in sample and runs it end to end; its
 * outcomes and category_daily match the reference on the same generated files, as they do on a larger
 * generated object.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeLargeStatisticsFile } from '../local/sample-data';
import { CATEGORY_DAILY_SQL, cli, query, runFiles, tempDir } from './helpers/lake';
import { runReference } from './helpers/python';

describe('the built-in sample, end to end', () => {
  const { dir, cleanup } = tempDir('sample');
  afterAll(cleanup);
  const lake = join(dir, 'lake');

  it('runs from `lakestep run` alone, prints a readable summary, and matches the reference', async () => {
    const out = await cli(['run', '--lake', lake]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Generated the built-in sample/);
    expect(out.stdout).toMatch(/Ran \d+ executions/);
    expect(out.stdout).toMatch(/analytics\.category_daily\s+\d+ rows/);

    const sample = join(lake, 'sample');
    const reference = runReference([sample]);
    expect(readdirSync(sample).sort()).toEqual(Object.keys(reference.objects).sort());
    const outcomes = new Set(Object.values(reference.objects).map((o) => o.outcome));
    expect([...outcomes].sort()).toEqual(['dq_failed', 'rejected', 'succeeded']);
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(reference.rows);
    for (const [name, o] of Object.entries(reference.objects))
      expect(out.stdout).toContain(o.outcome === 'succeeded' ? name : `${o.outcome} (${o.reason})`);
  });

  it('matches the reference on a larger generated object with its quirks', async () => {
    const data = join(dir, 'large');
    await writeLargeStatisticsFile(join(data, 'INvideos.csv'), 20000, 'IN', 7);
    const runs = await runFiles(join(dir, 'lake-large'), [join(data, 'INvideos.csv')]);
    const reference = runReference([data]);
    const ref = reference.objects['INvideos.csv'];
    expect(runs[0]?.outcome).toBe(ref?.outcome);
    expect(runs[0]?.rows).toEqual({
      read: ref?.read,
      cleansed: ref?.cleansed,
      quarantined: ref?.quarantined,
      duplicates: ref?.duplicates,
    });
    expect(basename(runs[0]?.objectKey ?? '')).toBe('INvideos.csv');
    expect(await query(join(dir, 'lake-large'), CATEGORY_DAILY_SQL)).toEqual(reference.rows);
  });
});
