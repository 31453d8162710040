/**
 * `npm run bench` — the whole benchmark in one run: pipeline vs the plain DuckDB floor, orchestration
 * overhead, handler bundles, the cost model and the scale plan's simulations. Prints the targets table
 * and writes docs/performance.md (keeping the hand-written notes after `<!-- notes -->`) and the
 * README's performance block.
 *
 * `npm run bench -- --quick` (or LAKESTEP_BENCH_QUICK=1): small sizes, for development; it writes its
 * report to the temporary directory and leaves the docs alone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeLargeStatisticsFile } from '../../local/sample-data';
import { measureApi } from './api-latency';
import { measureBundles } from './bundles';
import { assumptionsFor, dayScenarios, FULL_DATASET } from './cost-scenarios';
import { REAL, ROOT } from './measure';
import { measureOrchestration } from './orchestration';
import { measurePaths } from './path-profiles';
import { type FloorCase, type FloorReading, measureFloor } from './pipeline-vs-floor';
import { floorTable, render, speedSections } from './report';
import { measureScale } from './scale';
import { scaleSimulations } from './scale-model';

const quick = process.argv.includes('--quick') || process.env.LAKESTEP_BENCH_QUICK === '1';
const floorOnly = process.argv.includes('--floor-only');
const SIZES = floorOnly ? [1_000_000] : quick ? [20_000, 100_000] : [100_000, 1_000_000];
// `--floor-only`: section 1 alone (pipeline vs floor, per state, query exports), for a reading of the
// speed work without the long scale runs (real data and 1M rows only); it writes its report to the temporary directory.
const SCALE_OBJECTS = quick ? 100 : 1_000;
const log = (s: string) => process.stderr.write(`${s}\n`);

function csvBytes(paths: readonly string[]): number {
  let n = 0;
  for (const p of paths) {
    const files = statSync(p).isDirectory() ? readdirSync(p).map((f) => join(p, f)) : [p];
    for (const f of files) if (f.endsWith('.csv')) n += statSync(f).size;
  }
  return n;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? 0;
  const work = mkdtempSync(join(tmpdir(), 'lakestep-bench-data-'));
  const floor: FloorReading[] = [];
  try {
    log('1. pipeline vs floor');
    const cases: FloorCase[] = [];
    if (existsSync(REAL)) {
      const paths = [join(REAL, 'csv'), join(REAL, 'json')];
      cases.push({ name: 'real data (4 CSV + 10 JSON)', paths, csvBytes: csvBytes(paths) });
    } else log(`  (no real data at ${REAL}: skipped)`);
    for (const n of SIZES) {
      const dir = join(work, String(n));
      await writeLargeStatisticsFile(join(dir, 'USvideos.csv'), n, 'US');
      cases.push({
        name: `generated, ${n.toLocaleString('en')} rows`,
        paths: [dir],
        csvBytes: csvBytes([dir]),
      });
    }
    for (const [i, c] of cases.entries())
      floor.push(await measureFloor(c, log, { queries: i === cases.length - 1 }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (floorOnly) {
    const text = `${floorTable(floor)}\n${speedSections(floor)}`;
    console.log(text);
    const file = join(tmpdir(), 'lakestep-bench-floor.md');
    writeFileSync(
      file,
      `load average ${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}\n\n${text}`,
    );
    console.log(`floor only: wrote ${file} (docs untouched)`);
    return;
  }
  log('2. orchestration');
  const orchestration = await measureOrchestration(quick ? 50 : 300);
  log('3. handler bundles');
  const bundles = await measureBundles(quick ? 3 : 7);
  log('4. cost model: one local execution per path');
  const paths = await measurePaths();
  log(`5. scale: ${SCALE_OBJECTS} objects landed at once`);
  const scale = await measureScale(SCALE_OBJECTS, 20);
  log(`6. analytics API: 50 concurrent clients on loopback (${SIZES.at(-1)?.toLocaleString('en')}-row lake)`);
  const api = await measureApi(SIZES.at(-1) ?? 100_000, log);
  log(
    `  snapshot ${api.snapshotBytes} bytes; AWS $${api.usdPerFreshRequest.toExponential(2)} per fresh request, $${api.usdPerReusedRequest.toExponential(2)} reused`,
  );
  const simulations = scaleSimulations();

  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const fullObjectBytes = FULL_DATASET.csvBytesPerDay / FULL_DATASET.regions;
  const { doc, readmeTable, summary } = render({
    date: new Date().toISOString().slice(0, 10),
    commit,
    machine,
    load: { before: loadBefore, after: loadavg()[0] ?? 0 },
    quick,
    floor,
    orchestration,
    bundles,
    paths,
    assumptionsFor: (bytes) => assumptionsFor(bytes, paths),
    fullObjectBytes,
    scenarios: dayScenarios(paths),
    scale,
    simulations,
  });
  console.log(summary);

  if (quick) {
    const file = join(tmpdir(), 'lakestep-bench-quick.md');
    writeFileSync(file, doc);
    console.log(`quick mode: wrote ${file} (docs untouched)`);
    return;
  }
  const file = join(ROOT, 'docs', 'performance.md');
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const notes = previous.includes('<!-- notes -->')
    ? previous.slice(previous.indexOf('<!-- notes -->'))
    : '<!-- notes -->\n';
  writeFileSync(file, `${doc}\n${notes}`);
  console.log(`wrote ${file}`);
  // The README shows the headline table; keep it true.
  const readme = join(ROOT, 'README.md');
  const text = readFileSync(readme, 'utf8');
  writeFileSync(
    readme,
    text.replace(
      /<!-- performance:begin -->\n[\s\S]*?<!-- performance:end -->/,
      `<!-- performance:begin -->\n${readmeTable}\n<!-- performance:end -->`,
    ),
  );
  console.log(`updated ${readme}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
