/**
 * Helpers for the inspector's tests: small lakes with real executions in them, and Debian's Chromium
 * driven through playwright-core (never a downloaded browser).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { ExecutionSummary } from '../../local/execution-summary';
import { LocalRuntime } from '../../local/runtime';
import { writeSample } from '../../local/sample-data';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';

export const CHROMIUM = process.env.LAKESTEP_CHROMIUM ?? '/usr/bin/chromium';
export const VIEWPORT = { width: 1366, height: 900 };

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium), as .ci/run does, or set LAKESTEP_CHROMIUM`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface WatchedPage {
  page: Page;
  /** Uncaught page errors and console errors, to assert the page stayed healthy. */
  errors: string[];
  /** Every URL the page requested: all must be the inspector's own. */
  requests: string[];
}

export async function openPage(browser: Browser, url: string): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  return { page, errors, requests };
}

/** Small sample inputs (one region, few rows): a category JSON and a statistics CSV. */
export async function sampleInputs(
  dir: string,
  seed = 42,
): Promise<{ categories: string; statistics: string }> {
  const files = await writeSample(dir, {
    seed,
    rowsPerRegion: 40,
    regions: ['US'],
    includeBadObjects: false,
  });
  const categories = files.find((f) => f.endsWith('_category_id.json'));
  const statistics = files.find((f) => f.endsWith('videos.csv'));
  if (!categories || !statistics) throw new Error(`writeSample wrote no US inputs in ${dir}`);
  return { categories, statistics };
}

/**
 * A lake with one succeeded execution (the statistics CSV: every data panel filled) and one that failed
 * with a system fault at `failAt` (the category JSON, a permanent injected fault: retries, then FAILED).
 */
export async function lakeWithRuns(
  lake: string,
  inputs: { categories: string; statistics: string },
  failAt = 'Promote batch',
): Promise<{ succeeded: ExecutionSummary; failed: ExecutionSummary }> {
  const ok = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, retryDelayMs: 1, waitMs: 1 });
  let succeeded: ExecutionSummary;
  try {
    succeeded = await ok.execute(await ok.land(inputs.statistics));
  } finally {
    ok.close();
  }
  const bad = await LocalRuntime.open({
    workflow: YOUTUBE_TRENDING,
    lake,
    faults: [{ state: failAt, mode: 'permanent' }],
    retryDelayMs: 1,
    waitMs: 1,
  });
  let failed: ExecutionSummary;
  try {
    failed = await bad.execute(await bad.land(inputs.categories));
  } finally {
    bad.close();
  }
  if (succeeded.status !== 'SUCCEEDED' || failed.status !== 'FAILED')
    throw new Error(`Unexpected run outcomes: ${succeeded.status} and ${failed.status}`);
  return { succeeded, failed };
}

/** Every state of the committed ASL, nested Map/Parallel states included. */
export async function aslStateNames(file = join(__dirname, '..', '..', 'asl', 'youtube-trending.asl.json')) {
  const names: string[] = [];
  const walk = (machine: { States?: Record<string, Record<string, unknown>> } | undefined) => {
    for (const [name, state] of Object.entries(machine?.States ?? {})) {
      names.push(name);
      walk((state.ItemProcessor ?? state.Iterator) as never);
      for (const b of (state.Branches as never[] | undefined) ?? []) walk(b);
    }
  };
  walk(JSON.parse(await readFile(file, 'utf8')));
  return names;
}
