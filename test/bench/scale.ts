/**
 * Section 5's local simulation: N small statistics objects over 10 regions landed at once, run in a
 * fresh process (scale-child.ts); then the checks that nothing was lost — one execution per landed key,
 * none left running, every cleansed row reported is in cleansed.statistics, and category_daily equals
 * the contract's reference program over the same files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeLargeStatisticsFile } from '../../local/sample-data';
import { sqlString } from '../../local/sql';
import { ROOT, runChild, SHARED } from './measure';

export const SCALE_REGIONS = ['US', 'GB', 'CA', 'IN', 'DE', 'FR', 'JP', 'KR', 'MX', 'RU'] as const;

export interface ScaleReading {
  objects: number;
  rowsPerObject: number;
  landed: number;
  executions: number;
  keysWithExecution: number;
  unfinished: number;
  outcomes: Record<string, number>;
  cleansedRowsReported: number;
  tables: Record<string, number>;
  categoryDailyMatchesReference: boolean;
  wallMs: number;
  landMs: number;
  concurrency: number;
  maxRssMb: number;
  rss: { done: number; rssMb: number; heapMb: number; ms: number }[];
}

async function categoryDailyMatches(lake: string, data: string): Promise<boolean> {
  const reference = JSON.parse(
    execFileSync('python3', [join(SHARED, 'tools', 'category_daily_reference.py'), data], {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    }),
  ) as { rows: Record<string, unknown>[] };
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run(`ATTACH ${sqlString(join(lake, 'analytics', 'warehouse.duckdb'))} AS p (READ_ONLY)`);
    const r = await conn.runAndReadAll(
      `SELECT region, strftime(trending_date, '%Y-%m-%d') AS trending_date, category_id, category_title, videos, "views", likes, dislikes, comments FROM p.analytics.category_daily ORDER BY region, trending_date, category_id`,
    );
    const ours = (r.getRowObjectsJS() as Record<string, unknown>[]).map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    );
    return ours.length > 0 && JSON.stringify(ours) === JSON.stringify(reference.rows);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

export async function measureScale(objects: number, rowsPerObject: number): Promise<ScaleReading> {
  const work = mkdtempSync(join(tmpdir(), 'lakestep-bench-scale-'));
  try {
    const data = join(work, 'data');
    for (let i = 0; i < objects; i++) {
      const region = SCALE_REGIONS[i % SCALE_REGIONS.length] as string;
      const n = String(Math.floor(i / SCALE_REGIONS.length)).padStart(4, '0');
      await writeLargeStatisticsFile(join(data, `${region}videos_${n}.csv`), rowsPerObject, region, 1000 + i);
    }
    const lake = join(work, 'lake');
    const run = runChild(join(ROOT, 'test', 'bench', 'scale-child.ts'), [lake, data]);
    const r = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Omit<
      ScaleReading,
      'objects' | 'rowsPerObject' | 'categoryDailyMatchesReference' | 'maxRssMb'
    >;
    return {
      objects,
      rowsPerObject,
      ...r,
      categoryDailyMatchesReference: await categoryDailyMatches(lake, data),
      maxRssMb: run.maxRssMb,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
