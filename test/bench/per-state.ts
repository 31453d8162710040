/**
 * Where the time goes, per state, at the largest size: the pipeline's task states from its executions'
 * own history (and the orchestration between them: an execution's span minus its states), beside the
 * floor's phases doing the same work; and `lakestep query` exporting the whole cleansed table beside
 * DuckDB's own COPY of the same query on the same warehouse.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runChild } from './measure';

export interface StateRunReading {
  name: string;
  startedAt: string;
  durationMs: number | null;
}

/** Milliseconds per part of a run; `outside` is the process's time outside any execution. */
export interface Phases {
  ingest: number;
  transform: number;
  dq: number;
  promote: number;
  crawl: number;
  materialize: number;
  otherStates: number;
  between: number;
  outside: number;
}

const GROUPS: [keyof Phases, RegExp][] = [
  ['ingest', /^Ingest/],
  ['transform', /^Transform/],
  ['dq', /^Check data quality/],
  ['promote', /^Promote|^Quarantine/],
  ['crawl', /crawler/i],
  ['materialize', /^Materialize/],
];

export function pipelinePhases(executions: readonly { states: StateRunReading[] }[], wallMs: number): Phases {
  const p: Phases = {
    ingest: 0,
    transform: 0,
    dq: 0,
    promote: 0,
    crawl: 0,
    materialize: 0,
    otherStates: 0,
    between: 0,
    outside: wallMs,
  };
  for (const e of executions) {
    if (e.states.length === 0) continue;
    const start = Date.parse((e.states[0] as StateRunReading).startedAt);
    let end = start;
    let inStates = 0;
    for (const s of e.states) {
      const ms = s.durationMs ?? 0;
      inStates += ms;
      end = Math.max(end, Date.parse(s.startedAt) + ms);
      const group = GROUPS.find(([, re]) => re.test(s.name))?.[0] ?? 'otherStates';
      p[group] += ms;
    }
    p.between += Math.max(0, end - start - inStates);
    p.outside -= end - start;
  }
  return p;
}

/** The floor's phases on the same rows: its statistics work is the transform's, category_daily the MERGE's. */
export function floorPhases(
  phases: { statistics: number; categories: number; categoryDaily: number },
  wallMs: number,
): Phases {
  return {
    ingest: 0,
    transform: phases.statistics + phases.categories,
    dq: 0,
    promote: 0,
    crawl: 0,
    materialize: phases.categoryDaily,
    otherStates: 0,
    between: 0,
    outside: wallMs - phases.statistics - phases.categories - phases.categoryDaily,
  };
}

const LABELS: Record<keyof Phases, string> = {
  ingest: 'Ingest object (UTF-8 and header proof, copy to bronze)',
  transform:
    'Transform batch (lenient reading, rules, dedupe, Parquet) — floor: its statistics and categories work',
  dq: 'Check data quality',
  promote: 'Promote / quarantine batch',
  crawl: 'Crawler states (start, wait, poll)',
  materialize: 'Materialize category_daily (MERGE) — floor: category_daily once',
  otherStates: 'Other states (choices, run summary, end)',
  between: 'Orchestration between states',
  outside: 'Outside executions: Node/tsx start-up, landing (copy + hashes), run records, report',
};

const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function perStateTable(pipeline: Phases, floor: Phases): string {
  const keys = Object.keys(LABELS) as (keyof Phases)[];
  const sum = (p: Phases) => keys.reduce((n, k) => n + p[k], 0);
  return [
    '| part of the run | pipeline | floor | pipeline − floor |',
    '|---|---:|---:|---:|',
    ...keys.map(
      (k) =>
        `| ${LABELS[k]} | ${s2(pipeline[k])} | ${floor[k] ? s2(floor[k]) : '—'} | ${s2(pipeline[k] - floor[k])} |`,
    ),
    `| **whole run (wall)** | **${s2(sum(pipeline))}** | **${s2(sum(floor))}** | **${s2(sum(pipeline) - sum(floor))}** |`,
  ].join('\n');
}

export interface QueryReading {
  format: 'csv' | 'parquet';
  rows: number;
  bytes: number;
  lakestep: { wallMs: number; cpuMs: number; maxRssMb: number };
  floor: { wallMs: number; cpuMs: number; maxRssMb: number };
}

export const QUERY_ALL = 'SELECT * FROM cleansed.statistics';

/** `lakestep query QUERY_ALL --format F --out FILE` and the floor's COPY, each in a fresh process. */
export function measureQueries(lake: string, log: (s: string) => void): QueryReading[] {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-bench-query-'));
  try {
    return (['parquet', 'csv'] as const).map((format) => {
      log(`  query → ${format}…`);
      const out = join(dir, `all.${format}`);
      const q = runChild(join(ROOT, 'test', 'bench', 'cli-child.ts'), [
        'query',
        '--lake',
        lake,
        '--format',
        format,
        '--out',
        out,
        QUERY_ALL,
      ]);
      const bytes = statSync(out).size;
      const floorOut = join(dir, `floor.${format}`);
      const f = runChild(join(ROOT, 'test', 'bench', 'query-floor.ts'), [lake, format, floorOut, QUERY_ALL]);
      const rows = (JSON.parse(f.stdout.trim()) as { rows: number }).rows;
      const pick = (r: typeof q) => ({ wallMs: r.wallMs, cpuMs: r.cpuMs, maxRssMb: r.maxRssMb });
      return { format, rows, bytes, lakestep: pick(q), floor: pick(f) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const QUERY_TARGETS = { rssMb: 500, ratio: 1.5 } as const;

export function queryTable(readings: readonly QueryReading[]): string {
  const int = (n: number) => Math.round(n).toLocaleString('en');
  const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    '| export of all rows | rows | file | lakestep query wall | CPU | peak RSS | DuckDB COPY wall | CPU | peak RSS | lakestep / COPY |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...readings.map(
      (r) =>
        `| \`--format ${r.format} --out\` | ${int(r.rows)} | ${int(r.bytes / 1e6)} MB | ${s1(r.lakestep.wallMs)} | ${s1(r.lakestep.cpuMs)} | ${int(r.lakestep.maxRssMb)} MB | ${s1(r.floor.wallMs)} | ${s1(r.floor.cpuMs)} | ${int(r.floor.maxRssMb)} MB | **${(r.lakestep.wallMs / r.floor.wallMs).toFixed(2)}×** (CPU ${(r.lakestep.cpuMs / r.floor.cpuMs).toFixed(2)}×) |`,
    ),
  ].join('\n');
}
