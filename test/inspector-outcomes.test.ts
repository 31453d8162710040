/**
 * The inspector labels data outcomes as the CLI does (issue 14 item 7): a rejected object reads
 * "rejected", with its Step Functions status FAILED beside it, and the chips count it apart from
 * system faults ("failed" is a system fault only).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { type Inspector, startInspector } from '../local/inspector/server';
import { LocalRuntime } from '../local/runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { lakeWithRuns, launchBrowser, openPage, sampleInputs } from './helpers/browser';
import { tempDir } from './helpers/lake';

jest.setTimeout(240_000);

describe('inspector outcomes in Chromium', () => {
  const { dir, cleanup } = tempDir('inspector-outcomes');
  const lake = join(dir, 'lake');
  let browser: Browser;
  let inspector: Inspector;
  let rejected: string;

  beforeAll(async () => {
    await lakeWithRuns(lake, await sampleInputs(join(dir, 'in')));
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'not a dataset');
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, retryDelayMs: 1, waitMs: 1 });
    try {
      const run = await rt.execute(await rt.land(notes));
      expect(run.outcome).toBe('rejected');
      rejected = run.name;
    } finally {
      rt.close();
    }
    inspector = await startInspector({ lake, port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await inspector?.close();
    cleanup();
  });

  it('shows a rejected object as rejected (FAILED beside it) and counts it apart from failures', async () => {
    const { page, errors } = await openPage(browser, inspector.url);
    const item = page.locator(`#execution-list a[data-name="${rejected}"]`);
    await item.waitFor();
    expect((await item.locator('.outcome').textContent())?.replace(/\s+/g, ' ').trim()).toBe(
      'rejected FAILED',
    );
    const chip = async (f: string) =>
      (await page.locator(`#filters [data-filter="${f}"]`).textContent())?.replace(/\s+/g, ' ').trim();
    expect(await chip('FAILED')).toBe('failed1');
    expect(await chip('REJECTED')).toBe('rejected1');
    expect(await chip('DQ_FAILED')).toBe('dq_failed0');
    expect(await chip('SUCCEEDED')).toBe('succeeded1');
    await page.click('#filters [data-filter="REJECTED"]');
    await page.waitForFunction("document.querySelectorAll('#execution-list a').length === 1");
    await item.click();
    await page.locator('.execution-name').waitFor();
    expect(await page.locator('.facts .outcome').first().textContent()).toContain('rejected');
    expect(errors).toEqual([]);
    await page.close();
  });
});
