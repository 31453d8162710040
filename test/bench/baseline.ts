/**
 * The floor the pipeline is measured against: one plain DuckDB script doing the pipeline's work with no
 * orchestration — raw CSV → row rules → typed, deduped, cleansed Parquet (+ quarantined rows) per
 * object, category references → Parquet, then `category_daily` over everything once. Same DuckDB
 * settings as the local warehouse (WAREHOUSE_SETTINGS), same rule SQL (local/transform-sql.ts), DuckDB's
 * native CSV reader instead of ours. What "the same work" means is docs/decisions/0012-*.md.
 *
 * Run as a script: `baseline.ts OUT_DIR PATH...` prints one JSON line (wall time, rows, outcomes).
 */
import { classify } from '../../handlers/core/classify';
import './rusage';
import { open, readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { WAREHOUSE_SETTINGS } from '../../local/catalog';
import { sqlString } from '../../local/sql';
import { ruleBroken, ruleCaseSql, typedSelectSql } from '../../local/transform-sql';
import { BATCH_DQ_RULES, STATISTICS, YOUTUBE_DATASETS } from '../../workflows/datasets';
import type { ReferenceRow } from '../helpers/python';

export type BaselineOutcome = 'succeeded' | 'rejected' | 'dq_failed';

export interface BaselineObject {
  name: string;
  outcome: BaselineOutcome;
  reason?: string;
  read: number;
  cleansed: number;
  quarantined: number;
}

/** A row of analytics.category_daily, as the reference program prints it. */
export type CategoryDailyRow = ReferenceRow;

export interface BaselineResult {
  objects: BaselineObject[];
  /** Statistics records read, over all objects. */
  rows: number;
  categoryDaily: CategoryDailyRow[];
}

const MAX_SHARE = BATCH_DQ_RULES.find((r) => r.name === 'quarantined_share')?.threshold ?? 0.05;

/** DuckDB's own CSV reader with the options that read the real files' records as Python does. */
function readCsv(path: string): string {
  const columns = STATISTICS.rawColumns.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  return (
    `read_csv(${sqlString(path)}, auto_detect = false, strict_mode = false, header = true, delim = ',', ` +
    `quote = '"', escape = '"', max_line_size = 10000000, columns = {${columns}}, store_rejects = true)`
  );
}

async function firstLine(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    return text.split(/\r\n|\r|\n/)[0] ?? '';
  } finally {
    await fh.close();
  }
}

async function count(conn: DuckDBConnection, sql: string): Promise<number> {
  return Number((await conn.runAndReadAll(sql)).getRowObjectsJS()[0]?.n ?? 0);
}

async function statistics(
  conn: DuckDBConnection,
  path: string,
  region: string,
  out: string,
): Promise<BaselineObject> {
  const name = basename(path);
  const o = { name, read: 0, cleansed: 0, quarantined: 0 };
  if ((await stat(path)).size === 0) return { ...o, outcome: 'rejected', reason: 'empty_object' };
  if ((await firstLine(path)) !== STATISTICS.rawColumns.join(','))
    return { ...o, outcome: 'rejected', reason: 'header_mismatch' };
  try {
    await conn.run(`CREATE OR REPLACE TEMP TABLE raw AS SELECT 16 AS field_count, * FROM ${readCsv(path)}`);
  } catch (e) {
    if (/unicode|utf-8/i.test((e as Error).message)) return { ...o, outcome: 'rejected', reason: 'encoding' };
    throw e;
  }
  // Records DuckDB could not split into 16 fields are the baseline's field_count quarantine.
  const shortOrLong = await count(conn, 'SELECT count(*) AS n FROM reject_errors');
  await conn.run('TRUNCATE reject_errors; TRUNCATE reject_scans');
  const anyBroken = STATISTICS.rules.map((r) => `(${ruleBroken(STATISTICS, r)})`).join(' OR ');
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE broken AS SELECT rowid AS record_no, ${ruleCaseSql(STATISTICS)} AS rule FROM raw WHERE ${anyBroken}`,
  );
  const read = (await count(conn, 'SELECT count(*) AS n FROM raw')) + shortOrLong;
  const quarantined = (await count(conn, 'SELECT count(*) AS n FROM broken')) + shortOrLong;
  const order = STATISTICS.dedupeOrder.map((c) => `"${c}" DESC`).join(', ');
  const kept =
    `SELECT * EXCLUDE (record_no) FROM (SELECT ${typedSelectSql(STATISTICS)}, rowid AS record_no ` +
    'FROM raw ANTI JOIN broken ON raw.rowid = broken.record_no) ' +
    `QUALIFY row_number() OVER (PARTITION BY video_id, trending_date ORDER BY ${order}, record_no) = 1`;
  const params = {
    region,
    source_object: name,
    ingested_at: new Date().toISOString().replace('T', ' ').slice(0, 23),
  };
  const target = join(out, 'cleansed', 'statistics', `region=${region}`, `${name}.parquet`);
  await mkdirp(join(out, 'cleansed', 'statistics', `region=${region}`));
  await conn.run(`COPY (${kept}) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION zstd)`, params);
  const cleansed = await count(conn, `SELECT count(*) AS n FROM read_parquet(${sqlString(target)})`);
  if (quarantined > 0) {
    const dir = join(out, 'quarantine', 'statistics', `region=${region}`);
    await mkdirp(dir);
    await conn.run(
      `COPY (SELECT b.record_no, b.rule, r.* FROM broken b JOIN raw r ON r.rowid = b.record_no) TO ${sqlString(join(dir, `${name}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`,
    );
  }
  await conn.run('DROP TABLE raw; DROP TABLE broken');
  const counts = { name, read, cleansed, quarantined };
  if (cleansed === 0 || quarantined > MAX_SHARE * read) {
    await rm(target, { force: true }); // not promoted
    return { ...counts, outcome: 'dq_failed', reason: cleansed === 0 ? 'zero_rows' : 'quarantined_share' };
  }
  return { ...counts, outcome: 'succeeded' };
}

async function categories(
  conn: DuckDBConnection,
  path: string,
  region: string,
  out: string,
): Promise<BaselineObject> {
  const name = basename(path);
  const dir = join(out, 'cleansed', 'categories', `region=${region}`);
  await mkdirp(dir);
  const target = join(dir, `${name}.parquet`);
  try {
    // The last item of an id wins, as in the pipeline and the reference.
    await conn.run(
      `COPY (SELECT $region AS region, CAST(it.id AS BIGINT) AS category_id, it.snippet.title AS category_title, ` +
        `it.snippet.assignable AS assignable, $source_object AS source_object FROM (` +
        `SELECT items[i] AS it, i FROM (SELECT items, generate_subscripts(items, 1) AS i FROM read_json(${sqlString(path)}, format = 'auto'))) ` +
        `QUALIFY row_number() OVER (PARTITION BY it.id ORDER BY i DESC) = 1) TO ${sqlString(target)} (FORMAT parquet)`,
      { region, source_object: name },
    );
  } catch (e) {
    return {
      name,
      outcome: 'rejected',
      reason: `reference_shape: ${(e as Error).message.split('\n')[0]}`,
      read: 0,
      cleansed: 0,
      quarantined: 0,
    };
  }
  const n = await count(conn, `SELECT count(*) AS n FROM read_parquet(${sqlString(target)})`);
  return { name, outcome: 'succeeded', read: n, cleansed: n, quarantined: 0 };
}

async function mkdirp(dir: string): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
}

/** category_daily over all cleansed Parquet, in one statement; the same aggregation as the materialization. */
function categoryDailySql(out: string): string {
  const stats = sqlString(join(out, 'cleansed', 'statistics', '*', '*.parquet'));
  const cats = sqlString(join(out, 'cleansed', 'categories', '*', '*.parquet'));
  const order = STATISTICS.dedupeOrder.map((c) => `"${c}" DESC`).join(', ');
  return `WITH kept AS (
  SELECT region, video_id, trending_date, category_id, "views", likes, dislikes, comment_count
  FROM read_parquet(${stats})
  QUALIFY row_number() OVER (PARTITION BY region, video_id, trending_date ORDER BY ${order}, source_object DESC) = 1
), titles AS (
  SELECT region, category_id, category_title FROM read_parquet(${cats})
  QUALIFY row_number() OVER (PARTITION BY region, category_id ORDER BY source_object DESC) = 1
)
SELECT k.region, k.trending_date, k.category_id, coalesce(t.category_title, 'Unknown') AS category_title,
  count(DISTINCT k.video_id) AS videos, sum(k."views") AS "views", sum(k.likes) AS likes,
  sum(k.dislikes) AS dislikes, sum(k.comment_count) AS comments
FROM kept k LEFT JOIN titles t ON t.region = k.region AND t.category_id = k.category_id
GROUP BY ALL`;
}

/** Milliseconds the last runBaseline spent per phase (the benchmark's per-state table sets them beside the pipeline's states). */
export const phases = { statistics: 0, categories: 0, categoryDaily: 0 };

async function timed<T>(phase: keyof typeof phases, work: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    phases[phase] += performance.now() - t0;
  }
}

export async function runBaseline(files: readonly string[], out: string): Promise<BaselineResult> {
  phases.statistics = phases.categories = phases.categoryDaily = 0;
  await mkdirp(join(out, 'tmp'));
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: WAREHOUSE_SETTINGS.memoryLimit,
    threads: String(WAREHOUSE_SETTINGS.threads),
    temp_directory: join(out, 'tmp'),
    preserve_insertion_order: 'false',
  });
  const conn = await instance.connect();
  try {
    const objects: BaselineObject[] = [];
    for (const path of files) {
      const name = basename(path);
      const c = classify(name, YOUTUBE_DATASETS);
      const route = c.dataset === null ? undefined : { dataset: c.dataset };
      const region = c.region ?? '';
      if (!route)
        objects.push({
          name,
          outcome: 'rejected',
          reason: 'unknown_dataset',
          read: 0,
          cleansed: 0,
          quarantined: 0,
        });
      else if (route.dataset === 'statistics')
        objects.push(await timed('statistics', () => statistics(conn, path, region, out)));
      else objects.push(await timed('categories', () => categories(conn, path, region, out)));
    }
    const hasStats = objects.some((o) => o.outcome === 'succeeded' && /\.csv$/.test(o.name));
    const hasCats = objects.some((o) => o.outcome === 'succeeded' && /\.json$/.test(o.name));
    let categoryDaily: CategoryDailyRow[] = [];
    if (hasStats) {
      if (!hasCats) {
        await mkdirp(join(out, 'cleansed', 'categories', 'region=none'));
        await conn.run(
          `COPY (SELECT 'none' AS region, 0::BIGINT AS category_id, '' AS category_title, NULL::BOOLEAN AS assignable, '' AS source_object WHERE false) TO ${sqlString(join(out, 'cleansed', 'categories', 'region=none', 'empty.parquet'))} (FORMAT parquet)`,
        );
      }
      await mkdirp(join(out, 'analytics'));
      await timed('categoryDaily', () =>
        conn.run(
          `COPY (${categoryDailySql(out)}) TO ${sqlString(join(out, 'analytics', 'category_daily.parquet'))} (FORMAT parquet)`,
        ),
      );
      const rows = await conn.runAndReadAll(
        `SELECT region, strftime(trending_date, '%Y-%m-%d') AS trending_date, category_id, category_title, videos, "views", likes, dislikes, comments FROM read_parquet(${sqlString(join(out, 'analytics', 'category_daily.parquet'))}) ORDER BY region, trending_date, category_id`,
      );
      categoryDaily = (rows.getRowObjectsJS() as Record<string, unknown>[]).map((r) => ({
        region: String(r.region),
        trending_date: String(r.trending_date),
        category_id: Number(r.category_id),
        category_title: String(r.category_title),
        videos: Number(r.videos),
        views: Number(r.views),
        likes: Number(r.likes),
        dislikes: Number(r.dislikes),
        comments: Number(r.comments),
      }));
    }
    const rows = objects.filter((o) => /\.csv$/.test(o.name)).reduce((n, o) => n + o.read, 0);
    return { objects, rows, categoryDaily };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Files of the given paths, as `lakestep run --data` takes them (a directory non-recursively, sorted). */
export async function filesOf(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if ((await stat(p)).isDirectory()) {
      for (const f of (await readdir(p)).sort()) if ((await stat(join(p, f))).isFile()) out.push(join(p, f));
    } else out.push(p);
  }
  return out;
}

async function main(): Promise<void> {
  const [out, ...paths] = process.argv.slice(2);
  if (!out || paths.length === 0) throw new Error('usage: baseline.ts OUT_DIR PATH...');
  const t0 = performance.now();
  const result = await runBaseline(await filesOf(paths), out);
  const wallMs = performance.now() - t0;
  const outcomes: Record<string, number> = {};
  for (const o of result.objects) outcomes[o.outcome] = (outcomes[o.outcome] ?? 0) + 1;
  process.stdout.write(
    `${JSON.stringify({ wallMs, rows: result.rows, outcomes, phases, categoryDailyRows: result.categoryDaily.length, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
