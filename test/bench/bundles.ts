/**
 * Section 3: each Lambda as deployed — bundled by esbuild with infra/pipeline-function.ts's options
 * (minify, source map, Node 24 target, CommonJS, `@aws-sdk/*` external: the runtime ships it) into a
 * temporary directory — its size, and its cold import time in a fresh Node process (median of several).
 * The SDK resolves from the project's node_modules, as it does from the Lambda runtime.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './measure';

export interface BundleReading {
  handler: string;
  bytes: number;
  mapBytes: number;
  /** Median over fresh processes of `require(bundle)`, milliseconds. */
  importMs: number;
  importRuns: number[];
  /** Median CPU time of the same `require` (steadier than wall time on a busy machine). */
  importCpuMs: number;
}

/** The handlers/ files that export `handler`: the Lambda entry points. */
export function handlerEntries(): string[] {
  const dir = join(ROOT, 'handlers');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) =>
      /export (const|async function|function) handler\b/.test(readFileSync(join(dir, f), 'utf8')),
    )
    .sort();
}

/**
 * The variables the stack gives the functions, as placeholders: a handler may read them as it loads
 * (the API's does), and an import only reads them, never calls AWS with them.
 */
const STACK_ENVIRONMENT: Record<string, string> = {
  ANALYTICS_BUCKET: 'bench-analytics',
  ANALYTICS_DATABASE: 'bench_analytics',
  API_KEY_SECRET_ID: 'bench-api-key',
  ATHENA_WORKGROUP: 'bench-workgroup',
  CURSOR_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:bench-cursor',
  FAILURES_TABLE: 'bench-failures',
  LANDING_BUCKET: 'bench-landing',
  NOTICE_TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:bench-notice',
  PAGE_TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:bench-page',
  QUARANTINE_BUCKET: 'bench-quarantine',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:111111111111:stateMachine:bench',
};

function coldImport(bundle: string): { wallMs: number; cpuMs: number } {
  const script =
    'const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();' +
    `require(${JSON.stringify(bundle)});` +
    'const c = process.cpuUsage(c0);' +
    'process.stdout.write(JSON.stringify({ wallMs: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (c.user + c.system) / 1000 }));';
  const r = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: {
      ...process.env,
      NODE_PATH: join(ROOT, 'node_modules'),
      AWS_REGION: 'us-east-1',
      POWERTOOLS_SERVICE_NAME: 'lakestep',
      POWERTOOLS_METRICS_NAMESPACE: 'lakestep-bench',
      ...STACK_ENVIRONMENT,
    },
  });
  if (r.status !== 0) throw new Error(`importing ${bundle} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

export async function measureBundles(runs: number): Promise<BundleReading[]> {
  const out = mkdtempSync(join(tmpdir(), 'lakestep-bench-bundles-'));
  try {
    const readings: BundleReading[] = [];
    for (const file of handlerEntries()) {
      const name = file.replace(/\.ts$/, '');
      const outfile = join(out, name, 'index.js');
      await build({
        entryPoints: [join(ROOT, 'handlers', file)],
        outfile,
        bundle: true,
        platform: 'node',
        target: 'node24',
        format: 'cjs',
        minify: true,
        sourcemap: true,
        external: ['@aws-sdk/*'],
        logLevel: 'error',
      });
      const imports = Array.from({ length: runs }, () => coldImport(outfile));
      const importRuns = imports.map((i) => i.wallMs);
      readings.push({
        handler: file,
        bytes: statSync(outfile).size,
        mapBytes: statSync(`${outfile}.map`).size,
        importMs: median(importRuns),
        importRuns,
        importCpuMs: median(imports.map((i) => i.cpuMs)),
      });
    }
    return readings;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
