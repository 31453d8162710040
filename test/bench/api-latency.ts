/**
 * The local API under load: builds a lake from one generated statistics file (1M rows; 100k with
 * --quick) through the real pipeline, starts `lakestep serve` in its own process, and drives the two
 * main routes with autocannon — 50 concurrent clients on loopback, a bounded number of requests each
 * route. Prints p50/p99 latency and requests/s, plus the snapshot size (what one Athena query scans
 * at most) and the cost per request on AWS.
 *
 *   npx tsx test/bench/api-latency.ts [--quick]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { snapshotFile } from '../../local/api/snapshot';
import { lakePaths } from '../../local/lake';
import { LocalRuntime } from '../../local/runtime';
import { writeLargeStatisticsFile } from '../../local/sample-data';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';
import { costPerApiRequest } from './api-cost';
import { total } from './cost-model';
import { ROOT } from './measure';

export interface RouteReading {
  route: string;
  requests: number;
  errors: number;
  non2xx: number;
  p50Ms: number;
  p99Ms: number;
  requestsPerSecond: number;
}

export interface ApiReading {
  rows: number;
  categoryDailyRows: number;
  snapshotBytes: number;
  routes: RouteReading[];
  usdPerFreshRequest: number;
  usdPerReusedRequest: number;
}

const KEY = 'bench-key-0123456789abcdef';
const CONNECTIONS = 50;

function startServe(lake: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'cli', 'bin.js'), 'serve', '--lake', lake, '--port', '0'],
    {
      env: { ...process.env, LAKESTEP_API_KEY: KEY },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout?.on('data', (b) => {
      out += b;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m?.[1]) ok({ url: m[1], child });
    });
    child.on('exit', (code) => fail(new Error(`lakestep serve exited ${code}: ${out}`)));
  });
}

async function drive(url: string, amount: number): Promise<RouteReading> {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    amount,
    headers: { 'x-api-key': KEY },
    timeout: 10,
  });
  return {
    route: new URL(url).pathname + new URL(url).search,
    requests: r.requests.total,
    errors: r.errors,
    non2xx: r.non2xx,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requestsPerSecond: Math.round(r.requests.average),
  };
}

export async function measureApi(rows: number, log: (s: string) => void): Promise<ApiReading> {
  const work = mkdtempSync(join(tmpdir(), 'lakestep-bench-api-'));
  const lake = join(work, 'lake');
  let child: ChildProcess | undefined;
  try {
    const file = join(work, 'in', 'USvideos.csv');
    await writeLargeStatisticsFile(file, rows, 'US');
    log(`  building a ${rows.toLocaleString('en')}-row lake through the pipeline`);
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake });
    try {
      const run = await rt.execute(await rt.land(file));
      if (run.status !== 'SUCCEEDED') throw new Error(`the bench lake's run ended ${run.status}`);
    } finally {
      rt.close();
    }
    const served = await startServe(lake);
    child = served.child;
    const base = served.url;
    const count = await fetch(`${base}v1/regions`, { headers: { 'x-api-key': KEY } }).then(
      (r) => r.json() as Promise<{ items: { rows: number }[] }>,
    );
    const amount = rows >= 1_000_000 ? 10_000 : 3_000;
    const routes: RouteReading[] = [];
    for (const path of [
      'v1/category-daily?region=us&limit=100',
      'v1/category-daily?region=us&from=2018-01-01&to=2018-03-31&limit=100',
      'v1/top-categories?region=us',
      'v1/top-categories?region=us&from=2018-01-01&to=2018-03-31&metric=likes',
    ]) {
      await drive(`${base}${path}`, 500); // warm-up
      const r = await drive(`${base}${path}`, amount);
      log(
        `  ${r.route}: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.requestsPerSecond} req/s (${r.non2xx} non-2xx)`,
      );
      routes.push(r);
    }
    const snapshotBytes = statSync(snapshotFile(lakePaths(lake), 'category_daily')).size;
    const assumptions = { bytesScanned: snapshotBytes, lambdaMemoryMb: 512, lambdaSeconds: 1.5 };
    return {
      rows,
      categoryDailyRows: count.items.reduce((n, r) => n + r.rows, 0),
      snapshotBytes,
      routes,
      usdPerFreshRequest: total(costPerApiRequest({ ...assumptions, reusedShare: 0 })),
      usdPerReusedRequest: total(costPerApiRequest({ ...assumptions, reusedShare: 1 })),
    };
  } finally {
    child?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  measureApi(quick ? 100_000 : 1_000_000, (s) => process.stderr.write(`${s}\n`))
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
