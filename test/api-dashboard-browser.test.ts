/**
 * The dashboard page of `lakestep serve` in real headless Chromium, over a lake the pipeline built from
 * the real data: the four charts are drawn with the API's numbers, a range change redraws them, it is
 * usable from the keyboard, API errors are shown as messages, and nothing is loaded from elsewhere.
 * Every wait is for a condition, never for a duration.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type Serve, startServe } from '../local/api/server';
import { launchBrowser, openPage } from './helpers/browser';
import { query, runFiles, tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

jest.setTimeout(240_000);

const KEY = 'dashboard-key-0123456789';
const FILES = ['CA', 'GB'].flatMap((r) => [
  join(REAL_DATA, 'json', `${r}_category_id.json`),
  join(REAL_DATA, 'csv', `${r}videos.csv`),
]);

/** Evaluated in the page: a chart's labels and datasets, as chart.js holds them. */
const chartData = (id: string) =>
  `(() => { const c = Chart.getChart(document.getElementById('${id}')); return c ? { labels: c.data.labels, datasets: c.data.datasets.map((d) => ({ label: d.label, data: d.data })) } : null; })()`;

interface Drawn {
  labels: string[];
  datasets: { label: string; data: number[] }[];
}

/**
 * Waits until an expression is true in the page. page.waitForFunction would evaluate a string with
 * eval, which the page's CSP (script-src 'self') rightly refuses; page.evaluate goes through the
 * debugger protocol instead.
 */
async function until(page: Page, expression: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${expression}`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

async function drawn(page: Page): Promise<void> {
  await until(page, "document.body.dataset.state === 'drawn' || document.body.dataset.state === 'error'");
}

describe('dashboard page in Chromium', () => {
  const { dir, cleanup } = tempDir('api-dashboard');
  const lake = join(dir, 'lake');
  let browser: Browser;
  let serve: Serve;

  beforeAll(async () => {
    await runFiles(lake, FILES);
    serve = await startServe({ lake, port: 0, env: { LAKESTEP_API_KEY: KEY } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.close();
    cleanup();
  });

  it('draws the four charts with the real data, loading nothing from elsewhere', async () => {
    const { page, errors, requests } = await openPage(browser, `${serve.url}#key=${KEY}`);
    await drawn(page);
    expect(await page.evaluate('document.body.dataset.state')).toBe('drawn');
    expect(page.url()).not.toContain(KEY); // the key leaves the address bar
    const region = await page.inputValue('#region');
    expect(region).toBe('ca');

    const daily = (await page.evaluate(chartData('chart-daily'))) as Drawn;
    const days = await query(
      lake,
      "SELECT strftime(trending_date, '%Y-%m-%d') AS d FROM analytics.category_daily WHERE region = 'ca' GROUP BY 1 ORDER BY 1",
    );
    expect(daily.labels).toEqual(days.map((r) => r.d));
    const ent = daily.datasets.find((d) => d.label === 'Entertainment');
    const entRows = await query(
      lake,
      "SELECT sum(\"views\")::BIGINT AS v FROM analytics.category_daily WHERE region = 'ca' AND category_title = 'Entertainment' GROUP BY trending_date ORDER BY trending_date",
    );
    expect(ent?.data).toEqual(entRows.map((r) => r.v));

    const top = (await page.evaluate(chartData('chart-top'))) as Drawn;
    const topRows = await query(
      lake,
      'SELECT max(category_title) AS t, sum("views")::BIGINT AS v FROM analytics.category_daily WHERE region = \'ca\' GROUP BY category_id ORDER BY v DESC, category_id LIMIT 10',
    );
    expect(top.labels).toEqual(topRows.map((r) => r.t));
    expect(top.datasets[0]?.data).toEqual(topRows.map((r) => r.v));

    const regions = (await page.evaluate(chartData('chart-regions'))) as Drawn;
    expect(regions.labels).toEqual(['CA', 'GB']);
    const perRegion = await query(
      lake,
      'SELECT sum("views")::BIGINT AS v FROM analytics.category_daily GROUP BY region ORDER BY region',
    );
    expect(regions.datasets[0]?.data).toEqual(perRegion.map((r) => r.v));

    const health = (await page.evaluate(chartData('chart-health'))) as Drawn;
    expect(health.labels.length).toBeGreaterThan(0);
    expect(
      health.datasets.find((d) => d.label === 'rows read')?.data.reduce((a, b) => a + b, 0),
    ).toBeGreaterThan(0);

    expect(requests.every((u) => u.startsWith(serve.url))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('redraws when the range changes, from the keyboard', async () => {
    const { page, errors } = await openPage(browser, `${serve.url}#key=${KEY}`);
    await drawn(page);
    const before = (await page.evaluate(chartData('chart-daily'))) as Drawn;
    expect(before.labels.length).toBe(4);
    await page.focus('#from');
    await page.fill('#from', '2017-11-15');
    await page.fill('#to', '2017-11-16');
    await page.focus('#to');
    await page.keyboard.press('Enter'); // submits the form: no mouse needed
    await until(
      page,
      "Chart.getChart(document.getElementById('chart-daily')).data.labels.join() === '2017-11-15,2017-11-16'",
    );
    await drawn(page);
    const top = (await page.evaluate(chartData('chart-top'))) as Drawn;
    const expected = await query(
      lake,
      "SELECT sum(\"views\")::BIGINT AS v FROM analytics.category_daily WHERE region = 'ca' AND trending_date BETWEEN DATE '2017-11-15' AND DATE '2017-11-16' GROUP BY category_id ORDER BY v DESC, category_id LIMIT 10",
    );
    expect(top.datasets[0]?.data).toEqual(expected.map((r) => r.v));
    // Region by keyboard: the select changes and the charts follow.
    await page.focus('#region');
    await page.keyboard.press('ArrowDown');
    await until(page, "document.getElementById('region').value === 'gb'");
    await until(
      page,
      "Chart.getChart(document.getElementById('chart-daily')).data.labels[0] === '2017-11-14' && document.body.dataset.state === 'drawn'",
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows API errors as messages: a range that ends before it starts, and a wrong key', async () => {
    const { page } = await openPage(browser, `${serve.url}#key=${KEY}`);
    await drawn(page);
    await page.fill('#from', '2017-11-16');
    await page.fill('#to', '2017-11-15');
    await page.click('#apply');
    await until(page, "document.body.dataset.state === 'error'");
    expect(await page.textContent('#message')).toMatch(/"from" must not be after "to" \(HTTP 400\)/);
    expect(await page.isVisible('#message')).toBe(true);
    await page.close();

    const wrong = await openPage(browser, `${serve.url}#key=not-the-key`);
    await until(wrong.page, "document.body.dataset.state === 'error'");
    expect(await wrong.page.textContent('#message')).toMatch(/API key .* not valid \(HTTP 401\)/);
    expect(await wrong.page.isVisible('#key-form')).toBe(true);
    // The key form recovers it, from the keyboard.
    await wrong.page.focus('#key');
    await wrong.page.keyboard.type(KEY);
    await wrong.page.keyboard.press('Enter');
    await drawn(wrong.page);
    expect(await wrong.page.evaluate('document.body.dataset.state')).toBe('drawn');
    expect(await wrong.page.isVisible('#message')).toBe(false);
    await wrong.page.close();
  });
});
