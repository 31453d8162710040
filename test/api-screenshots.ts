/**
 * Writes the dashboard screenshot of docs/screenshots (1366×900): runs the real CA and GB data through
 * the pipeline into a temporary lake, serves it and photographs the page once its charts are drawn.
 *
 *   npx tsx test/api-screenshots.ts [OUT_DIR]     (default docs/screenshots)
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startServe } from '../local/api/server';
import { launchBrowser, VIEWPORT } from './helpers/browser';
import { runFiles, tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? join(__dirname, '..', 'docs', 'screenshots'));
  mkdirSync(outDir, { recursive: true });
  const { dir, cleanup } = tempDir('api-screenshots');
  const lake = join(dir, 'lake');
  const files = ['CA', 'GB', 'IN'].flatMap((r) => [
    join(REAL_DATA, 'json', `${r}_category_id.json`),
    join(REAL_DATA, 'csv', `${r}videos.csv`),
  ]);
  await runFiles(lake, files);
  const key = 'screenshot-key-0123456789';
  const serve = await startServe({ lake, port: 0, env: { LAKESTEP_API_KEY: key } });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { ...VIEWPORT, height: 820 } });
    await page.goto(`${serve.url}#key=${key}`);
    await page.locator('body[data-state="drawn"]').waitFor();
    const file = join(outDir, 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`wrote ${file}`);
  } finally {
    await browser.close();
    await serve.close();
    cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
