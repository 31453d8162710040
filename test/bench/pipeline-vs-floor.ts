/**
 * Section 1: `lakestep run` against the plain DuckDB baseline (baseline.ts) on the same files, each in a
 * fresh process, in the same run; the two category_daily tables are compared row for row, so the ratio
 * compares like with like.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString } from '../../local/sql';
import { ROOT, runChild } from './measure';
import {
  floorPhases,
  measureQueries,
  type Phases,
  pipelinePhases,
  type QueryReading,
  type StateRunReading,
} from './per-state';

export interface FloorCase {
  readonly name: string;
  readonly paths: readonly string[];
  /** CSV bytes of the statistics objects, for the table. */
  readonly csvBytes: number;
}

export interface Side {
  wallMs: number;
  cpuMs: number;
  rows: number;
  maxRssMb: number;
  outcomes: Record<string, number>;
  /** Where the wall time went (per-state.ts). */
  phases: Phases;
}

export interface FloorReading {
  name: string;
  csvBytes: number;
  pipeline: Side;
  baseline: Side;
  /** Rows of category_daily, equal on both sides (checked). */
  categoryDailyRows: number;
  /** `lakestep query` exports of the pipeline's lake beside DuckDB's COPY (the largest case only). */
  queries?: QueryReading[];
}

interface RunReport {
  executions: {
    dataset: string | null;
    outcome: string;
    rows: { read: number } | null;
    states: StateRunReading[];
  }[];
}

function runPipeline(c: FloorCase, lake: string): Side {
  const run = runChild(join(ROOT, 'test', 'bench', 'cli-child.ts'), [
    'run',
    '--lake',
    lake,
    '--json',
    ...c.paths.flatMap((p) => ['--data', p]),
  ]);
  const report = JSON.parse(run.stdout) as RunReport;
  const outcomes: Record<string, number> = {};
  for (const e of report.executions) outcomes[e.outcome] = (outcomes[e.outcome] ?? 0) + 1;
  const rows = report.executions
    .filter((e) => e.dataset === 'statistics')
    .reduce((n, e) => n + (e.rows?.read ?? 0), 0);
  return {
    wallMs: run.wallMs,
    cpuMs: run.cpuMs,
    maxRssMb: run.maxRssMb,
    rows,
    outcomes,
    phases: pipelinePhases(report.executions, run.wallMs),
  };
}

function runBaselineChild(c: FloorCase, out: string): Side {
  const run = runChild(join(ROOT, 'test', 'bench', 'baseline.ts'), [out, ...c.paths]);
  const r = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Side & {
    phases: { statistics: number; categories: number; categoryDaily: number };
  };
  return {
    wallMs: run.wallMs,
    cpuMs: run.cpuMs,
    maxRssMb: run.maxRssMb,
    rows: r.rows,
    outcomes: r.outcomes,
    phases: floorPhases(r.phases, run.wallMs),
  };
}

/** Rows of category_daily on both sides, after proving the two tables hold the same rows. */
async function sameCategoryDaily(lake: string, out: string): Promise<number> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run(`ATTACH ${sqlString(join(lake, 'analytics', 'warehouse.duckdb'))} AS p (READ_ONLY)`);
    const base = `read_parquet(${sqlString(join(out, 'analytics', 'category_daily.parquet'))})`;
    const cols =
      'region, trending_date, category_id, category_title, videos, "views", likes, dislikes, comments';
    const diff = await conn.runAndReadAll(
      `SELECT (SELECT count(*) FROM (SELECT ${cols} FROM p.analytics.category_daily EXCEPT ALL SELECT ${cols} FROM ${base})) AS only_pipeline,
              (SELECT count(*) FROM (SELECT ${cols} FROM ${base} EXCEPT ALL SELECT ${cols} FROM p.analytics.category_daily)) AS only_baseline,
              (SELECT count(*) FROM p.analytics.category_daily) AS n`,
    );
    const row = diff.getRowObjectsJS()[0] as { only_pipeline: bigint; only_baseline: bigint; n: bigint };
    if (row.only_pipeline !== 0n || row.only_baseline !== 0n)
      throw new Error(
        `The baseline's category_daily differs from the pipeline's (${row.only_pipeline} rows only in the pipeline, ${row.only_baseline} only in the baseline): the comparison would not be fair`,
      );
    return Number(row.n);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

export async function measureFloor(
  c: FloorCase,
  log: (s: string) => void,
  opts: { queries?: boolean } = {},
): Promise<FloorReading> {
  const work = mkdtempSync(join(tmpdir(), 'lakestep-bench-floor-'));
  try {
    const lake = join(work, 'lake');
    const out = join(work, 'baseline');
    log(`  ${c.name}: pipeline…`);
    const pipeline = runPipeline(c, lake);
    log(`  ${c.name}: baseline…`);
    const baseline = runBaselineChild(c, out);
    if (pipeline.rows !== baseline.rows)
      throw new Error(`${c.name}: the pipeline read ${pipeline.rows} rows, the baseline ${baseline.rows}`);
    const categoryDailyRows = await sameCategoryDaily(lake, out);
    const queries = opts.queries ? measureQueries(lake, log) : undefined;
    return { name: c.name, csvBytes: c.csvBytes, pipeline, baseline, categoryDailyRows, queries };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
