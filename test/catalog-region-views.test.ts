/**
 * Issue 12 (local speed): a region's queries read only that region's cleansed files. The cleansed views
 * take every value from the files (no hive parsing, so a landed name may hold '='), and prune by region
 * with one branch per region directory: a MERGE for one region must not open the files of the others,
 * or N objects cost O(N²) file opens. Here a damaged file in another region proves it is never opened.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalRuntime } from '../local/runtime';
import { writeLargeStatisticsFile } from '../local/sample-data';
import { sqlString } from '../local/sql';
import { mergeSqlOf } from '../workflows/materialize-sql';
import { CATEGORY_DAILY, YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { tempDir } from './helpers/lake';

const mergeFor = (region: string) =>
  mergeSqlOf(CATEGORY_DAILY)
    .replaceAll('${analytics}', 'analytics')
    .replaceAll('${cleansed}', 'cleansed')
    .replaceAll(':region', sqlString(region));

async function count(rt: LocalRuntime, where: string): Promise<number> {
  const r = await rt.warehouse.conn.runAndReadAll(`SELECT count(*) AS n FROM cleansed.statistics ${where}`);
  return Number(r.getRowObjectsJS()[0]?.n);
}

describe('cleansed views prune by region', () => {
  const { dir, cleanup } = tempDir('region-views');
  afterAll(cleanup);

  it("a region's MERGE never opens another region's files; a new region joins the view", async () => {
    const lake = join(dir, 'lake');
    const data = join(dir, 'data');
    // A landed name may hold '=' (hive path parsing cannot read `source_file=CAvideos_a=b.csv`).
    const names = { US: 'USvideos.csv', GB: 'GBvideos.csv', CA: 'CAvideos_a=b.csv' } as const;
    for (const [i, [cc, name]] of Object.entries(names).entries())
      await writeLargeStatisticsFile(join(data, name), 20, cc, 10 + i);
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake });
    try {
      // US is crawled (a new table); GB and CA are regions first seen after the views were made.
      const runs = [];
      for (const name of Object.values(names)) runs.push(await rt.execute(await rt.land(join(data, name))));
      expect(runs.map((r) => [r.outcome, r.states.some((s) => s.name === 'Start crawler')])).toEqual([
        ['succeeded', true],
        ['succeeded', false],
        ['succeeded', false],
      ]);
      // Not Parquet: any query that opens it fails.
      writeFileSync(
        join(lake, 'cleansed', 'statistics', 'region=gb', 'source_file=GBvideos.csv', 'x.parquet'),
        'no',
      );
      await expect(count(rt, '')).rejects.toThrow(/x\.parquet/);
      expect(await count(rt, "WHERE region = 'us'")).toBe(20);
      await rt.warehouse.conn.run(mergeFor('us'));

      expect(await count(rt, "WHERE region = 'ca'")).toBe(20);
      const rows = await rt.warehouse.conn.runAndReadAll(
        "SELECT DISTINCT source_object FROM cleansed.statistics WHERE region = 'ca'",
      );
      expect(rows.getRowObjectsJS().map((r) => r.source_object)).toEqual([
        'raw_statistics/region=ca/CAvideos_a=b.csv',
      ]);
    } finally {
      rt.close();
    }
  });

  it('a lake whose views read every file (an earlier version) gets pruning views at its next registration', async () => {
    const lake = join(dir, 'old');
    const data = join(dir, 'data-old');
    for (const [i, cc] of ['US', 'GB', 'US'].entries())
      await writeLargeStatisticsFile(join(data, `${cc}videos_${i}.csv`), 20, cc, 20 + i);
    let rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake });
    try {
      for (const f of ['USvideos_0.csv', 'GBvideos_1.csv'])
        expect((await rt.execute(await rt.land(join(data, f)))).outcome).toBe('succeeded');
      const glob = sqlString(join(lake, 'cleansed', 'statistics', '*', '*', '*.parquet'));
      await rt.warehouse.conn.run(
        `CREATE OR REPLACE VIEW cleansed.statistics AS SELECT * FROM read_parquet(${glob}, hive_partitioning = false)`,
      );
    } finally {
      rt.close();
    }
    rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake });
    try {
      expect((await rt.execute(await rt.land(join(data, 'USvideos_2.csv')))).outcome).toBe('succeeded');
      writeFileSync(
        join(lake, 'cleansed', 'statistics', 'region=gb', 'source_file=GBvideos_1.csv', 'x.parquet'),
        'no',
      );
      expect(await count(rt, "WHERE region = 'us'")).toBe(40);
    } finally {
      rt.close();
    }
  });
});

describe('a remake of a view shared by the registrations waiting for it', () => {
  const { dir, cleanup } = tempDir('region-views-race');
  afterAll(cleanup);

  it("covers every waiting registration's region, not only the first one's", async () => {
    const lake = join(dir, 'lake');
    const data = join(dir, 'data');
    await writeLargeStatisticsFile(join(data, 'USvideos.csv'), 20, 'US', 31);
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake });
    try {
      expect((await rt.execute(await rt.land(join(data, 'USvideos.csv')))).outcome).toBe('succeeded');
      const wh = rt.warehouse;
      const us = join(lake, 'cleansed', 'statistics', 'region=us', 'source_file=USvideos.csv');
      const promote = (cc: string) => {
        const to = join(lake, 'cleansed', 'statistics', `region=${cc}`, `source_file=${cc}.csv`);
        mkdirSync(to, { recursive: true });
        for (const f of readdirSync(us)) copyFileSync(join(us, f), join(to, f));
        return `statistics/region=${cc}/source_file=${cc}.csv/`;
      };
      // A crawl holds the warehouse while GB registers (its remake queues), lists the files (GB's
      // among them, IN's not yet), and only then IN registers: IN joins GB's queued remake, which
      // runs after the crawl, when GB is covered and IN is not.
      let open1 = () => {};
      let open2 = () => {};
      let crawled = () => {};
      const gate1 = new Promise<void>((r) => (open1 = r));
      const gate2 = new Promise<void>((r) => (open2 = r));
      const didCrawl = new Promise<void>((r) => (crawled = r));
      const gb = promote('gb');
      const crawl = wh.exclusive(async () => {
        await gate1;
        await wh.crawl(rt.storage, 'cleansed');
        crawled();
        await gate2;
      });
      const gbRegistered = wh.coverPartition(rt.storage, 'cleansed', 'statistics', gb);
      open1();
      await didCrawl;
      const inRegistered = wh.coverPartition(rt.storage, 'cleansed', 'statistics', promote('in'));
      open2();
      await Promise.all([crawl, gbRegistered, inRegistered]);
      const regions = await wh.conn.runAndReadAll(
        'SELECT DISTINCT region FROM cleansed.statistics ORDER BY 1',
      );
      expect(regions.getRowObjectsJS().map((r) => r.region)).toEqual(['gb', 'in', 'us']);
    } finally {
      rt.close();
    }
  });
});
