/**
 * `lakestep fetch`: a day of trending data from the YouTube Data API for each region, turned into the
 * pipeline's two files, landed under their dataset keys as `lakestep run --data` would land them, and one
 * execution run per landed object. The key comes from YOUTUBE_API_KEY and goes nowhere but the request.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkRegionCode, fetchRegions, type RegionFetch } from '../handlers/core/fetch-trending';
import { trendingDateOf } from '../handlers/core/trending-files';
import { DEFAULT_API_URL, fetchHttpGet, YouTubeApi } from '../handlers/core/youtube-api';
import type { ExecutionSummary } from '../local/execution-summary';
import { lakePaths } from '../local/lake';
import { tableCounts } from '../local/query';
import { LocalRuntime } from '../local/runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { chosenWorkflow, parse, UsageError } from './args';
import { bold, dim, red, rowsLine } from './format';
import { LiveStates, onInterrupt, type RunReport, resultLabel } from './run';

export const FETCH_USAGE = `usage: lakestep fetch --region CC [--region CC]... [--date YYYY-MM-DD] [--api-url URL] [--lake DIR] [--json]

  --region CC      an ISO 3166-1 alpha-2 region code (repeatable): its trending chart (up to 200 videos)
                   and its video categories are fetched
  --date D         the trending_date the chart is recorded under (default: today in UTC)
  --api-url URL    the API's base (default ${DEFAULT_API_URL}); tests point it at a local fake
  --lake DIR       the local lake (default ./.lakestep)
  --json           print exactly one JSON document on stdout

The API key is read from YOUTUBE_API_KEY; it is sent only to --api-url and never printed, logged or
written to the lake. Each region costs 2 to 5 quota units (1 per page of the chart, 1 for the categories).`;

export interface FetchReport extends RunReport {
  fetch: {
    region: string;
    status: RegionFetch['status'];
    date: string;
    files: string[];
    videosFetched: number;
    videosSkipped: number;
    skippedBy: Record<string, number>;
    apiCalls: number;
    quotaUnits: number;
    error: { name: string; message: string } | null;
    warnings: string[];
  }[];
}

function checkApiUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`lakestep fetch: --api-url ${raw} is not a URL (e.g. ${DEFAULT_API_URL})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`lakestep fetch: --api-url must be http(s), got ${url.protocol}`);
  if (url.search || url.hash) throw new UsageError('lakestep fetch: --api-url takes no query or fragment');
  return raw;
}

export async function fetchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      region: { type: 'string', multiple: true },
      date: { type: 'string' },
      'api-url': { type: 'string' },
      lake: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    'fetch',
  );
  if (values.help) {
    console.log(FETCH_USAGE);
    return 0;
  }
  if (positionals.length) throw new UsageError(`lakestep fetch: unexpected argument "${positionals[0]}"`);
  if (!values.region?.length)
    throw new UsageError(`lakestep fetch: name at least one --region\n\n${FETCH_USAGE}`);
  const regions: string[] = [];
  for (const r of values.region) {
    let cc: string;
    try {
      cc = checkRegionCode(r);
    } catch (e) {
      throw new UsageError(`lakestep fetch: ${(e as Error).message}`);
    }
    if (!regions.includes(cc)) regions.push(cc);
  }
  const date = values.date ?? new Date().toISOString().slice(0, 10);
  try {
    trendingDateOf(date);
  } catch (e) {
    throw new UsageError(`lakestep fetch: ${(e as Error).message}`);
  }
  const apiUrl = checkApiUrl(values['api-url'] ?? DEFAULT_API_URL);
  const apiKey = process.env.YOUTUBE_API_KEY ?? '';
  if (!apiKey.trim())
    throw new UsageError(
      'lakestep fetch: YOUTUBE_API_KEY is not set: export a YouTube Data API v3 key (Google Cloud console → APIs & Services → Credentials)',
    );
  const json = values.json === true;
  const print = json
    ? process.stderr.isTTY
      ? (s: string) => process.stderr.write(`${s}\n`)
      : () => {}
    : (s: string) => console.log(s);

  const api = new YouTubeApi({
    baseUrl: apiUrl,
    apiKey,
    http: fetchHttpGet,
    timeoutMs: Number(process.env.LAKESTEP_FETCH_TIMEOUT_MS ?? 10_000),
    backoffMs: Number(process.env.LAKESTEP_FETCH_BACKOFF_MS ?? 500),
  });
  const fetched = await fetchRegions(api, regions, date);
  for (const r of fetched) {
    const calls = `${r.apiCalls} API call${r.apiCalls === 1 ? '' : 's'}`;
    if (r.status === 'failed' || r.status === 'not_fetched')
      print(`${red(`✗ ${r.region}`)}  ${r.error?.name}: ${r.error?.message}${dim(`  (${calls})`)}`);
    else print(`${bold(`✓ ${r.region}`)}  ${r.videosFetched} videos fetched${dim(`  (${calls})`)}`);
    for (const w of r.warnings) print(dim(`    ! ${w}`));
  }

  const paths = lakePaths(values.lake);
  const staging = join(paths.tmpDir, `fetch-${process.pid}-${Date.now()}`);
  const live = new LiveStates(print);
  const runtime = await LocalRuntime.open({
    // The YouTube Data API lands the YouTube workflow's files: that workflow, in a lake of its own.
    workflow: chosenWorkflow(YOUTUBE_TRENDING.name, values.lake, 'fetch'),
    lake: values.lake,
    onEvent: (_n, e) => live.onEvent(e),
  });
  const executions: ExecutionSummary[] = [];
  const interrupt = onInterrupt(runtime, print);
  try {
    await mkdir(staging, { recursive: true });
    const files = fetched.flatMap((r) => r.files);
    for (const [i, f] of files.entries()) {
      if (interrupt.interrupted()) break;
      // Written whole before it lands: the lake only ever sees complete files.
      const path = join(staging, f.fileName);
      await writeFile(path, f.content);
      const obj = await runtime.land(path);
      print(`${bold(`[${i + 1}/${files.length}]`)} ${obj.key}`);
      live.reset();
      const summary = await runtime.execute(obj);
      executions.push(summary);
      if (summary.duplicateEvent) print(dim('    already processed (same object version): not run again'));
      const rows = rowsLine(summary);
      print(`    → ${resultLabel(summary)}${rows ? dim(`  ${rows}`) : ''}`);
    }
    const report: FetchReport = {
      lake: paths.root,
      executions: executions.map(({ duplicateEvent, ...e }) => ({
        ...e,
        duplicateEvent: duplicateEvent === true,
      })),
      tables: await tableCounts(runtime.warehouse, runtime.workflow),
      // As run's document: fetched files are written by lakestep itself, so none is skipped.
      skipped: [],
      interrupted: null,
      fetch: fetched.map((r) => ({
        region: r.region,
        status: r.status,
        date,
        files: r.files.map((f) => f.fileName),
        videosFetched: r.videosFetched,
        videosSkipped: r.videosSkipped,
        skippedBy: { ...r.skippedBy },
        apiCalls: r.apiCalls,
        quotaUnits: r.quotaUnits,
        error: r.error ? { name: r.error.name, message: r.error.message } : null,
        warnings: [...r.warnings],
      })),
    };
    if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printSummary(report);
  } finally {
    interrupt.dispose();
    runtime.close();
    await rm(staging, { recursive: true, force: true });
  }
  if (interrupt.interrupted()) return 130;
  const regionFailed = fetched.some((r) => r.status === 'failed' || r.status === 'not_fetched');
  return regionFailed || executions.some((e) => e.outcome === 'failed') ? 1 : 0;
}

function printSummary(report: FetchReport): void {
  const units = report.fetch.reduce((a, r) => a + r.quotaUnits, 0);
  const by = (s: string) => report.fetch.filter((r) => r.status === s).length;
  console.log('');
  console.log(
    bold(
      `Fetched ${by('fetched')} of ${report.fetch.length} regions (${units} quota units)` +
        (by('empty') ? `, ${by('empty')} with an empty chart` : '') +
        (by('failed') + by('not_fetched') ? `, ${by('failed') + by('not_fetched')} failed` : ''),
    ),
  );
  const outcome = (o: string) => report.executions.filter((e) => e.outcome === o).length;
  console.log(
    `  succeeded ${outcome('succeeded')}   rejected ${outcome('rejected')}   dq_failed ${outcome('dq_failed')}   failed ${outcome('failed')}`,
  );
  console.log(dim(`Lake: ${report.lake}`));
}
