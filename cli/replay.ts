/**
 * `lakestep replay`: redrives unsuccessful local executions as Step Functions redrive does (from the
 * state that did not succeed, keeping what succeeded), by name or in bulk (`--failed` with filters),
 * with a plan first, a progress bar, and a summary. `--aws` goes to cli/replay-aws.ts.
 */
import { resolve } from 'node:path';
import type { ExecutionSummary } from '../local/execution-summary';
import { lakePaths } from '../local/lake';
import { RedriveRefused } from '../local/redrive-check';
import { redriveCommandFor } from '../local/replay-advice';
import {
  parseDuration,
  type ReplayCandidate,
  type ReplaySelection,
  selectFailed,
  selectNamed,
} from '../local/replay-plan';
import { LocalRuntime } from '../local/runtime';
import { chosenWorkflow, parse, UsageError, WORKFLOW_USAGE } from './args';
import { bold, dim, failedState, green, red, stateLine, yellow } from './format';
import { replayAwsCommand } from './replay-aws';
import { checkFaults, LiveStates, onInterrupt, parseFault, resultLabel } from './run';

export const REPLAY_USAGE = `usage: lakestep replay EXECUTION... [--lake DIR] [--json]
       lakestep replay --failed [--since 30m|24h|7d] [--state NAME] [--error NAME] [--dry-run] [--lake DIR] [--json]
       (both forms also take --inject-fault "STATE[:transient|:permanent|:hang]", to rehearse a replay that fails)
       lakestep replay --aws ...        (the deployed state machine: see docs/replay-aws.md)

Redrives FAILED, TIMED_OUT and ABORTED executions as Step Functions redrive does: the same execution
resumes at the state that did not succeed, with the input it had; states that succeeded keep their
results and do not run again. Data outcomes (ObjectRejected, DataQualityFailed) are not redriven: fix
the data or the rules, then \`lakestep rerun --object KEY\`.

  --failed     every object's latest unsuccessful execution (narrowed by the filters below)
  --since D    only those that stopped within the last D (minutes m, hours h, days d)
  --state S    only those that stopped at state S
  --error E    only those that failed with error E (e.g. States.Timeout, Lambda.ServiceException)
  --dry-run    list what would be replayed and what skipped, and stop
  --lake DIR   the local lake (default ./.lakestep)
${WORKFLOW_USAGE}
  --json       print exactly one JSON document on stdout (progress goes to stderr)

Exit status: 0 when every replayed execution succeeded (and, by name, none was skipped), 1 otherwise.`;

export interface ReplayReportEntry {
  name: string;
  objectKey: string;
  status: string;
  error: string | null;
  stoppedAt: string;
  action: 'redrive' | 'skip';
  resumeAt?: string;
  skip?: { reason: string; message: string; advice: string | null };
  result?: {
    status: string;
    outcome: string;
    error: string | null;
    cause: string | null;
    redriveCount: number;
    failedAt: string | null;
  };
}

export interface ReplayReport {
  lake: string;
  dryRun: boolean;
  filters: { failed: boolean; since: string | null; state: string | null; error: string | null };
  executions: ReplayReportEntry[];
  summary: {
    replayed: number;
    succeeded: number;
    failedAgain: number;
    /** Planned but not replayed: refused after the plan, or an error of the runtime (see each entry). */
    notReplayed: number;
    skipped: number;
    superseded: number;
  };
}

export async function replayCommand(argv: string[]): Promise<number> {
  if (argv.includes('--aws')) return replayAwsCommand(argv.filter((a) => a !== '--aws'));
  const { values, positionals } = parse(
    argv,
    {
      failed: { type: 'boolean', default: false },
      since: { type: 'string' },
      state: { type: 'string' },
      error: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      lake: { type: 'string' },
      workflow: { type: 'string' },
      json: { type: 'boolean', default: false },
      'inject-fault': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    'replay',
  );
  if (values.help) {
    console.log(REPLAY_USAGE);
    return 0;
  }
  const bulk = values.failed === true;
  if (bulk && positionals.length)
    throw new UsageError('lakestep replay: give execution names or --failed, not both');
  if (!bulk && !positionals.length)
    throw new UsageError(
      `lakestep replay: name the executions to replay, or use --failed\n\n${REPLAY_USAGE}`,
    );
  if (!bulk && (values.since || values.state || values.error))
    throw new UsageError('lakestep replay: --since, --state and --error narrow --failed; add --failed');
  let since: Date | undefined;
  if (values.since !== undefined) {
    const ms = parseDuration(values.since);
    if (ms === null)
      throw new UsageError(`lakestep replay: --since ${values.since} is not a duration like 30m, 24h or 7d`);
    since = new Date(Date.now() - ms);
  }
  const json = values.json === true;
  const dryRun = values['dry-run'] === true;
  const out = json ? () => {} : (s: string) => console.log(s);
  const paths = lakePaths(values.lake);

  const live = new LiveStates(out);
  const faults = (values['inject-fault'] ?? []).map((f) => parseFault(f, 'replay'));
  const runtime = await LocalRuntime.open({
    workflow: chosenWorkflow(values.workflow, values.lake, 'replay'),
    lake: values.lake,
    // A dry run only reads: it must work on a read-only lake and leave it as it was.
    readOnly: dryRun,
    faults,
    onEvent: bulk ? undefined : (_n, e) => live.onEvent(e),
  });
  const interrupt = onInterrupt(runtime, (s) => process.stderr.write(`${s}\n`));
  try {
    checkFaults(runtime, faults, 'replay');
    if (values.state !== undefined && !runtime.stateNames().includes(values.state))
      throw new UsageError(
        `lakestep replay: --state names no state "${values.state}" (states: ${runtime.stateNames().join(', ')})`,
      );
    const selection = bulk
      ? await selectFailed(runtime, { since, state: values.state, error: values.error })
      : // A name given twice is one execution: redriving it twice would run a second attempt after the first.
        await selectNamed(runtime, [...new Set(positionals)]);
    const report: ReplayReport = {
      lake: resolve(paths.root),
      dryRun,
      filters: {
        failed: bulk,
        since: values.since ?? null,
        state: values.state ?? null,
        error: values.error ?? null,
      },
      executions: selection.candidates.map(entryFor),
      summary: {
        replayed: 0,
        succeeded: 0,
        failedAgain: 0,
        notReplayed: 0,
        skipped: 0,
        superseded: selection.superseded,
      },
    };
    report.summary.skipped = report.executions.filter((e) => e.action === 'skip').length;
    if (bulk || dryRun) printPlan(out, selection, dryRun);
    else
      for (const c of selection.candidates.filter((x) => x.skip)) {
        out(`${yellow('–')} ${c.skip?.message}`);
        if (c.skip?.advice) out(dim(`    ${c.skip.advice}`));
      }

    if (!dryRun) {
      const todo = selection.candidates.filter((c) => c.action === 'redrive');
      const progress = new Progress(todo.length, bulk);
      for (const [i, c] of todo.entries()) {
        if (interrupt.interrupted()) break;
        progress.start(i, c.record.name);
        if (!bulk) out(`${bold(`Replaying ${c.record.name}`)} ${dim(`from "${c.resumeAt}"`)}`);
        live.reset();
        const entry = report.executions.find((e) => e.name === c.record.name) as ReplayReportEntry;
        let summary: ExecutionSummary;
        try {
          summary = await runtime.redrive(c.record.name);
        } catch (e) {
          // One execution that cannot be replayed (refused after the plan, or an error of the runtime)
          // is reported with its reason; the others are still replayed and the summary still printed.
          const error = e instanceof RedriveRefused ? `RedriveRefused.${e.code}` : (e as Error).name;
          const advice = e instanceof RedriveRefused ? e.advice : null;
          // What the store says now: a runtime error after the redrive began ends it FAILED, counted.
          const now = await runtime.store.get(c.record.name).catch(() => null);
          entry.result = {
            status: 'NOT_REPLAYED',
            outcome: 'error',
            error,
            cause: (e as Error).message,
            redriveCount: now?.redriveCount ?? c.record.redriveCount,
            failedAt: null,
          };
          if (advice) entry.skip = { reason: error, message: (e as Error).message, advice };
          report.summary.notReplayed++;
          progress.error(i, c.record.name, error);
          if (!bulk) {
            out(`    ${red('✗')} not replayed: ${(e as Error).message}`);
            if (advice) out(dim(`      ${advice}`));
          }
          continue;
        }
        const redriveCount = (await runtime.store.get(summary.name))?.redriveCount ?? 0;
        entry.result = resultOf(summary, redriveCount);
        report.summary.replayed++;
        if (summary.status === 'SUCCEEDED') report.summary.succeeded++;
        else report.summary.failedAgain++;
        progress.done(i, c.record.name, summary);
        if (!bulk) {
          // States that succeeded were printed as they finished; one that failed is known only at the end.
          for (const s of summary.states.filter(
            (x) => x.status !== 'SUCCEEDED' && x.redrive === redriveCount,
          ))
            out(stateLine(s));
          out(`    → ${resultLabel(summary)}`);
          if (summary.status !== 'SUCCEEDED') {
            if (summary.cause) out(dim(`      ${summary.cause}`));
            out(dim(`      after a fix: ${redriveCommandFor(summary.name, values.lake)}`));
          }
        }
      }
      progress.end();
      if (bulk || selection.candidates.length > 1) printSummary(out, report, values.lake);
    }
    if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (interrupt.interrupted()) return 130;
    if (report.summary.failedAgain > 0 || report.summary.notReplayed > 0) return 1;
    // By name, an execution that could not be replayed is a failure to do what was asked.
    if (!bulk && report.summary.skipped > 0) return 1;
    return 0;
  } finally {
    interrupt.dispose();
    runtime.close();
  }
}

function entryFor(c: ReplayCandidate): ReplayReportEntry {
  return {
    name: c.record.name,
    objectKey: c.record.objectKey,
    status: c.record.status,
    error: c.record.error,
    stoppedAt: c.stoppedAt,
    action: c.action,
    ...(c.resumeAt ? { resumeAt: c.resumeAt } : {}),
    ...(c.skip ? { skip: { reason: c.skip.code, message: c.skip.message, advice: c.skip.advice } } : {}),
  };
}

function resultOf(s: ExecutionSummary, redriveCount: number): NonNullable<ReplayReportEntry['result']> {
  return {
    status: s.status,
    outcome: s.outcome,
    error: s.error,
    cause: s.cause,
    redriveCount,
    failedAt: s.status === 'SUCCEEDED' ? null : failedState(s),
  };
}

function printPlan(out: (s: string) => void, selection: ReplaySelection, dryRun: boolean): void {
  const { candidates, superseded } = selection;
  const redrive = candidates.filter((c) => c.action === 'redrive').length;
  if (candidates.length === 0) {
    out('No unsuccessful executions match.');
  } else {
    out(
      bold(
        `${dryRun ? 'Would replay' : 'Replaying'} ${redrive} of ${candidates.length} execution${candidates.length === 1 ? '' : 's'}`,
      ),
    );
    for (const c of candidates) {
      const what = `${c.record.status} at "${c.stoppedAt}"${c.record.error ? ` (${c.record.error})` : ''}`;
      if (c.action === 'redrive')
        out(`  ${green('↻')} ${c.record.name}  ${dim(what)}  → resume at "${c.resumeAt}"`);
      else {
        out(`  ${yellow('–')} ${c.record.name}  ${dim(what)}  skipped: ${c.skip?.message}`);
        if (c.skip?.advice) out(dim(`      ${c.skip.advice}`));
      }
    }
  }
  if (superseded)
    out(
      dim(
        `(${superseded} older unsuccessful execution${superseded === 1 ? ' is' : 's are'} superseded by a later execution of the same object and not considered)`,
      ),
    );
  if (dryRun) out(dim('Dry run: nothing was replayed.'));
  else if (redrive === 0 && candidates.length) out(dim('Nothing to replay.'));
}

function printSummary(out: (s: string) => void, report: ReplayReport, lake: string | undefined): void {
  const s = report.summary;
  if (report.executions.length === 0) return;
  out('');
  out(
    bold(
      `Replayed ${s.replayed}: succeeded ${s.succeeded}, failed again ${s.failedAgain}; skipped ${s.skipped}${s.notReplayed ? `; not replayed ${s.notReplayed}` : ''}`,
    ),
  );
  for (const e of report.executions) {
    if (e.result?.status === 'NOT_REPLAYED')
      out(`  ${red('✗')} ${e.name}: not replayed (${e.result.error}): ${e.result.cause}`);
    else if (e.result && e.result.status !== 'SUCCEEDED')
      out(
        `  ${red('✗')} ${e.name}: ${e.result.status} again at "${e.result.failedAt}" (${e.result.error ?? 'no error'}) — after a fix: ${redriveCommandFor(e.name, lake)}`,
      );
    else if (e.skip)
      out(
        `  ${yellow('–')} ${e.name}: skipped (${e.skip.reason})${e.skip.advice ? ` — ${e.skip.advice}` : ''}`,
      );
  }
}

/** A progress bar on a terminal's stderr; plain lines elsewhere (CI logs, pipes). */
class Progress {
  private readonly tty = process.stderr.isTTY === true;
  constructor(
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}

  private bar(done: number): string {
    const width = 24;
    const filled = this.total ? Math.round((done / this.total) * width) : width;
    return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${this.total}`;
  }

  start(i: number, name: string): void {
    if (!this.enabled || !this.tty) return;
    process.stderr.write(`\r\x1b[2K${this.bar(i)}  ${name}`);
  }

  done(i: number, name: string, s: ExecutionSummary): void {
    if (!this.enabled) return;
    const label = s.status === 'SUCCEEDED' ? 'succeeded' : `${s.status} at "${failedState(s)}"`;
    if (this.tty) process.stderr.write(`\r\x1b[2K${this.bar(i + 1)}  ${name} → ${label}`);
    else process.stderr.write(`[${i + 1}/${this.total}] ${name} → ${label}\n`);
  }

  error(i: number, name: string, error: string): void {
    if (!this.enabled) return;
    if (this.tty) process.stderr.write(`\r\x1b[2K${this.bar(i + 1)}  ${name} → not replayed (${error})`);
    else process.stderr.write(`[${i + 1}/${this.total}] ${name} → not replayed (${error})\n`);
  }

  end(): void {
    if (this.enabled && this.tty && this.total) process.stderr.write('\n');
  }
}
