/**
 * `lakestep run`: lands files in the local lake (or the generated sample, in a lake of its own) and
 * runs one execution of the committed ASL per landed object, as S3 uploads would trigger them on AWS.
 */

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FAULT_MODES, type Fault } from '../local/bindings';
import { mapBounded } from '../local/bounded';
import type { ExecutionSummary } from '../local/execution-summary';
import { DEFAULT_LAKE, lakePaths } from '../local/lake';
import type { LandedObject } from '../local/landing';
import {
  formatBytes,
  freeBytes,
  isNoSpace,
  type LandingInterruption,
  recordInterruption,
} from '../local/landing-interruptions';
import { tableCounts } from '../local/query';
import { defaultConcurrency, LocalRuntime } from '../local/runtime';
import { writeSample } from '../local/sample-data';
import { WORKFLOWS, workflowOfFiles } from '../workflows/project';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { chosenWorkflow, parse, UsageError, WORKFLOW_USAGE } from './args';
import { collectDataInputs, type DataInput, type SkippedEntry } from './data-inputs';
import { bold, dim, plural, red, yellow } from './format';
import { type ProgressMode, RunProgress, resultLabel, summaryCounts, tallyOf } from './run-progress';
import { didYouMean } from './suggest';

export { LiveStates } from './live-states';
export { resultLabel };

/** The built-in sample's own lake: it never shares keys or analytics with a user's data. */
export const SAMPLE_LAKE = '.lakestep-sample';

export const RUN_USAGE = `usage: lakestep run [--data PATH]... [--recursive] [--lake DIR] [--json] [--verbose] [--concurrency N]
                    [--inject-fault "STATE[:transient|:permanent|:hang]"]...

  --data PATH      a file, or a directory (repeatable); without it the built-in sample is generated
                   into ${SAMPLE_LAKE}/sample and run in the lake ${SAMPLE_LAKE}
  --recursive      read the subdirectories of a --data directory too (else they are listed as skipped)
  --lake DIR       the local lake (default ${DEFAULT_LAKE}; ${SAMPLE_LAKE} for the sample)
${WORKFLOW_USAGE}
  --json           print exactly one JSON document on stdout
  --verbose        in a terminal, every state of every execution (default: one progress bar)
  --concurrency N  run at most N executions at once (default: the number of cores)
  --inject-fault   make a state's task fail: transient fails once then succeeds, permanent (default)
                   fails every attempt, hang never answers (until a timeout, or Ctrl-C). An object
                   already processed runs again as a fresh execution, so that the fault happens.

Entries that cannot be landed (a broken symlink, a FIFO, a name that is not UTF-8 or is too long) are
reported and skipped; the others land. Ctrl-C stops the running execution: it ends ABORTED
(npx lakestep replay NAME resumes it); a second Ctrl-C exits at once.

Exit status: 0 when every object ended in a data outcome (succeeded, rejected, dq_failed) or was
already processed, 1 when an execution failed with a system fault or an entry could not be landed
(or the lake's disk is full), 2 for usage errors, 130 after Ctrl-C.`;

/** A run's execution in --json: the summary, and whether it was a duplicate event that ran nothing. */
export type RunExecution = Omit<ExecutionSummary, 'duplicateEvent'> & { duplicateEvent: boolean };

export interface RunReport {
  lake: string;
  executions: RunExecution[];
  tables: { name: string; rows: number }[];
  /** Inputs that were not landed, each with why (issue: one bad entry never stops the others). */
  skipped: (SkippedEntry | { path: string; reason: 'landing_failed'; message: string })[];
  /** Why the run stopped before landing every input, and what it did not land; null when it did not. */
  interrupted: LandingInterruption | null;
}

export function parseFault(spec: string, command = 'run'): Fault {
  const colon = spec.lastIndexOf(':');
  const suffix = colon > 0 ? spec.slice(colon + 1) : '';
  if (colon > 0 && /^[A-Za-z_-]+$/.test(suffix) && !FAULT_MODES.includes(suffix as Fault['mode']))
    throw new UsageError(
      `lakestep ${command}: --inject-fault "${spec}": unknown fault mode "${suffix}"${didYouMean(suffix, FAULT_MODES)} (modes: ${FAULT_MODES.join(', ')})`,
    );
  const m = new RegExp(`^(.+?)(?::(${FAULT_MODES.join('|')}))?$`).exec(spec);
  if (!m?.[1])
    throw new UsageError(
      `lakestep ${command}: --inject-fault "${spec}" is not STATE[:${FAULT_MODES.join('|:')}]`,
    );
  return { state: m[1], mode: (m[2] as Fault['mode']) ?? 'permanent' };
}

/** The lake the run uses: --lake, else the sample's own lake for the sample and the default for data. */
function lakeFor(lake: string | undefined, sample: boolean): string {
  return lake ?? (sample ? SAMPLE_LAKE : DEFAULT_LAKE);
}

/**
 * The sample and a user's data never share a lake: the sample's files land under the same keys as
 * the real ones (USvideos.csv) and would replace them, and its regions would mix into the analytics.
 */
function refuseMixing(root: string, sample: boolean): void {
  const sampleDir = join(root, 'sample');
  const landing = join(root, 'landing');
  const hasSample = existsSync(sampleDir);
  const hasData = existsSync(landing) && readdirSync(landing).length > 0;
  if (sample && hasData && !hasSample)
    throw new UsageError(
      `lakestep run: the lake ${root} holds your data; the built-in sample would replace objects under the same keys (e.g. raw_statistics/region=us/USvideos.csv) and mix its regions into your analytics. Run the sample in its own lake: \`lakestep run\` (lake ${SAMPLE_LAKE}) or \`lakestep run --lake OTHER_DIR\`.`,
    );
  if (!sample && hasSample)
    throw new UsageError(
      `lakestep run: the lake ${root} holds the built-in sample (${sampleDir}); your files would replace its objects and mix with its regions. Land your data in another lake: omit --lake (lake ${DEFAULT_LAKE}) or pass --lake OTHER_DIR.`,
    );
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      data: { type: 'string', multiple: true },
      recursive: { type: 'boolean', default: false },
      lake: { type: 'string' },
      workflow: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
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
  const sample = !values.data?.length;
  if (sample && values.recursive) throw new UsageError('lakestep run: --recursive reads --data directories');
  const lake = lakeFor(values.lake, sample);
  // The built-in sample is YouTube trending data; files name their workflow by the routes they match.
  const workflow = chosenWorkflow(values.workflow, lake, 'run', () =>
    sample
      ? YOUTUBE_TRENDING.name
      : // Every file under the inputs counts, as with --recursive: a directory of directories names its workflow too.
        workflowOfFiles(
          collectDataInputs(
            values.data ?? [],
            WORKFLOWS.flatMap((w) => w.datasets),
            { recursive: true },
          ).files,
        ),
  );
  const paths = lakePaths(lake);
  const faults = (values['inject-fault'] ?? []).map((f) => parseFault(f));
  refuseMixing(paths.root, sample);
  const concurrency = parseConcurrency(values.concurrency);

  // --json keeps stdout for its document; progress goes to a terminal's stderr, or nowhere.
  const sink = json ? process.stderr : process.stdout;
  const mode: ProgressMode | null =
    json && !process.stderr.isTTY ? null : !sink.isTTY || json ? 'lines' : values.verbose ? 'verbose' : 'bar';
  const write = mode ? (s: string) => void sink.write(s) : () => {};
  const say = (s: string) => write(`${s}\n`);

  let inputs: DataInput[];
  let skipped: RunReport['skipped'];
  if (sample) {
    const dir = join(paths.root, 'sample');
    const files = (await writeSample(dir)).sort();
    inputs = collectDataInputs(files, workflow.datasets).files;
    skipped = [];
    say(dim(`Generated the built-in sample (YouTube trending, ${files.length} files) in ${dir}`));
  } else
    ({ files: inputs, skipped } = collectDataInputs(values.data ?? [], workflow.datasets, {
      recursive: values.recursive,
    }));
  for (const s of skipped) warn(json, `skipped ${s.path}: ${s.message}`);
  if (inputs.length === 0)
    throw new UsageError(
      `lakestep run: no files to land${skipped.length ? ` (${plural(skipped.length, 'entry', 'entries')} skipped, above)` : ''}`,
    );

  const progress = new RunProgress({
    mode: mode ?? 'lines',
    total: inputs.length,
    write,
    columns: sink.columns,
  });
  const atOnce = Math.min(concurrency ?? defaultConcurrency(), inputs.length);
  const runtime = await LocalRuntime.open({
    workflow,
    lake,
    faults,
    onEvent: (name, e) => progress.onEvent(name, e),
  });
  try {
    checkFaults(runtime, faults, 'run');
  } catch (e) {
    runtime.close();
    throw e;
  }
  progress.startTicking();
  const executions: ExecutionSummary[] = [];
  let interrupted: LandingInterruption | null = null;
  const t0 = Date.now();
  const interrupt = onInterrupt(runtime, (s) => progress.print(s));
  try {
    // At most `atOnce` executions at once; one object key per input (two inputs of one key are refused
    // above), so no two executions of a key ever race. Once one stops the run, no further file starts.
    const started = new Set<number>();
    // Started but not landed (the disk filled while several landed at once): reported, never lost.
    const unlanded = new Set<number>();
    const notStarted = () => inputs.filter((_, j) => !started.has(j)).map((x) => x.path);
    const notLanded = () => inputs.filter((_, j) => unlanded.has(j) || !started.has(j)).map((x) => x.path);
    const byIndex: (ExecutionSummary | undefined)[] = [];
    await mapBounded(
      inputs,
      atOnce,
      async (input, i) => {
        started.add(i);
        let obj: LandedObject;
        progress.landing(input.path);
        try {
          obj = await runtime.land(input.path);
        } catch (e) {
          if (isNoSpace(e)) {
            unlanded.add(i);
            interrupted ??= stopped('no_space', noSpaceMessage(paths.root, input, e), input.path, []);
            return;
          }
          const entry = {
            path: input.path,
            reason: 'landing_failed' as const,
            message: (e as Error).message,
          };
          skipped.push(entry);
          progress.print(red(`✗ could not land ${input.path}: ${entry.message}`));
          return;
        } finally {
          progress.landing(null);
        }
        let summary: ExecutionSummary;
        try {
          summary = await runtime.execute(obj);
          if (summary.duplicateEvent && faults.length) {
            // A fault was asked for: an object that would not run again must not pass silently.
            progress.print(
              dim(
                `${obj.key}: already processed; --inject-fault given, so it runs again as a fresh execution`,
              ),
            );
            summary = await runtime.rerun(obj.key);
          }
        } catch (e) {
          const reason = isNoSpace(e) ? 'no_space' : 'runtime_error';
          const message =
            reason === 'no_space'
              ? noSpaceMessage(paths.root, input, e)
              : `lakestep itself failed while running ${obj.key}: ${(e as Error).message}`;
          interrupted ??= stopped(reason, message, input.path, []);
          return;
        }
        byIndex[i] = summary;
        progress.finish(summary);
      },
      () => interrupted !== null || interrupt.interrupted(),
    );
    executions.push(...byIndex.filter((x): x is ExecutionSummary => x !== undefined));
    // (Set inside the pool's callbacks, which TypeScript's narrowing does not follow.)
    const stoppedBy = interrupted as LandingInterruption | null;
    if (stoppedBy) interrupted = { ...stoppedBy, notLanded: notLanded() };
    else if (interrupt.interrupted() && notStarted().length)
      interrupted = stopped(
        'interrupted',
        `Stopped by ${interrupt.signal()} before landing these files`,
        null,
        notStarted(),
      );
  } finally {
    progress.close();
    interrupt.dispose();
  }
  try {
    if (interrupted && !recordInterruption(paths.root, interrupted))
      interrupted = {
        ...interrupted,
        message: `${interrupted.message} (could not record this in the lake either)`,
      };
    const report: RunReport = {
      lake: paths.root,
      executions: executions.map(({ duplicateEvent, ...e }) => ({
        ...e,
        duplicateEvent: duplicateEvent === true,
      })),
      tables: await tableCounts(runtime.warehouse, workflow).catch(() => []),
      skipped,
      interrupted,
    };
    if (interrupted && interrupted.reason !== 'interrupted') warn(json, red(interrupted.message));
    if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else
      printSummary(
        report,
        Date.now() - t0,
        lake,
        progress.counted(),
        workflow.materializations[0]?.table ?? '',
      );
  } finally {
    runtime.close();
  }
  if (interrupt.interrupted()) return 130;
  const landingFailed = skipped.some((s) => s.reason !== 'subdirectory');
  return interrupted || landingFailed || executions.some((e) => tallyOf(e) === 'failed') ? 1 : 0;
}

function stopped(
  reason: LandingInterruption['reason'],
  message: string,
  file: string | null,
  notLanded: string[],
): LandingInterruption {
  return { at: new Date().toISOString(), reason, message, file, notLanded };
}

/** A full disk is the lake's, not the source's: name the lake, its free space and what to do. */
function noSpaceMessage(root: string, input: DataInput, e: unknown): string {
  const free = freeBytes(root);
  return `The lake at ${root} is out of space (${(e as { code?: string }).code ?? 'ENOSPC'}) while landing ${input.path} as ${input.key}${free === null ? '' : `: ${formatBytes(free)} free on its filesystem`}. Free space there (or pass --lake DIR on a larger disk), then run the same command again: what landed is kept, and landing it again is not run twice.`;
}

/** Lines about inputs go to stderr with --json (stdout holds the document), else to stdout. */
function warn(json: boolean, line: string): void {
  if (json) process.stderr.write(`lakestep run: ${line}\n`);
  else console.log(yellow(line));
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
  const known = runtime.taskStates();
  for (const f of faults)
    if (!known.includes(f.state))
      throw new UsageError(
        `lakestep ${command}: --inject-fault names no task state "${f.state}"${didYouMean(f.state, known)} (tasks: ${known.join(', ')})`,
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
): { interrupted: () => boolean; signal: () => string; dispose: () => void } {
  let signals = 0;
  let first = '';
  const handler = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(130);
    first = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    const name = runtime.abort(`Interrupted (${first}) while running`);
    print(
      name
        ? dim(
            `    ■ ${signal}: stopping ${name} once ${name.includes(', ') ? 'their running tasks return' : 'its running task returns'} (again to exit at once)`,
          )
        : dim(`    ■ ${signal}: stopping`),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    interrupted: () => signals > 0,
    signal: () => first,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

function printSummary(
  report: RunReport,
  elapsedMs: number,
  lake: string,
  counts: ReturnType<RunProgress['counted']>,
  firstTable: string,
): void {
  const lakeArg = lake === DEFAULT_LAKE ? '' : ` --lake ${lake}`;
  const ran = report.executions.filter((e) => !e.duplicateEvent).length;
  console.log('');
  console.log(
    bold(
      `Ran ${plural(ran, 'execution')} in ${(elapsedMs / 1000).toFixed(1)} s${counts.duplicate ? ` (${plural(counts.duplicate, 'object')} already processed)` : ''}`,
    ),
  );
  console.log(`  ${summaryCounts(counts)}`);
  const unresolved = report.executions.filter((e) => tallyOf(e) === 'failed' || tallyOf(e) === 'aborted');
  for (const e of unresolved)
    console.log(`  ✗ ${e.objectKey}: ${resultLabel(e)} — resume it: npx lakestep replay ${e.name}${lakeArg}`);
  const bad = report.skipped.filter((s) => s.reason !== 'subdirectory');
  if (bad.length) console.log(red(`  ${plural(bad.length, 'entry', 'entries')} not landed (listed above)`));
  const subdirs = report.skipped.filter((s) => s.reason === 'subdirectory');
  if (subdirs.length)
    console.log(
      yellow(
        `  ${plural(subdirs.length, 'subdirectory', 'subdirectories')} skipped (${subdirs.map((s) => s.path).join(', ')}): pass --recursive to include them`,
      ),
    );
  if (report.interrupted) {
    const n = report.interrupted.notLanded.length;
    console.log(
      red(
        `  Stopped before landing ${plural(n, 'file')}${n ? `: ${report.interrupted.notLanded.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''}` : ''} — run the same command again to land ${n === 1 ? 'it' : 'them'}`,
      ),
    );
  }
  console.log(bold('Tables'));
  for (const t of report.tables)
    console.log(`  ${t.name.padEnd(28)} ${String(t.rows).padStart(9)} ${t.rows === 1 ? 'row' : 'rows'}`);
  console.log(dim(`Lake: ${report.lake}  (executions in ${join(report.lake, 'executions')})`));
  if (unresolved.length)
    console.log(
      dim(`Next: npx lakestep status${lakeArg}   (then npx lakestep replay --failed${lakeArg} after a fix)`),
    );
  else
    console.log(dim(`Next: npx lakestep query${lakeArg} "SELECT * FROM analytics.${firstTable} LIMIT 10"`));
}
