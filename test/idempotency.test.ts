/**
 * Idempotent writes: landing the same files twice, re-executing objects, or landing a new version of a
 * key never duplicates rows; the lake always equals one clean run over the current objects.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORY_DAILY_SQL, query, runFiles, tempDir } from './helpers/lake';
import { REAL_DATA, runReference } from './helpers/python';

const FILES = [
  join(REAL_DATA, 'json', 'CA_category_id.json'),
  join(REAL_DATA, 'csv', 'CAvideos.csv'),
  join(REAL_DATA, 'json', 'GB_category_id.json'),
  join(REAL_DATA, 'csv', 'GBvideos.csv'),
];
const COUNTS_SQL =
  'SELECT (SELECT count(*) FROM cleansed.statistics) AS s, (SELECT count(*) FROM cleansed.categories) AS c, (SELECT count(*) FROM analytics.category_daily) AS d';

describe('idempotent writes', () => {
  const { dir, cleanup } = tempDir('idem');
  afterAll(cleanup);
  const expected = runReference(FILES).rows;

  it('landing the same files twice is a duplicate event: nothing runs again, tables are identical', async () => {
    const lake = join(dir, 'twice');
    await runFiles(lake, FILES);
    const before = await query(lake, COUNTS_SQL);
    const again = await runFiles(lake, FILES);
    expect(again.every((e) => e.duplicateEvent === true)).toBe(true);
    expect(await query(lake, COUNTS_SQL)).toEqual(before);
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(expected);
  });

  it('re-executing every object (as a retry or replay would) overwrites instead of adding rows', async () => {
    const lake = join(dir, 'rerun');
    await runFiles(lake, FILES);
    const before = await query(lake, COUNTS_SQL);
    rmSync(join(lake, 'executions'), { recursive: true }); // forget the runs: every object executes again
    const again = await runFiles(lake, FILES);
    expect(again.map((e) => e.duplicateEvent)).not.toContain(true);
    expect(again.map((e) => e.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(await query(lake, COUNTS_SQL)).toEqual(before);
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(expected);
  });

  it("a new version of a key replaces the old version's rows", async () => {
    const lake = join(dir, 'versions');
    const v1 = join(dir, 'v1');
    const v2 = join(dir, 'v2');
    mkdirSync(v1);
    mkdirSync(v2);
    copyFileSync(join(REAL_DATA, 'csv', 'CAvideos.csv'), join(v1, 'CAvideos.csv'));
    copyFileSync(join(REAL_DATA, 'csv', 'GBvideos.csv'), join(v1, 'GBvideos.csv'));
    // v2 of CAvideos.csv: different content under the same name
    copyFileSync(join(REAL_DATA, 'csv', 'GBvideos.csv'), join(v2, 'CAvideos.csv'));
    await runFiles(lake, [join(v1, 'CAvideos.csv'), join(v1, 'GBvideos.csv')]);
    const [second] = await runFiles(lake, [join(v2, 'CAvideos.csv')]);
    expect(second?.outcome).toBe('succeeded');
    // The lake now equals a clean run over the current objects: CA holds v2's rows only.
    const current = join(dir, 'current');
    mkdirSync(current);
    copyFileSync(join(v2, 'CAvideos.csv'), join(current, 'CAvideos.csv'));
    copyFileSync(join(v1, 'GBvideos.csv'), join(current, 'GBvideos.csv'));
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(runReference([current]).rows);
    const perObject = await query(
      lake,
      'SELECT source_object, count(*) AS n FROM cleansed.statistics GROUP BY ALL ORDER BY 1',
    );
    expect(perObject.map((r) => r.source_object)).toEqual([
      'raw_statistics/region=ca/CAvideos.csv',
      'raw_statistics/region=gb/GBvideos.csv',
    ]);
  });

  it('landing v1 again after v2 is a new event and restores v1', async () => {
    const lake = join(dir, 'versions');
    const [third] = await runFiles(lake, [join(dir, 'v1', 'CAvideos.csv')]);
    expect(third?.duplicateEvent).toBeUndefined();
    expect(third?.name).toMatch(/-v2$/);
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(runReference([join(dir, 'v1')]).rows);
  });

  it('after v1, v2, v1: landing v1 yet again is a duplicate of the latest run', async () => {
    const lake = join(dir, 'versions');
    const [again] = await runFiles(lake, [join(dir, 'v1', 'CAvideos.csv')]);
    expect(again?.duplicateEvent).toBe(true);
    expect(again?.name).toMatch(/-v2$/);
  });

  it('landing the same content again after a system fault runs it again', async () => {
    const lake = join(dir, 'after-fault');
    const file = join(REAL_DATA, 'csv', 'GBvideos.csv');
    const [failed] = await runFiles(lake, [file], [{ state: 'Promote batch', mode: 'permanent' }]);
    expect(failed?.outcome).toBe('failed');
    const [retried] = await runFiles(lake, [file]);
    expect(retried?.duplicateEvent).toBeUndefined();
    expect(retried?.outcome).toBe('succeeded');
    expect(retried?.name).toBe(`${failed?.name}-v2`);
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(runReference([file]).rows);
  });
});
