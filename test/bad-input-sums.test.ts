/**
 * Sums are exact and never overflow: two valid BIGINT counts of 9e18 in one (region, day, category) make
 * a sum beyond BIGINT. The execution succeeds, category_daily holds 18000000000000000000 exactly (as the
 * reference computes it), `lakestep query --json` prints it exactly, and other regions are unaffected.
 * A lake whose table was created with BIGINT sums is widened at the next run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { lakePaths } from '../local/lake';
import { CATEGORY_DAILY_SQL, cli, query, runFiles, tempDir } from './helpers/lake';
import { runReference } from './helpers/python';

const HEADER =
  'video_id,trending_date,title,channel_title,category_id,publish_time,tags,views,likes,dislikes,comment_count,thumbnail_link,comments_disabled,ratings_disabled,video_error_or_removed,description';

const row = (id: string, views: string, likes = '1') =>
  `${id},17.14.11,Title,Channel,10,2017-11-13T17:13:01.000Z,tag,${views},${likes},0,0,link,False,False,False,desc`;

function writeFiles(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ['USvideos_a.csv', [HEADER, row('usvideo0001', '100'), row('usvideo0002', '250')].join('\n')],
    [
      'GBvideos_huge.csv',
      [
        HEADER,
        row('gbvideo0001', '9000000000000000000', '9223372036854775807'),
        row('gbvideo0002', '9000000000000000000', '9223372036854775807'),
        row('gbvideo0003', '7'),
      ].join('\n'),
    ],
    ['USvideos_b.csv', [HEADER, row('usvideo0003', '5')].join('\n')],
  ];
  return files.map(([name, body]) => {
    writeFileSync(join(dir, name), `${body}\n`);
    return join(dir, name);
  });
}

describe('category_daily sums are exact and never overflow', () => {
  const { dir, cleanup } = tempDir('sums');
  afterAll(cleanup);

  it('materializes a sum beyond BIGINT exactly, as the reference does, and leaves other regions alone', async () => {
    const files = writeFiles(join(dir, 'cases'));
    const lake = join(dir, 'lake');
    const runs = await runFiles(lake, files);
    expect(runs.map((e) => [e.objectKey, e.outcome, e.error])).toEqual([
      ['raw_statistics/region=us/USvideos_a.csv', 'succeeded', null],
      ['raw_statistics/region=gb/GBvideos_huge.csv', 'succeeded', null],
      ['raw_statistics/region=us/USvideos_b.csv', 'succeeded', null],
    ]);
    const reference = runReference(files).rows;
    const rows = await query(lake, CATEGORY_DAILY_SQL);
    expect(rows).toEqual(reference);
    expect(rows.find((r) => r.region === 'gb')).toMatchObject({
      views: '18000000000000000007',
      likes: '18446744073709551615',
      videos: 3,
    });
    expect(rows.find((r) => r.region === 'us')).toMatchObject({ views: 355, videos: 3 });

    const out = await cli([
      'query',
      '--lake',
      lake,
      '--json',
      'SELECT region, "views", likes FROM analytics.category_daily WHERE region = \'gb\'',
    ]);
    expect(out.code).toBe(0);
    // Exact in the text itself: a string beyond 2^53, as for every integer lakestep prints.
    expect(out.stdout.trim()).toBe(
      '[{"region":"gb","views":"18000000000000000007","likes":"18446744073709551615"}]',
    );
  });

  it('widens a lake whose category_daily was created with BIGINT sums, then materializes exactly', async () => {
    const files = writeFiles(join(dir, 'cases-old'));
    const lake = join(dir, 'old-lake');
    await runFiles(lake, [files[0] as string]);
    // The table as earlier versions created it.
    const db = await DuckDBInstance.create(lakePaths(lake).warehouse);
    const conn = await db.connect();
    for (const c of ['views', 'likes', 'dislikes', 'comments'])
      await conn.run(`ALTER TABLE analytics.category_daily ALTER COLUMN "${c}" TYPE BIGINT`);
    conn.closeSync();
    db.closeSync();

    const runs = await runFiles(lake, files.slice(1));
    expect(runs.map((e) => e.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(runReference(files).rows);
    const types = await query(
      lake,
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'analytics' AND table_name = 'category_daily' AND column_name IN ('views', 'comments')",
    );
    expect(types.map((t) => t.data_type)).toEqual(['DECIMAL(38,0)', 'DECIMAL(38,0)']);
  });
});
