/**
 * `lakestep rerun --object KEY`: a fresh execution of an object already landed, after a fix; the lake
 * ends as one clean run would leave it, and an object that is not landed is named in a clear error.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalRuntime } from '../local/runtime';
import { writeSample } from '../local/sample-data';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { CATEGORY_DAILY_SQL, cli, query, runFiles, tempDir } from './helpers/lake';
import { runReference } from './helpers/python';

describe('lakestep rerun --object', () => {
  const { dir, cleanup } = tempDir('rerun');
  afterAll(cleanup);

  it('after a rules fix (here: a corrected file put in the landing bucket), a fresh execution replaces the data outcome', async () => {
    const all = await writeSample(join(dir, 'data'), { regions: ['GB'], rowsPerRegion: 40 });
    const failing = all.find((f) => /FRvideos\.csv$/.test(f)) as string;
    const good = all.find((f) => /GBvideos\.csv$/.test(f)) as string;
    const lake = join(dir, 'lake');
    const [dq] = await runFiles(lake, [failing]);
    expect(dq?.outcome).toBe('dq_failed');
    const key = 'raw_statistics/region=fr/FRvideos.csv';

    // The corrected data arrives under the same key outside `lakestep run` (as a fix in place would).
    copyFileSync(good, join(lake, 'landing', key));
    const out = await cli(['rerun', '--object', key, '--lake', lake, '--json']);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(doc.problems).toEqual([]);
    expect(doc.executions).toEqual([
      expect.objectContaining({ objectKey: key, status: 'SUCCEEDED', outcome: 'succeeded', region: 'fr' }),
    ]);
    expect(doc.executions[0].name).not.toBe(dq?.name);

    // Rerun again (nothing changed): a new execution, and still exactly one clean run's rows.
    const again = await cli(['rerun', '--object', key, '--lake', lake]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('succeeded');
    const expected = runReference([join(lake, 'landing', key)]).rows;
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(expected);
    expect(await query(lake, 'SELECT count(DISTINCT source_object) AS n FROM cleansed.statistics')).toEqual([
      { n: 1 },
    ]);
  });

  it('an object not in the landing bucket is named, exit 1; no --object is a usage error', async () => {
    const lake = join(dir, 'empty');
    (await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake })).close(); // a lake with nothing landed in it
    const missing = await cli(['rerun', '--object', 'raw_statistics/region=us/USvideos.csv', '--lake', lake]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No object raw_statistics/region=us/USvideos.csv in the landing bucket');
    const usage = await cli(['rerun', '--lake', lake]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--object KEY');
  });
});
