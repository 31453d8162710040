/**
 * Issue 12.1 and 13.2: the crawler is off the hot path. An execution registers its partition and
 * crawls only when the table is new or its schema changed; a crawl that ends FAILED fails the execution
 * at "Check crawl result", and a replay crawls again and ends like a clean run.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogRecord } from '../local/local-catalog';
import { LocalRuntime } from '../local/runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { CATEGORY_DAILY_SQL, query, tempDir } from './helpers/lake';
import { REAL_DATA, runReference } from './helpers/python';

const csv = (cc: string) => join(REAL_DATA, 'csv', `${cc}videos.csv`);
const crawled = (states: { name: string }[]) => states.some((s) => s.name === 'Start crawler');

function editCatalog(lake: string, edit: (r: CatalogRecord) => void): void {
  const file = join(lake, 'catalog', 'cleansed.json');
  const record = JSON.parse(readFileSync(file, 'utf8')) as CatalogRecord;
  edit(record);
  writeFileSync(file, JSON.stringify(record));
}

describe('crawl only when a table is new or its schema changed', () => {
  const { dir, cleanup } = tempDir('crawl-rule');
  afterAll(cleanup);

  it('an unchanged schema never crawls; a changed one does, once', async () => {
    const lake = join(dir, 'rule');
    const files = [
      join(REAL_DATA, 'json', 'GB_category_id.json'),
      csv('GB'),
      csv('US'),
      csv('CA'),
      csv('IN'),
    ];
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake });
    try {
      const [categories, gb, us] = [
        await rt.execute(await rt.land(files[0] as string)),
        await rt.execute(await rt.land(files[1] as string)),
        await rt.execute(await rt.land(files[2] as string)),
      ];
      // Each table is new once: categories' first object, statistics' first object.
      expect([categories, gb, us].map((r) => [r.outcome, crawled(r.states)])).toEqual([
        ['succeeded', true],
        ['succeeded', true],
        ['succeeded', false],
      ]);
      expect(us.states.map((s) => s.name)).toContain('Register partition');
      const record = JSON.parse(
        readFileSync(join(lake, 'catalog', 'cleansed.json'), 'utf8'),
      ) as CatalogRecord;
      const statistics = record.tables.find((t) => t.name === 'statistics');
      expect(statistics?.partitions).toContain('region=us/source_file=USvideos.csv');

      // A deployment changed the schema: the catalog's table lacks a column the dataset now has.
      editCatalog(lake, (r) => {
        const t = r.tables.find((x) => x.name === 'statistics');
        if (t) t.columns = t.columns.filter((c) => c.name !== 'tags');
      });
      const ca = await rt.execute(await rt.land(files[3] as string));
      const de = await rt.execute(await rt.land(files[4] as string));
      expect([ca, de].map((r) => [r.outcome, crawled(r.states)])).toEqual([
        ['succeeded', true],
        ['succeeded', false],
      ]);
    } finally {
      rt.close();
    }
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(runReference(files).rows);
  });

  it('a failed crawl fails the execution at "Check crawl result"; a replay crawls again', async () => {
    const lake = join(dir, 'failed');
    const files = [csv('GB'), csv('US')];
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake });
    try {
      expect((await rt.execute(await rt.land(files[0] as string))).outcome).toBe('succeeded');
      // A file the crawl cannot read, and a schema change that makes the next execution crawl.
      const bad = join(lake, 'cleansed', 'statistics', 'region=zz', 'source_file=bad.csv');
      mkdirSync(bad, { recursive: true });
      writeFileSync(join(bad, 'part.parquet'), 'not parquet');
      editCatalog(lake, (r) => {
        const t = r.tables.find((x) => x.name === 'statistics');
        if (t) t.columns = t.columns.filter((c) => c.name !== 'tags');
      });
      const failed = await rt.execute(await rt.land(files[1] as string));
      expect([failed.status, failed.error]).toEqual(['FAILED', 'Catalog.CrawlFailed']);
      expect(failed.states.at(-1)).toMatchObject({ name: 'Check crawl result', status: 'FAILED' });
      expect(failed.cause).toMatch(/ended FAILED/);

      rmSync(bad, { recursive: true });
      const replayed = await rt.redrive(failed.name);
      expect(replayed.outcome).toBe('succeeded');
      const after = replayed.states.filter((s) => s.redrive === 1).map((s) => s.name);
      expect(after.slice(0, 3)).toEqual(['Check crawl result', 'Crawl again?', 'Start crawler']);
    } finally {
      rt.close();
    }
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(runReference(files).rows);
  });
});
