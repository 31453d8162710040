/**
 * Issue 13.2: a lake whose path holds glob or SQL characters (`lake[1]`, `?`, `'`) runs like any other:
 * the crawl finds the promoted files and analytics equal the reference program's.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORY_DAILY_SQL, query, runFiles, tempDir } from './helpers/lake';
import { REAL_DATA, runReference } from './helpers/python';

describe('lake paths with glob and quote characters', () => {
  const { dir, cleanup } = tempDir('lake-paths');
  afterAll(cleanup);
  const files = [join(REAL_DATA, 'json', 'GB_category_id.json'), join(REAL_DATA, 'csv', 'GBvideos.csv')];

  it.each(['lake[1]', 'la?ke*', "o'lake"])('runs in a lake at %s', async (name) => {
    const parent = join(dir, name);
    mkdirSync(parent, { recursive: true });
    const lake = join(parent, 'lake');
    const runs = await runFiles(lake, files);
    expect(runs.map((r) => [r.outcome, r.error])).toEqual([
      ['succeeded', null],
      ['succeeded', null],
    ]);
    const rows = await query(lake, CATEGORY_DAILY_SQL);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(runReference(files).rows);
  });
});
