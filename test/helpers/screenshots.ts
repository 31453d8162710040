/**
 * Writes the inspector screenshots of docs/screenshots (1366×900): runs the built-in sample into a
 * temporary lake (one statistics file with a permanent fault at the Athena step, so one run fails with
 * a system fault after its retries), serves the inspector and photographs its key views.
 *
 *   npx tsx test/helpers/screenshots.ts [OUT_DIR]     (default docs/screenshots)
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import type { ExecutionSummary } from '../../local/execution-summary';
import { startInspector } from '../../local/inspector/server';
import { LocalRuntime } from '../../local/runtime';
import { writeSample } from '../../local/sample-data';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';
import { launchBrowser, VIEWPORT } from './browser';

const FAULTY_FILE = 'GBvideos.csv';
const FAULT_STATE = 'Materialize category_daily';

async function runSample(lake: string, inputs: string): Promise<ExecutionSummary[]> {
  const files = await writeSample(inputs);
  const out: ExecutionSummary[] = [];
  for (const file of files) {
    const faulty = basename(file) === FAULTY_FILE;
    const rt = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake,
      retryDelayMs: 1,
      waitMs: 1,
      faults: faulty ? [{ state: FAULT_STATE, mode: 'permanent' }] : [],
    });
    try {
      out.push(await rt.execute(await rt.land(file)));
    } finally {
      rt.close();
    }
  }
  return out;
}

async function settle(page: Page): Promise<void> {
  await page.evaluate('document.fonts.ready');
  await page.waitForLoadState('networkidle').catch(() => undefined);
}

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? join(__dirname, '..', '..', 'docs', 'screenshots'));
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'lakestep-screenshots-'));
  const lake = join(work, 'lake');
  const runs = await runSample(lake, join(work, 'in'));
  const failed = runs.find((r) => r.status === 'FAILED' && r.outcome === 'failed');
  const succeeded = runs.find((r) => r.status === 'SUCCEEDED' && r.dataset === 'statistics');
  if (!failed || !succeeded)
    throw new Error('The sample did not produce a system-fault failure and a success');

  const inspector = await startInspector({ lake, port: 0 });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const shoot = async (file: string) => {
      await settle(page);
      await page.screenshot({ path: join(outDir, file) });
      console.log(`wrote ${join(outDir, file)}`);
    };

    await page.goto(`${inspector.url}#/executions/${succeeded.name}`);
    await page.locator('#graph [data-state="Done"].status-succeeded').waitFor();
    await shoot('inspector-executions-and-graph.png');

    await page.goto(`${inspector.url}#/executions/${failed.name}/states/${encodeURIComponent(FAULT_STATE)}`);
    await page.locator(`#graph [data-state="${FAULT_STATE}"].status-failed.selected`).waitFor();
    await page.locator('#panel-state .attempts').waitFor();
    await shoot('inspector-failed-state.png');

    await page.goto(`${inspector.url}#/executions/${succeeded.name}`);
    await page.locator('#graph [data-state="Done"].status-succeeded').waitFor();
    await page.click('#tab-data');
    await page.locator('#panel-data .rows-chart').waitFor();
    await shoot('inspector-data-panel.png');
  } finally {
    await browser.close();
    await inspector.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`screenshots: ${(e as Error).message}`);
  process.exitCode = 1;
});
