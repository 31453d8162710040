/**
 * Serve's query port over a snapshot file: DECIMAL(38,0) sums beyond 2^53 come back as decimal text
 * (as `lakestep query --json` prints them), and a snapshot renamed over the old one is what the next
 * request reads.
 */
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { handleApiRequest } from '../handlers/core/api';
import { snapshotDir, snapshotFile } from '../local/api/snapshot';
import { SnapshotAnalytics } from '../local/api/snapshot-analytics';
import { lakePaths } from '../local/lake';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { tempDir } from './helpers/lake';

async function writeSnapshot(file: string, views: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(
    `COPY (SELECT 'us' AS region, DATE '2017-11-14' AS trending_date, 24::BIGINT AS category_id, 'Entertainment' AS category_title, 3::BIGINT AS videos, ${views}::DECIMAL(38,0) AS "views", 12::DECIMAL(38,0) AS likes, 1::DECIMAL(38,0) AS dislikes, 0::DECIMAL(38,0) AS comments) TO '${file}' (FORMAT parquet)`,
  );
  conn.closeSync();
  db.closeSync();
}

describe('serve reads the analytics snapshot', () => {
  const { dir, cleanup } = tempDir('api-snapshot');
  afterAll(cleanup);

  it('keeps exact sums beyond 2^53 as text and follows a replaced snapshot', async () => {
    const paths = lakePaths(join(dir, 'lake'));
    mkdirSync(snapshotDir(paths), { recursive: true });
    await writeSnapshot(snapshotFile(paths, 'category_daily'), '9007199254740993');
    const analytics = await SnapshotAnalytics.open(paths, YOUTUBE_TRENDING.materializations);
    const ask = async () =>
      (
        await handleApiRequest(
          { method: 'GET', path: '/v1/category-daily', query: { region: ['us'] }, apiKey: undefined },
          { analytics, runs: { batchOutcomes: async () => [] } },
          { authorize: null, cursorSecret: 's', serverUrl: 'http://127.0.0.1' },
        )
      ).body as { items: Record<string, unknown>[] };
    try {
      const first = await ask();
      expect(first.items[0]).toMatchObject({ views: '9007199254740993', likes: 12, category_id: 24 });
      const tmp = join(snapshotDir(paths), '.next.parquet.tmp');
      await writeSnapshot(tmp, '42');
      renameSync(tmp, snapshotFile(paths, 'category_daily'));
      let views: unknown;
      for (let i = 0; i < 200 && views !== 42; i++) {
        views = (await ask()).items[0]?.views;
        if (views !== 42) await new Promise((ok) => setTimeout(ok, 10)); // the directory watch's event
      }
      expect(views).toBe(42);
    } finally {
      analytics.close();
    }
  });
});
