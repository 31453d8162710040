/**
 * `lakestep replay --aws`: redrive failed Step Functions executions of the deployed pipeline — named
 * ones, or every failure matching filters (--failed) — restart what cannot be redriven (--restart),
 * list first and ask before touching many. The AWS logic is handlers/aws/sfn-replay.ts; this file
 * reads flags, talks to the terminal and prints (human or --json).
 */
import { createInterface } from 'node:readline/promises';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DEFAULT_BACKOFF, isThrottling, realSleep } from '../handlers/aws/pacing';
import { executionArnOf, parseExecutionArn, parseStateMachineArn } from '../handlers/aws/sfn-arn';
import {
  assertStandardStateMachine,
  type FailedFilters,
  inspectAll,
  listFailedExecutions,
  matchesFilters,
  type Outcome,
  outcomeWithoutCalls,
  type PlanOptions,
  REDRIVE_WINDOW_DAYS,
  type ReplayContext,
  ReplayError,
  type ReplayItem,
  replayAll,
} from '../handlers/aws/sfn-replay';
import { WORKFLOWS } from '../workflows/project';
import { parse, UsageError } from './args';
import { bold, dim, green, red, table, yellow } from './format';

/** Above this many executions to redrive or restart, ask first (or require --yes). */
export const CONFIRM_ABOVE = 10;

export const USAGE = `usage: lakestep replay --aws [options] <executionArn>...
       lakestep replay --aws --failed [--since 24h] [--state NAME] [--error NAME] [options]

Redrive failed executions of the deployed state machine (Step Functions RedriveExecution): each
resumes at the state that failed, keeping what the states before it did.

  <executionArn>           one or more executions (a bare execution name works with the state machine set)
  --failed                 every FAILED, TIMED_OUT or ABORTED execution matching the filters below
  --since DURATION|DATE    stopped within this time (30m, 24h, 7d, 2w) or since an ISO date (default ${REDRIVE_WINDOW_DAYS}d,
                           the redrive window)
  --state NAME             failed in this state (as the console names it, e.g. "Transform batch")
  --error NAME             ended with this error (e.g. States.Timeout, Lake.Unavailable)
  --state-machine-arn ARN  the state machine (default: $LAKESTEP_STATE_MACHINE_ARN, or the executions' own)
  --restart                start executions that cannot be redriven afresh, with their input and a
                           deterministic name (<name>-restart-<n>): running it twice starts nothing twice
  --dry-run                list what would be replayed, change nothing
  --yes, -y                do not ask before replaying more than ${CONFIRM_ABOVE} executions
  --concurrency N          calls in flight at once (default 5; throttled calls back off and retry)
  --json                   one JSON document on stdout instead of the human report

Data outcomes (ObjectRejected, DataQualityFailed) are never redriven: the workflow ended there on
purpose. Fix the data and upload a corrected file. Exit: 0 all replayed, 1 some not, 2 usage error.`;

const DEFAULT_CONCURRENCY = 5;
const MAX_CONCURRENCY = 50;

export interface ReplayAwsIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Progress lines are drawn only on a terminal. */
  readonly errIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly confirm: (question: string) => Promise<boolean>;
  readonly clientFor: (region: string) => SFNClient;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly now: () => Date;
}

/** The command's client: credentials, and AWS_ENDPOINT_URL if set, from the SDK's usual chain. */
export const sdkClientFor = (region: string) =>
  // One retry policy, ours (pacing.ts): the SDK's own retries would multiply its attempts.
  new SFNClient({ region, maxAttempts: 1 });

function processIo(): ReplayAwsIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    errIsTTY: Boolean(process.stderr.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    env: process.env,
    confirm: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(question)).trim());
      } finally {
        rl.close();
      }
    },
    clientFor: sdkClientFor,
    sleep: realSleep,
    random: Math.random,
    now: () => new Date(),
  };
}

export async function replayAwsCommand(argv: string[]): Promise<number> {
  return runReplayAws(argv, processIo());
}

const OPTIONS = {
  failed: { type: 'boolean' },
  since: { type: 'string' },
  state: { type: 'string' },
  error: { type: 'string' },
  'state-machine-arn': { type: 'string' },
  restart: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  concurrency: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const UNITS_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** "24h" before now, or an ISO date. */
export function parseSince(value: string, now: Date): Date {
  const m = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (m) return new Date(now.getTime() - Number(m[1]) * (UNITS_MS[m[2] ?? ''] ?? 0));
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new UsageError(
    `lakestep replay --aws: --since "${value}" is neither a duration (30m, 24h, 7d, 2w) nor an ISO date (2024-05-01 or 2024-05-01T12:00:00Z)`,
  );
}

interface Target {
  readonly mode: 'executions' | 'failed';
  readonly region: string;
  readonly stateMachineArn: string | null;
  readonly executionArns: readonly string[];
}

function resolveTarget(
  positionals: readonly string[],
  failed: boolean,
  flagArn: string | undefined,
  envArn: string | undefined,
): Target {
  const cmd = 'lakestep replay --aws';
  const machineArn = flagArn ?? envArn;
  const machine = machineArn ? parseStateMachineArn(machineArn) : null;
  if (machineArn && !machine)
    throw new UsageError(
      `${cmd}: ${flagArn ? '--state-machine-arn' : 'LAKESTEP_STATE_MACHINE_ARN'} "${machineArn}" is not a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)`,
    );
  if (failed) {
    if (positionals.length > 0)
      throw new UsageError(`${cmd}: give either execution ARNs or --failed, not both`);
    if (!machine || !machineArn)
      throw new UsageError(
        `${cmd} --failed: which state machine? Pass --state-machine-arn ARN or set LAKESTEP_STATE_MACHINE_ARN (the stack's StateMachineArn output)`,
      );
    return { mode: 'failed', region: machine.region, stateMachineArn: machineArn, executionArns: [] };
  }
  if (positionals.length === 0)
    throw new UsageError(`${cmd}: name the execution(s) to replay, or pass --failed\n\n${USAGE}`);
  const arns: string[] = [];
  const regions = new Set<string>();
  for (const p of positionals) {
    if (!p.startsWith('arn:')) {
      if (!machine)
        throw new UsageError(
          `${cmd}: "${p}" is not an execution ARN; a bare execution name needs --state-machine-arn or LAKESTEP_STATE_MACHINE_ARN`,
        );
      if (!/^[A-Za-z0-9_.-]{1,80}$/.test(p))
        throw new UsageError(`${cmd}: "${p}" is neither an execution ARN nor an execution name`);
      arns.push(executionArnOf(machine, p));
      regions.add(machine.region);
      continue;
    }
    const ref = parseExecutionArn(p);
    if (!ref)
      throw new UsageError(
        `${cmd}: "${p}" is not an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`,
      );
    if (ref.kind === 'express')
      throw new UsageError(
        `${cmd}: ${p} is an Express execution: Step Functions cannot redrive Express executions. Start the work again instead (for lakestep: land the object again).`,
      );
    if (flagArn && machine && (ref.name !== machine.name || ref.region !== machine.region))
      throw new UsageError(`${cmd}: ${p} is not an execution of --state-machine-arn ${flagArn}`);
    arns.push(p);
    regions.add(ref.region);
  }
  if (regions.size > 1)
    throw new UsageError(
      `${cmd}: the executions are in several regions (${[...regions].join(', ')}); replay one region at a time`,
    );
  return {
    mode: 'executions',
    region: [...regions][0] ?? '',
    stateMachineArn: flagArn ?? null,
    executionArns: [...new Set(arns)],
  };
}

function parseConcurrency(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY)
    throw new UsageError(
      `lakestep replay --aws: --concurrency "${value}" must be a whole number from 1 to ${MAX_CONCURRENCY}`,
    );
  return n;
}

const STATE_NAMES = new Set(WORKFLOWS.flatMap((w) => w.steps.map((s) => s.stateName)));

/** A progress line on stderr, redrawn in place; nothing when stderr is not a terminal. */
function progress(io: ReplayAwsIo, label: string) {
  let drawn = false;
  return {
    update(done: number, total: number, note = '') {
      if (!io.errIsTTY) return;
      const width = 24;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      io.err(
        `\r\x1b[2K${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total}${note}`,
      );
      drawn = true;
    },
    /** For work of unknown size: a running count. */
    count(done: number) {
      if (!io.errIsTTY) return;
      io.err(`\r\x1b[2K${label}… ${done}`);
      drawn = true;
    },
    end() {
      if (drawn) io.err('\r\x1b[2K');
    },
  };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null);

function actionLabel(item: ReplayItem): string {
  const p = item.plan;
  switch (p.action) {
    case 'redrive':
      return 'redrive';
    case 'restart':
      return 'restart';
    case 'skip':
      return `skip (${p.reason})`;
    case 'error':
      return 'cannot read';
  }
}

/** Why an execution is not simply redriven, and what to do about it. */
function noteFor(item: ReplayItem): string {
  const name = item.candidate?.name ?? item.executionArn;
  const p = item.plan;
  switch (p.action) {
    case 'restart':
      return `${yellow('↻')} ${name}: ${p.because}; restart as ${p.name}`;
    case 'skip':
      return `${yellow('–')} ${name}: ${p.advice}`;
    case 'error':
      return `${red('✗')} ${p.message}`;
    case 'redrive':
      return `${name}: redrive`;
  }
}

function outcomeLine(item: ReplayItem): string {
  const name = item.candidate?.name ?? item.executionArn;
  const o = item.outcome;
  if (!o) return `  ? ${name}`;
  switch (o.kind) {
    case 'redriven':
      return `  ${green('✓')} ${name}: redriven, resumes at ${item.candidate?.failedState ? `"${item.candidate.failedState}"` : 'the failed state'}`;
    case 'restarted':
      return `  ${green('✓')} ${name}: restarted as ${o.name}`;
    case 'already-restarted':
      return `  ${green('=')} ${name}: restarted before as ${o.name}${o.status ? ` (${o.status})` : ''}; nothing new started`;
    case 'skipped':
      return `  ${yellow('–')} ${name}: skipped (${o.reason}, see above)`;
    case 'failed':
      return `  ${red('✗')} ${o.message}`;
  }
}

interface Summary {
  matched: number;
  redriven: number;
  restarted: number;
  alreadyRestarted: number;
  failed: number;
  skipped: number;
  skippedByReason: Record<string, number>;
}

function summarize(items: readonly ReplayItem[], dryRun: boolean): Summary {
  const s: Summary = {
    matched: items.length,
    redriven: 0,
    restarted: 0,
    alreadyRestarted: 0,
    failed: 0,
    skipped: 0,
    skippedByReason: {},
  };
  for (const item of items) {
    // In a dry run the plan stands for the outcome.
    const kind: Outcome['kind'] | 'none' = item.outcome?.kind ?? (dryRun ? planKind(item) : 'none');
    if (kind === 'redriven') s.redriven++;
    else if (kind === 'restarted') s.restarted++;
    else if (kind === 'already-restarted') s.alreadyRestarted++;
    else if (kind === 'failed') s.failed++;
    else if (kind === 'skipped') {
      s.skipped++;
      const reason =
        item.outcome?.kind === 'skipped'
          ? item.outcome.reason
          : item.plan.action === 'skip'
            ? item.plan.reason
            : 'other';
      s.skippedByReason[reason] = (s.skippedByReason[reason] ?? 0) + 1;
    }
  }
  return s;
}

function planKind(item: ReplayItem): Outcome['kind'] {
  switch (item.plan.action) {
    case 'redrive':
      return 'redriven';
    case 'restart':
      return 'restarted';
    case 'skip':
      return 'skipped';
    case 'error':
      return 'failed';
  }
}

function itemJson(item: ReplayItem) {
  const c = item.candidate;
  const p = item.plan;
  return {
    executionArn: item.executionArn,
    name: c?.name ?? null,
    status: c?.status ?? null,
    stopDate: iso(c?.stopDate),
    redriveCount: c?.redriveCount ?? null,
    redriveStatus: c?.redriveStatus ?? null,
    failedState: c?.failedState ?? null,
    error: c?.error ?? null,
    objectKey: c?.objectKey ?? null,
    action: p.action,
    restartName: p.action === 'restart' ? p.name : null,
    reason: p.action === 'skip' ? p.reason : null,
    advice: p.action === 'skip' ? p.advice : p.action === 'error' ? p.message : null,
    outcome: item.outcome,
  };
}

export async function runReplayAws(argv: string[], io: ReplayAwsIo): Promise<number> {
  try {
    return await replay(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

async function replay(argv: string[], io: ReplayAwsIo): Promise<number> {
  const { values: v, positionals } = parse(argv, OPTIONS, 'replay --aws');
  if (v.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const failedMode = Boolean(v.failed);
  if (!failedMode)
    for (const flag of ['since', 'state', 'error'] as const)
      if (v[flag] !== undefined)
        throw new UsageError(
          `lakestep replay --aws: --${flag} filters --failed; it does not apply to named executions`,
        );
  const target = resolveTarget(
    positionals,
    failedMode,
    v['state-machine-arn'],
    io.env.LAKESTEP_STATE_MACHINE_ARN,
  );
  const concurrency = parseConcurrency(v.concurrency);
  const since = failedMode ? parseSince(v.since ?? `${REDRIVE_WINDOW_DAYS}d`, io.now()) : null;
  const filters: FailedFilters = { state: v.state, error: v.error };
  const json = Boolean(v.json);
  const dryRun = Boolean(v['dry-run']);
  const options: PlanOptions = { restart: Boolean(v.restart), named: target.mode === 'executions' };
  const say = (text = '') => {
    if (!json) io.out(`${text}\n`);
  };
  if (filters.state !== undefined && !STATE_NAMES.has(filters.state))
    io.err(
      `warning: no state of the lakestep workflow is named "${filters.state}" (states: ${[...STATE_NAMES].join(', ')}); matching it as given\n`,
    );

  let throttled = 0;
  const ctx: ReplayContext = {
    client: io.clientFor(target.region),
    concurrency,
    sleep: io.sleep,
    random: io.random,
    backoff: DEFAULT_BACKOFF,
    onRetry: (_what, _attempt, _delay, e) => {
      if (isThrottling(e)) throttled++;
    },
  };

  let listed: number | null = null;
  let arns = target.executionArns;
  try {
    if (target.mode === 'failed' && target.stateMachineArn && since) {
      await assertStandardStateMachine(ctx, target.stateMachineArn);
      const bar = progress(io, 'listing failed executions');
      const found = await listFailedExecutions(ctx, target.stateMachineArn, { since }, (n) => bar.count(n));
      bar.end();
      listed = found.length;
      arns = found.map((e) => e.executionArn);
    }
  } catch (e) {
    if (!(e instanceof ReplayError)) throw e;
    if (json) io.out(`${JSON.stringify({ error: e.message }, null, 2)}\n`);
    io.err(`lakestep replay --aws: ${e.message}\n`);
    return 1;
  }

  const reading = progress(io, 'reading executions');
  const inspected = await inspectAll(ctx, arns, options, (done, total) => reading.update(done, total));
  reading.end();
  const items = inspected.filter((item) => matchesFilters(item, filters));

  if (target.mode === 'failed') {
    const filterText = [
      `since ${iso(since)}`,
      filters.state !== undefined ? `state "${filters.state}"` : null,
      filters.error !== undefined ? `error ${filters.error}` : null,
    ]
      .filter(Boolean)
      .join(', ');
    say(bold(`${target.stateMachineArn}`));
    say(
      `${listed} failed execution${listed === 1 ? '' : 's'} ${filterText.replace(/^since/, 'stopped since')}${filters.state !== undefined || filters.error !== undefined ? `; ${items.length} match` : ''}`,
    );
  }
  if (items.length > 0) {
    say();
    say(
      table(
        ['execution', 'status', 'stopped', 'failed state', 'error', 'action'],
        items.map((item) => ({
          execution: item.candidate?.name ?? item.executionArn,
          status: item.candidate?.status ?? '?',
          stopped: iso(item.candidate?.stopDate) ?? '',
          'failed state': item.candidate?.failedState ?? '',
          error: item.candidate?.error ?? '',
          action: actionLabel(item),
        })),
      ),
    );
    const notes = items.filter((i) => i.plan.action !== 'redrive');
    if (notes.length > 0) {
      say();
      for (const item of notes) say(`  ${noteFor(item)}`);
    }
  } else if (target.mode === 'failed') say('Nothing to replay.');

  const actionable = items.filter((i) => i.plan.action === 'redrive' || i.plan.action === 'restart');
  const finish = (dry: boolean) => {
    const summary = summarize(items, dry);
    if (json) {
      io.out(
        `${JSON.stringify(
          {
            mode: target.mode,
            stateMachineArn: target.stateMachineArn,
            region: target.region,
            dryRun: dry,
            restart: options.restart,
            filters:
              target.mode === 'failed'
                ? { since: iso(since), state: filters.state ?? null, error: filters.error ?? null }
                : null,
            listed,
            throttledCalls: throttled,
            executions: items.map(itemJson),
            summary,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      say();
      say(summaryLine(summary, dry));
      if (throttled > 0)
        say(dim(`(${throttled} throttled call${throttled === 1 ? '' : 's'} backed off and retried)`));
    }
    return exitCode(target.mode, items, summary, dry);
  };

  if (dryRun) return finish(true);
  if (actionable.length === 0) {
    // Nothing to call: the skips and the unreadable executions are the outcomes (counted, and exit 1 when named).
    for (const item of items) item.outcome ??= outcomeWithoutCalls(item.plan);
    return finish(false);
  }

  if (actionable.length > CONFIRM_ABOVE && !v.yes) {
    const question = `Replay ${actionable.length} executions (${countPlans(actionable)})? [y/N] `;
    if (!io.stdinIsTTY) {
      io.err(
        `lakestep replay --aws: ${actionable.length} executions would be replayed, more than ${CONFIRM_ABOVE}, and there is no terminal to ask: check the list with --dry-run, then pass --yes\n`,
      );
      return 2;
    }
    if (!(await io.confirm(question))) {
      io.err('Nothing replayed.\n');
      return 1;
    }
  }

  const bar = progress(io, 'replaying');
  await replayAll(ctx, items, options, (done, total) => bar.update(done, total));
  bar.end();
  if (!json) {
    say();
    for (const item of items) say(outcomeLine(item));
  }
  return finish(false);
}

function countPlans(items: readonly ReplayItem[]): string {
  const redrive = items.filter((i) => i.plan.action === 'redrive').length;
  const restart = items.length - redrive;
  return [redrive ? `${redrive} redrive` : null, restart ? `${restart} restart` : null]
    .filter(Boolean)
    .join(', ');
}

function summaryLine(s: Summary, dryRun: boolean): string {
  const reasons = Object.entries(s.skippedByReason)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
  const skipped = s.skipped ? `, ${s.skipped} skipped (${reasons})` : '';
  if (dryRun)
    return `Dry run: would redrive ${s.redriven}, restart ${s.restarted}${skipped}${s.failed ? `, ${s.failed} unreadable` : ''}. Nothing was changed.`;
  const replayed = s.redriven + s.restarted;
  const parts = [
    `${replayed} replayed (${s.redriven} redriven, ${s.restarted} restarted)`,
    s.alreadyRestarted ? `${s.alreadyRestarted} restarted before` : null,
    s.failed ? red(`${s.failed} failed`) : null,
  ].filter(Boolean);
  const tail =
    replayed > 0
      ? '\nReplays run on AWS now: watch them in the console, or list what is still failing with --failed --dry-run.'
      : '';
  return `Summary: ${parts.join(', ')}${skipped}.${tail}`;
}

/** 0: everything asked for was replayed (or would be); 1: something was not. */
function exitCode(mode: Target['mode'], items: readonly ReplayItem[], s: Summary, dryRun: boolean): number {
  if (s.failed > 0) return 1;
  // A named execution that is skipped was asked for and not replayed; in bulk, skips are expected.
  if (
    mode === 'executions' &&
    items.some((i) => (dryRun ? i.plan.action === 'skip' : i.outcome?.kind === 'skipped'))
  )
    return 1;
  return 0;
}
