/**
 * `npm run bench`: the first performance reading of `lakestep run` — wall time, rows/s and peak RSS on
 * the real data and on generated data — written to docs/performance.md with the machine, date and commit.
 * Each case runs in a fresh process so that peak RSS is its own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { writeLargeStatisticsFile } from '../../local/sample-data';

const ROOT = resolve(__dirname, '..', '..');
const REAL = resolve(ROOT, '..', 'shared', 'data', 'youtube-trending');

interface Reading {
  name: string;
  wallMs: number;
  rows: number;
  maxRssMb: number;
  outcomes: Record<string, number>;
}

function runOnce(name: string, paths: string[]): Reading {
  const lake = mkdtempSync(join(tmpdir(), 'lakestep-bench-lake-'));
  try {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'run-once.ts'), lake, ...paths],
      {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { name, ...JSON.parse(out.trim().split('\n').at(-1) as string) };
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = (process.env.LAKESTEP_BENCH_ROWS ?? '100000,1000000').split(',').map(Number);
  const work = mkdtempSync(join(tmpdir(), 'lakestep-bench-data-'));
  const readings: Reading[] = [];
  try {
    if (existsSync(REAL))
      readings.push(runOnce('real data (4 CSV + 10 JSON)', [join(REAL, 'csv'), join(REAL, 'json')]));
    for (const n of sizes) {
      const dir = join(work, String(n));
      await writeLargeStatisticsFile(join(dir, 'USvideos.csv'), n, 'US');
      readings.push(runOnce(`generated, ${n.toLocaleString('en')} rows (1 object)`, [dir]));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const lines = readings.map(
    (r) =>
      `| ${r.name} | ${(r.wallMs / 1000).toFixed(1)} s | ${Math.round(r.rows / (r.wallMs / 1000)).toLocaleString('en')} | ${Math.round(r.maxRssMb)} MB |`,
  );
  const table = ['| case | wall time | rows/s | peak RSS |', '|---|---:|---:|---:|', ...lines].join('\n');
  console.log(table);
  const doc = `# Performance

Measured by \`npm run bench\` (test/bench/first-reading.ts): \`lakestep run\`'s pipeline in a fresh process per
case, wall time from opening the lake to the last execution's end, peak RSS of that process (DuckDB included).

- Date: ${new Date().toISOString().slice(0, 10)}
- Commit: ${commit}
- Machine: ${machine}

${table}

What the time goes to, and what is next, is in the section below (kept by hand).
`;
  const file = join(ROOT, 'docs', 'performance.md');
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const notes = previous.includes('<!-- notes -->')
    ? previous.slice(previous.indexOf('<!-- notes -->'))
    : '<!-- notes -->\n';
  writeFileSync(file, `${doc}\n${notes}`);
  console.log(`wrote ${file}`);
  // The README shows the same table; keep it true.
  const readme = join(ROOT, 'README.md');
  const text = readFileSync(readme, 'utf8');
  writeFileSync(
    readme,
    text.replace(
      /<!-- performance:begin -->\n[\s\S]*?<!-- performance:end -->/,
      `<!-- performance:begin -->\n${table}\n<!-- performance:end -->`,
    ),
  );
  console.log(`updated ${readme}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
