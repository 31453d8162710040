/**
 * The inspector page in real headless Chromium: one graph node per ASL state, a failed run highlights
 * its failing state with the error, cause and replay command, a clicked (or keyboard-selected) state
 * shows its input and output, a running execution updates without a reload, and errors are messages.
 * Every wait is for a condition, never for a duration.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { ExecutionSummary } from '../local/execution-summary';
import { type Inspector, startInspector } from '../local/inspector/server';
import { replayAdviceFor } from '../local/replay-advice';
import { LocalRuntime } from '../local/runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { aslStateNames, lakeWithRuns, launchBrowser, openPage, sampleInputs } from './helpers/browser';
import { tempDir } from './helpers/lake';

jest.setTimeout(240_000);

const STACK = /\n\s+at .+:\d+:\d+/;
/** Evaluated in the page (the test's TypeScript has no DOM types): the graph state that has focus. */
const FOCUSED_STATE = "document.activeElement?.getAttribute('data-state') ?? null";

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? '').trim();
}

describe('inspector page in Chromium', () => {
  const { dir, cleanup } = tempDir('inspector-browser');
  const lake = join(dir, 'lake');
  let browser: Browser;
  let inspector: Inspector;
  let runs: { succeeded: ExecutionSummary; failed: ExecutionSummary };

  beforeAll(async () => {
    runs = await lakeWithRuns(lake, await sampleInputs(join(dir, 'in')));
    inspector = await startInspector({ lake, port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await inspector?.close();
    cleanup();
  });

  it('draws one graph node per ASL state and lists the executions, loading nothing from elsewhere', async () => {
    const { page, errors, requests } = await openPage(browser, inspector.url);
    const names = await aslStateNames();
    await page.locator('#graph [data-state]').first().waitFor();
    const drawn = await page
      .locator('#graph [data-state]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect([...drawn].sort()).toEqual([...names].sort());
    await page.locator(`#execution-list a[data-name="${runs.failed.name}"]`).waitFor();
    expect(await page.locator('#execution-list a').count()).toBe(2);
    await page.click('#filters [data-filter="FAILED"]');
    await page.waitForFunction("document.querySelectorAll('#execution-list a').length === 1");
    expect(await page.locator('#execution-list a').getAttribute('data-name')).toBe(runs.failed.name);
    expect(requests.every((u) => u.startsWith(inspector.url) || u.startsWith('data:'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('highlights the failing state of a failed run and shows its error, cause and replay command', async () => {
    const { page, errors } = await openPage(browser, inspector.url);
    await page.click(`#execution-list a[data-name="${runs.failed.name}"]`);
    await page.locator('#graph [data-state="Promote batch"].status-failed').waitFor();
    expect(await page.locator('#graph .status-failed').count()).toBe(1);
    await expect(
      page.locator('#graph [data-state="Check data quality"]').getAttribute('class'),
    ).resolves.toContain('status-succeeded');
    await expect(page.locator('#graph [data-state="Done"]').getAttribute('class')).resolves.toContain(
      'status-notreached',
    );
    const run = await text(page, '#panel-run');
    expect(run).toContain(runs.failed.error as string);
    expect(run).toContain(runs.failed.cause as string);
    const record = JSON.parse(
      readFileSync(join(lake, 'executions', runs.failed.name, 'execution.json'), 'utf8'),
    );
    expect(await text(page, '#panel-run .replay-command')).toBe(replayAdviceFor(record, lake)?.command);

    await page.click('#graph [data-state="Promote batch"]');
    await page.locator('#panel-state .attempts').waitFor();
    const attempts = await page.locator('#panel-state .attempts tbody tr').count();
    expect(attempts).toBe(runs.failed.states.at(-1)?.attempts);
    expect(await text(page, '#panel-state .error-name')).toBe(runs.failed.error);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the input and output of a clicked state', async () => {
    const { page, errors } = await openPage(browser, `${inspector.url}#/executions/${runs.succeeded.name}`);
    await page.locator('#graph [data-state="Check data quality"].status-succeeded').waitFor();
    await page.click('#graph [data-state="Check data quality"]');
    await page.locator('#panel-state:not([hidden]) h3').waitFor();
    expect(await text(page, '#panel-state h3')).toBe('Check data quality');
    expect(await page.locator('#graph [data-state="Check data quality"]').getAttribute('class')).toContain(
      'selected',
    );
    const blocks = page.locator('#panel-state .json-block');
    const input = await blocks
      .filter({ hasText: /^Input/ })
      .locator('pre')
      .textContent();
    const output = await blocks
      .filter({ hasText: /^Output/ })
      .locator('pre')
      .textContent();
    expect(JSON.parse(input ?? '')).toMatchObject({ ingest: { objectKey: runs.succeeded.objectKey } });
    expect(JSON.parse(output ?? '')).toMatchObject({ quality: { passed: true, rows: runs.succeeded.rows } });
    expect(page.url()).toContain('/states/Check%20data%20quality');

    await page.click('#tab-data');
    await page.locator('#panel-data .rows-chart').waitFor();
    expect(await page.locator('#panel-data .rows-chart svg').getAttribute('aria-label')).toContain(
      `${runs.succeeded.rows?.read} read`,
    );
    expect(await page.locator('#panel-data .rules tbody tr').count()).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('selects a state with the keyboard (Tab, Enter)', async () => {
    const { page, errors } = await openPage(browser, `${inspector.url}#/executions/${runs.succeeded.name}`);
    await page.locator('#graph [data-state].status-succeeded').first().waitFor();
    await page.focus('#zoom-in');
    await page.keyboard.press('Tab');
    const first = await page.evaluate<string | null>(FOCUSED_STATE);
    expect(first).not.toBeNull();
    await page.keyboard.press('Tab');
    const second = await page.evaluate<string | null>(FOCUSED_STATE);
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    await page.keyboard.press('Enter');
    await page
      .locator('#panel-state:not([hidden]) h3')
      .filter({ hasText: second as string })
      .waitFor();
    expect(await page.evaluate<string | null>(FOCUSED_STATE)).toBe(second);
    expect(await page.locator(`#graph [data-state="${second}"]`).getAttribute('class')).toContain('selected');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('updates a running execution without a reload', async () => {
    const liveLake = join(dir, 'live-lake');
    const inputs = await sampleInputs(join(dir, 'live-in'), 7);
    const liveInspector = await startInspector({ lake: liveLake, port: 0 });
    // Each Wait lasts 2 s locally: the run is RUNNING while the page watches it.
    const rt = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake: liveLake,
      waitMs: 2000,
      retryDelayMs: 1,
    });
    try {
      const { page, errors } = await openPage(browser, liveInspector.url);
      const done = rt.execute(await rt.land(inputs.statistics));
      const link = page.locator('#execution-list a.status-running');
      await link.waitFor({ timeout: 60_000 });
      await page.evaluate('window.notReloaded = true');
      await link.click();
      await page.locator('#graph [data-state].status-running').waitFor({ timeout: 60_000 });
      expect(await page.locator('#graph [data-state="Done"]').getAttribute('class')).toContain(
        'status-notreached',
      );
      await page.locator('#graph [data-state="Done"].status-succeeded').waitFor({ timeout: 120_000 });
      const summary = await done;
      expect(summary.status).toBe('SUCCEEDED');
      await page.locator(`#execution-list a[data-name="${summary.name}"].status-succeeded`).waitFor();
      expect(await page.evaluate('window.notReloaded')).toBe(true);
      expect(await page.locator('#graph .status-running').count()).toBe(0);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      rt.close();
      await liveInspector.close();
    }
  });

  describe('errors are messages on the page', () => {
    it('an empty or missing lake', async () => {
      const missing = await startInspector({
        lake: join(dir, 'no-lake'),
        port: 0,
        workflow: 'youtube-trending',
      });
      const emptyLake = join(dir, 'empty-lake');
      mkdirSync(join(emptyLake, 'executions'), { recursive: true });
      const empty = await startInspector({ lake: emptyLake, port: 0 });
      try {
        const a = await openPage(browser, missing.url);
        await a.page
          .locator('#executions-message:not([hidden])')
          .filter({ hasText: 'does not exist yet' })
          .waitFor();
        expect(await a.page.locator('#graph [data-state]').count()).toBe((await aslStateNames()).length);
        const b = await openPage(browser, empty.url);
        await b.page
          .locator('#executions-message:not([hidden])')
          .filter({ hasText: 'No executions yet' })
          .waitFor();
        for (const p of [a, b]) {
          expect(await p.page.locator('body').textContent()).not.toMatch(STACK);
          expect(p.errors).toEqual([]);
          await p.page.close();
        }
      } finally {
        await missing.close();
        await empty.close();
      }
    });

    it('a missing execution in the URL', async () => {
      const { page, errors } = await openPage(browser, `${inspector.url}#/executions/no-such-execution`);
      await page.locator('#panel-run .message-error').waitFor();
      const shown = await text(page, '#panel-run');
      expect(shown).toContain('Execution not found');
      expect(shown).toContain('No execution named "no-such-execution"');
      expect(shown).not.toMatch(STACK);
      expect(await page.locator('#graph [class*="status-"]').count()).toBe(0);
      expect(errors).toEqual([]);
      await page.close();
    });

    it('a long history: the counts of all entries and events, the latest shown', async () => {
      const longLake = join(dir, 'long-lake');
      cpSync(lake, longLake, { recursive: true });
      const name = 'long-history';
      const execDir = join(longLake, 'executions', name);
      mkdirSync(execDir);
      const record = JSON.parse(
        readFileSync(join(lake, 'executions', runs.succeeded.name, 'execution.json'), 'utf8'),
      );
      writeFileSync(join(execDir, 'execution.json'), JSON.stringify({ ...record, name }));
      const t0 = Date.parse(record.startDate);
      const lines: Record<string, unknown>[] = [{ type: 'ExecutionStarted', timestamp: t0, input: {} }];
      for (let i = 0; i < 500; i++)
        lines.push(
          { type: 'StateEntered', timestamp: t0 + 1 + 2 * i, stateName: 'Ingest object', input: { i } },
          { type: 'StateExited', timestamp: t0 + 2 + 2 * i, stateName: 'Ingest object', output: { i } },
        );
      lines.push({ type: 'ExecutionSucceeded', timestamp: t0 + 1001, output: {} });
      writeFileSync(join(execDir, 'events.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
      const long = await startInspector({ lake: longLake, port: 0 });
      try {
        const { page, errors } = await openPage(browser, `${long.url}#/executions/${name}`);
        await page.locator('#graph [data-state="Ingest object"].status-succeeded').waitFor();
        await page.click('#graph [data-state="Ingest object"]');
        await page.locator('#panel-state .entries').waitFor();
        expect(await text(page, '#panel-state .entries .muted')).toBe(
          'Entered 500 times (the latest 200 shown):',
        );
        expect(await page.locator('#panel-state .entries .chip').count()).toBe(200);
        expect(await page.locator('#panel-state .entries .chip').first().textContent()).toBe('301st');
        await page.click('#tab-events');
        await page.locator('#panel-events h3').filter({ hasText: 'Event history (1,002)' }).waitFor();
        expect(await page.locator('#panel-events li.event').count()).toBe(1002);
        expect(errors).toEqual([]);
        await page.close();
      } finally {
        await long.close();
      }
    });

    it('an unreadable events.jsonl', async () => {
      const brokenLake = join(dir, 'broken-lake');
      cpSync(lake, brokenLake, { recursive: true });
      const events = join(brokenLake, 'executions', runs.succeeded.name, 'events.jsonl');
      const lines = readFileSync(events, 'utf8').split('\n');
      lines.splice(2, 0, 'this is not JSON');
      writeFileSync(events, lines.join('\n'));
      const broken = await startInspector({ lake: brokenLake, port: 0 });
      try {
        const { page, errors } = await openPage(browser, `${broken.url}#/executions/${runs.succeeded.name}`);
        await page.locator('#problems:not([hidden])').waitFor();
        const shown = await text(page, '#problems');
        expect(shown).toContain(`The history of "${runs.succeeded.name}" is unreadable`);
        expect(shown).toContain('events.jsonl: line 3 is not valid JSON');
        expect(await page.locator('body').textContent()).not.toMatch(STACK);
        expect(errors).toEqual([]);
        await page.close();
      } finally {
        await broken.close();
      }
    });
  });
});
