/**
 * The built-in workflow: one execution per landed object of the YouTube trending dataset. It declares
 * data only (its datasets, its analytics table, its monitoring and its REST source); the steps, and
 * everything deployable from them (ASL, IAM grants, alarms, dashboard rows), are derived.
 */
import { STATISTICS, YOUTUBE_DATASETS } from './datasets';
import { declareWorkflow } from './pipeline-steps';
import { YOUTUBE_TRENDING_SOURCE } from './sources';
import type { Materialization, Workflow } from './types';

/**
 * The type of a sum: counts are BIGINT, and a sum of them is exact and never overflows (2^63 rows of 2^63 each
 * still fits 38 digits). DuckDB and Athena/Iceberg both document DECIMAL(38,0) and sum() over it.
 */
const SUM = 'DECIMAL(38,0)';

export const CATEGORY_DAILY: Materialization = {
  name: 'category_daily',
  table: 'category_daily',
  description:
    'One row per (region, trending_date, category_id): distinct videos and summed counts of the kept rows',
  columns: [
    { name: 'region', type: 'VARCHAR' },
    { name: 'trending_date', type: 'DATE' },
    { name: 'category_id', type: 'BIGINT' },
    { name: 'category_title', type: 'VARCHAR' },
    { name: 'videos', type: 'BIGINT' },
    { name: 'views', type: SUM },
    { name: 'likes', type: SUM },
    { name: 'dislikes', type: SUM },
    { name: 'comments', type: SUM },
  ],
  key: ['region', 'trending_date', 'category_id'],
  // Per region: the execution re-materializes its own region's rows, never another's.
  scope: { partition: 'region' },
  select: [
    'WITH ranked AS (',
    '  SELECT region, video_id, trending_date, category_id, "views", likes, dislikes, comment_count,',
    '    row_number() OVER (',
    `      PARTITION BY ${STATISTICS.dedupeKey.join(', ')}`,
    `      ORDER BY ${STATISTICS.dedupeOrder.map((c) => `"${c}" DESC`).join(', ')}, source_object DESC`,
    '    ) AS rn',
    '  FROM ${cleansed}.statistics',
    '  WHERE region = :region',
    '), titles AS (',
    '  SELECT region, category_id, category_title,',
    '    row_number() OVER (PARTITION BY region, category_id ORDER BY source_object DESC) AS rn',
    '  FROM ${cleansed}.categories',
    ')',
    'SELECT k.region, k.trending_date, k.category_id,',
    "  coalesce(t.category_title, 'Unknown') AS category_title,",
    '  count(DISTINCT k.video_id) AS videos,',
    `  sum(CAST(k."views" AS ${SUM})) AS "views", sum(CAST(k.likes AS ${SUM})) AS likes,`,
    `  sum(CAST(k.dislikes AS ${SUM})) AS dislikes, sum(CAST(k.comment_count AS ${SUM})) AS comments`,
    'FROM ranked k',
    'LEFT JOIN titles t ON t.region = k.region AND t.category_id = k.category_id AND t.rn = 1',
    'WHERE k.rn = 1',
    "GROUP BY k.region, k.trending_date, k.category_id, coalesce(t.category_title, 'Unknown')",
  ].join('\n'),
};

export const YOUTUBE_TRENDING: Workflow = declareWorkflow({
  name: 'youtube-trending',
  comment:
    'lakestep: one execution per object landed in S3. Ingest, transform (a Lambda for small objects, Glue for large ones), check data quality, promote or quarantine, register the partition (crawl only a new table or a changed schema), materialize analytics (Athena: one MERGE per region for the executions waiting for it).',
  // A backfill's objects wait at the Glue gate for as long as the drain takes (10,000 Glue-bound
  // objects: ~12.5 h at 20 slots), so the execution's timeout is a week (decision 0029); a hung task
  // is still caught by its own state's timeout (Glue 2 h, Lambdas minutes).
  timeoutSeconds: 7 * 24 * 60 * 60,
  datasets: YOUTUBE_DATASETS,
  materializations: [CATEGORY_DAILY],
  // The daily fetch from the YouTube Data API (lakestep fetch; on AWS a scheduled Lambda per region).
  sources: [YOUTUBE_TRENDING_SOURCE],
  // The authenticated API and dashboards over category_daily (lakestep serve; API Gateway on AWS).
  analyticsApi: { table: CATEGORY_DAILY.table },
  monitoring: {
    // An object takes minutes end to end; half an hour at p99 means Glue or Athena is queueing.
    stateMachine: { executionDurationP99: { threshold: 30 } },
    datasets: {
      // Trending statistics arrive daily: a day and two hours without a good run is an outage.
      statistics: { freshnessHours: 26 },
      // Category references change rarely: no freshness alarm; their rows are never quarantined one by one.
      categories: { freshnessHours: null, alarms: { quarantinedRowShare: false } },
    },
  },
});
export default YOUTUBE_TRENDING;
