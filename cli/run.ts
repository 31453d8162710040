/**
 * `lakestep run`: lands files in the local lake (or the generated sample) and runs one execution of
 * the committed ASL per landed object, as S3 uploads would trigger them on AWS.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FAULT_MODES, type Fault } from '../local/bindings';
import type { StoredEvent } from '../local/execution-store';
import { lakePaths } from '../local/lake';
import { tableCounts } from '../local/query';
import { defaultConcurrency, type ExecutionSummary, LocalRuntime } from '../local/runtime';
import { writeSample } from '../local/sample-data';
import { parse, UsageError } from './args';
import { bold, dim, failedState, outcomeLabel, red, rowsLine, stateLine } from './format';

export const RUN_USAGE = `usage: lakestep run [--data PATH]... [--lake DIR] [--json] [--concurrency N] [--inject-fault "STATE[:transient|:permanent|:hang]"]...

  --data PATH      a file, or a directory read non-recursively (repeatable); without it the built-in
                   sample is generated into <lake>/sample and run
  --lake DIR       the local lake (default ./.lakestep)
  --json           print exactly one JSON document on stdout
  --concurrency N  run at most N executions at once (default: the number of cores)
  --inject-fault   make a state's task fail: transient fails once then succeeds, permanent (default)
                   fails every attempt, hang never answers (until a timeout, or Ctrl-C)

Ctrl-C stops the running execution: it ends ABORTED (npx lakestep replay NAME resumes it); a second
Ctrl-C exits at once.`;

export interface RunReport {
  lake: string;
  executions: Omit<ExecutionSummary, 'duplicateEvent'>[];
  tables: { name: string; rows: number }[];
}

export function filesFrom(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs)) throw new UsageError(`lakestep run: --data ${p} does not exist`);
    if (statSync(abs).isDirectory()) {
      const entries = readdirSync(abs)
        .sort()
        .map((f) => join(abs, f))
        .filter((f) => statSync(f).isFile());
      files.push(...entries);
    } else files.push(abs);
  }
  return files;
}

export function parseFault(spec: string, command = 'run'): Fault {
  const m = new RegExp(`^(.+?)(?::(${FAULT_MODES.join('|')}))?$`).exec(spec);
  if (!m?.[1])
    throw new UsageError(
      `lakestep ${command}: --inject-fault "${spec}" is not STATE[:${FAULT_MODES.join('|:')}]`,
    );
  return { state: m[1], mode: (m[2] as Fault['mode']) ?? 'permanent' };
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      data: { type: 'string', multiple: true },
      lake: { type: 'string' },
      json: { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      'inject-fault': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    'run',
  );
  if (values.help) {
    console.log(RUN_USAGE);
    return 0;
  }
  if (positionals.length)
    throw new UsageError(`lakestep run: unexpected argument "${positionals[0]}" (files go after --data)`);
  const json = values.json === true;
  const paths = lakePaths(values.lake);
  const faults = (values['inject-fault'] ?? []).map((f) => parseFault(f));
  const concurrency = parseConcurrency(values.concurrency);
  const progress = json
    ? process.stderr.isTTY
      ? (s: string) => process.stderr.write(`${s}\n`)
      : () => {}
    : (s: string) => console.log(s);

  let files: string[];
  if (values.data?.length) files = filesFrom(values.data);
  else {
    const dir = join(paths.root, 'sample');
    files = (await writeSample(dir)).sort();
    progress(dim(`Generated the built-in sample (YouTube trending, ${files.length} files) in ${dir}`));
  }
  if (files.length === 0) throw new UsageError('lakestep run: no files to land');

  const live = new LiveStates(progress);
  const atOnce = Math.min(concurrency ?? defaultConcurrency(), files.length);
  const runtime = await LocalRuntime.open({
    lake: values.lake,
    faults,
    // Live state lines only when one execution runs at a time: several would interleave unnamed.
    onEvent: (_name, e) => {
      if (atOnce === 1) live.onEvent(e);
    },
  });
  try {
    checkFaults(runtime, faults, 'run');
  } catch (e) {
    runtime.close();
    throw e;
  }
  const executions: ExecutionSummary[] = [];
  const t0 = Date.now();
  const interrupt = onInterrupt(runtime, progress);
  try {
    let done = 0;
    const report1 = (summary: ExecutionSummary) => {
      done++;
      progress(`${bold(`[${done}/${files.length}]`)} ${summary.objectKey}`);
      if (summary.duplicateEvent) progress(dim('    already processed (same object version): not run again'));
      // States that succeeded were printed as they finished; a state that failed is known only at the end.
      else for (const s of summary.states.filter((x) => x.status !== 'SUCCEEDED')) progress(stateLine(s));
      const rows = rowsLine(summary);
      progress(`    → ${resultLabel(summary)}${rows ? dim(`  ${rows}`) : ''}`);
      if (summary.outcome !== 'succeeded' && summary.cause) progress(dim(`      ${summary.cause}`));
    };
    const byFile: ExecutionSummary[] = [];
    await runtime
      .runAll(
        files,
        concurrency,
        () => interrupt.interrupted(),
        (summary, i) => {
          byFile[i] = summary;
          report1(summary);
        },
      )
      .finally(() => executions.push(...byFile.filter(Boolean)));
    const report: RunReport = {
      lake: paths.root,
      executions: executions.map(({ duplicateEvent: _d, ...e }) => e),
      tables: await tableCounts(runtime.warehouse),
    };
    if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printSummary(report, Date.now() - t0);
  } finally {
    interrupt.dispose();
    runtime.close();
  }
  if (interrupt.interrupted()) return 130;
  return executions.some((e) => e.outcome === 'failed') ? 1 : 0;
}

/** `--concurrency N`: a whole number ≥ 1; absent, the runtime's default (the core count). */
export function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value))
    throw new UsageError(`lakestep run: --concurrency ${value} is not a whole number of executions ≥ 1`);
  return Number(value);
}

/** A usage error when a fault names no task state of the definition. */
export function checkFaults(runtime: LocalRuntime, faults: readonly Fault[], command: string): void {
  const known = new Set(runtime.taskStates());
  for (const f of faults)
    if (!known.has(f.state))
      throw new UsageError(
        `lakestep ${command}: --inject-fault names no task state "${f.state}" (tasks: ${[...known].join(', ')})`,
      );
}

/**
 * Ctrl-C (or SIGTERM) while executions run: the first stops the running execution, which ends ABORTED
 * once its running task has returned (replayable: `lakestep replay NAME`), and no further one starts;
 * a second exits at once (the record then says RUNNING, and is read as ABORTED once the process is gone).
 */
export function onInterrupt(
  runtime: LocalRuntime,
  print: (line: string) => void,
): { interrupted: () => boolean; dispose: () => void } {
  let signals = 0;
  const handler = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(130);
    const name = runtime.abort(`Interrupted (${signal === 'SIGINT' ? 'Ctrl-C' : signal}) while running`);
    print(
      name
        ? dim(`    ■ ${signal}: stopping ${name} once its running task returns (again to exit at once)`)
        : dim(`    ■ ${signal}: stopping`),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    interrupted: () => signals > 0,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** The outcome of an execution in a few words; a timeout or an abort says so rather than FAILED. */
export function resultLabel(e: ExecutionSummary): string {
  if (e.status === 'TIMED_OUT' || e.status === 'ABORTED')
    return red(`${e.status} at "${failedState(e)}"${e.error ? ` with ${e.error}` : ''}`);
  return outcomeLabel(e);
}

/** Prints each state as it finishes, while the execution runs. */
export class LiveStates {
  private entered = new Map<string, { t0: number; attempts: number; lastError?: string }>();
  constructor(private readonly print: (line: string) => void) {}

  reset(): void {
    this.entered.clear();
  }

  onEvent(e: StoredEvent): void {
    const name = e.stateName as string | undefined;
    if (!name) return;
    if (e.type === 'StateEntered') this.entered.set(name, { t0: e.timestamp, attempts: 1 });
    const cur = this.entered.get(name);
    if (!cur) return;
    if (e.type === 'StateFailed') cur.lastError = String(e.error ?? 'error');
    if (e.type === 'StateRetried') {
      cur.attempts++;
      this.print(dim(`      ↻ ${name}: ${cur.lastError ?? 'error'}, retrying (attempt ${cur.attempts})`));
    }
    if (e.type === 'StateExited' && e.stateType !== 'Fail')
      this.print(
        stateLine({
          name,
          status: 'SUCCEEDED',
          attempts: cur.attempts,
          startedAt: '',
          durationMs: e.timestamp - cur.t0,
        }),
      );
  }
}

function printSummary(report: RunReport, elapsedMs: number): void {
  const by = (o: string) => report.executions.filter((e) => e.outcome === o).length;
  console.log('');
  console.log(bold(`Ran ${report.executions.length} executions in ${(elapsedMs / 1000).toFixed(1)} s`));
  console.log(
    `  succeeded ${by('succeeded')}   rejected ${by('rejected')}   dq_failed ${by('dq_failed')}   failed ${by('failed')}`,
  );
  for (const e of report.executions.filter((x) => x.outcome === 'failed'))
    console.log(`  ✗ ${e.objectKey}: failed at "${failedState(e)}" (${e.error}) — execution ${e.name}`);
  console.log(bold('Tables'));
  for (const t of report.tables) console.log(`  ${t.name.padEnd(28)} ${String(t.rows).padStart(9)} rows`);
  console.log(dim(`Lake: ${report.lake}  (executions in ${join(report.lake, 'executions')})`));
  console.log(
    dim(`Next: npx lakestep query --lake ${report.lake} "SELECT * FROM analytics.category_daily LIMIT 10"`),
  );
}
