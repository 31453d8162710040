/**
 * Replay failed executions on Step Functions: find them (ListExecutions, every page), read why each
 * failed (DescribeExecution + the history's failed state via findFailure), decide per execution —
 * redrive, restart afresh, or skip with a reason — and carry that out, every call paced (backoff on
 * throttling, a concurrency limit). Pure over an injected SFNClient: tests mock it.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  DescribeStateMachineCommand,
  type ExecutionStatus,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DATA_OUTCOME_ERRORS, findFailure, nonEmpty, objectKeyOf } from '../core/record-failure';
import { mapWithLimit, type PacingDeps, withBackoff } from './pacing';
import { restartNameFor } from './restart-name';
import { executionArnOf, parseStateMachineArn } from './sfn-arn';
import { SfnExecutionHistory } from './sfn-history';

export const REPLAYABLE_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type ReplayableStatus = (typeof REPLAYABLE_STATUSES)[number];
/** Step Functions keeps an execution redrivable for 14 days after it stopped. */
export const REDRIVE_WINDOW_DAYS = 14;
const DEFAULT_ERROR: Record<ReplayableStatus, string> = {
  FAILED: 'States.Unknown',
  TIMED_OUT: 'States.Timeout',
  ABORTED: 'States.Aborted',
};

export interface ReplayContext extends PacingDeps {
  readonly client: SFNClient;
  /** Most SDK calls (or replays) in flight at once. */
  readonly concurrency: number;
  /** ListExecutions page size (the API allows up to 1000). */
  readonly listPageSize?: number;
  readonly historyPageSize?: number;
}

/** A problem that stops the whole command (the state machine is missing, or Express). */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

const describeError = (e: unknown) => {
  const err = e as { name?: string; message?: string };
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
};

const call = <T>(ctx: ReplayContext, what: string, fn: () => Promise<T>) => withBackoff(ctx, what, fn);

/** Refuses what RedriveExecution and ListExecutions do not support: a missing or an Express state machine. */
export async function assertStandardStateMachine(ctx: ReplayContext, stateMachineArn: string): Promise<void> {
  try {
    const out = await call(ctx, 'DescribeStateMachine', () =>
      ctx.client.send(new DescribeStateMachineCommand({ stateMachineArn })),
    );
    if (out.type === 'EXPRESS')
      throw new ReplayError(
        `${stateMachineArn} is an EXPRESS state machine: Step Functions can neither list nor redrive Express executions. Start the failed work again instead (for lakestep: land the object again).`,
      );
  } catch (e) {
    if (e instanceof ReplayError) throw e;
    const name = (e as { name?: string })?.name;
    const noCredentials = credentialsProblem(stateMachineArn, e);
    if (noCredentials) throw new ReplayError(noCredentials);
    if (name === 'StateMachineDoesNotExist')
      throw new ReplayError(
        `${stateMachineArn}: no such state machine in this account and region; check --state-machine-arn or LAKESTEP_STATE_MACHINE_ARN`,
      );
    throw new ReplayError(`${stateMachineArn}: cannot read the state machine (${describeError(e)})`);
  }
}

export interface ListedExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly status: ReplayableStatus;
  readonly stopDate: Date | null;
}

/**
 * Every execution of the state machine that ended in one of the statuses and stopped at or after
 * `since`, newest stop first. ListExecutions sorts by start time, and a long execution may stop long
 * after it started, so every page is read: the status filter keeps the pages to failures only.
 */
export async function listFailedExecutions(
  ctx: ReplayContext,
  stateMachineArn: string,
  options: { readonly since: Date; readonly statuses?: readonly ReplayableStatus[] },
  onPage?: (listedSoFar: number) => void,
): Promise<ListedExecution[]> {
  const found: ListedExecution[] = [];
  let seen = 0;
  for (const status of options.statuses ?? REPLAYABLE_STATUSES) {
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await call(ctx, 'ListExecutions', () =>
        ctx.client.send(
          new ListExecutionsCommand({
            stateMachineArn,
            statusFilter: status,
            maxResults: ctx.listPageSize ?? 1000,
            nextToken: token,
          }),
        ),
      );
      for (const e of page.executions ?? []) {
        seen++;
        const stopDate = e.stopDate ? new Date(e.stopDate) : null;
        if (!e.executionArn || (stopDate && stopDate < options.since)) continue;
        found.push({ executionArn: e.executionArn, name: e.name ?? '', status, stopDate });
      }
      onPage?.(seen);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return found.sort((a, b) => (b.stopDate?.getTime() ?? 0) - (a.stopDate?.getTime() ?? 0));
}

/** What the replay needs to know about one execution. */
export interface Candidate {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly stateMachineAliasArn: string | null;
  readonly status: ExecutionStatus | string;
  readonly startDate: Date | null;
  readonly stopDate: Date | null;
  readonly redriveCount: number;
  readonly redriveStatus: string | null;
  readonly redriveStatusReason: string | null;
  readonly failedState: string | null;
  readonly error: string | null;
  readonly cause: string | null;
  readonly input: string | null;
  readonly objectKey: string | null;
}

const isReplayable = (status: string | undefined): status is ReplayableStatus =>
  (REPLAYABLE_STATUSES as readonly string[]).includes(status ?? '');

/** DescribeExecution, and for a failed execution its history, newest first, up to the failed state. */
export async function inspectExecution(ctx: ReplayContext, executionArn: string): Promise<Candidate> {
  const d: DescribeExecutionOutput = await call(ctx, 'DescribeExecution', () =>
    ctx.client.send(new DescribeExecutionCommand({ executionArn })),
  );
  const status = d.status ?? 'UNKNOWN';
  let failure = {
    failedState: null as string | null,
    error: null as string | null,
    cause: null as string | null,
  };
  if (isReplayable(status)) {
    const history = new SfnExecutionHistory(ctx.client, ctx.historyPageSize ?? 100, (what, fn) =>
      call(ctx, what, fn),
    );
    failure = await findFailure(history, executionArn);
  }
  return {
    executionArn,
    name: d.name ?? executionArn.split(':').pop() ?? executionArn,
    stateMachineArn: d.stateMachineArn ?? '',
    stateMachineAliasArn: d.stateMachineAliasArn ?? null,
    status,
    startDate: d.startDate ? new Date(d.startDate) : null,
    stopDate: d.stopDate ? new Date(d.stopDate) : null,
    redriveCount: d.redriveCount ?? 0,
    redriveStatus: d.redriveStatus ?? null,
    redriveStatusReason: d.redriveStatusReason ?? null,
    failedState: failure.failedState,
    error:
      nonEmpty(failure.error) ?? nonEmpty(d.error) ?? (isReplayable(status) ? DEFAULT_ERROR[status] : null),
    cause: nonEmpty(failure.cause) ?? nonEmpty(d.cause),
    input: d.input ?? null,
    objectKey: objectKeyOf(d.input),
  };
}

/** The SDK found no credentials (no profile, no SSO session, no environment): say how to give some. */
export function credentialsProblem(subject: string, e: unknown): string | null {
  if ((e as { name?: string })?.name !== 'CredentialsProviderError') return null;
  return `${subject}: no AWS credentials (${describeError(e)}); set AWS_PROFILE, log in with aws sso login, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`;
}

/** A message for an inspection that failed, naming the execution and the problem. */
export function inspectionProblem(executionArn: string, e: unknown): string {
  const name = (e as { name?: string })?.name;
  const noCredentials = credentialsProblem(executionArn, e);
  if (noCredentials) return noCredentials;
  if (name === 'ExecutionDoesNotExist')
    return `${executionArn}: no such execution (closed executions are kept 90 days; check the ARN, the account and the region)`;
  if (name === 'InvalidArn') return `${executionArn}: not a valid execution ARN`;
  if (name === 'AccessDeniedException')
    return `${executionArn}: access denied (${describeError(e)}); replay needs states:DescribeExecution, states:GetExecutionHistory, states:RedriveExecution and, for --restart, states:StartExecution`;
  return `${executionArn}: could not be read (${describeError(e)})`;
}

export type SkipReason = 'data-outcome' | 'running' | 'succeeded' | 'pending-redrive' | 'not-redrivable';

export type Plan =
  | { readonly action: 'redrive' }
  | { readonly action: 'restart'; readonly name: string; readonly because: string }
  | { readonly action: 'skip'; readonly reason: SkipReason; readonly advice: string }
  /** The execution could not even be read. */
  | { readonly action: 'error'; readonly message: string };

export interface PlanOptions {
  /** Start a fresh execution (same input, deterministic name) when redrive is not possible. */
  readonly restart: boolean;
  /** The user named this execution: a data outcome may then be restarted on purpose (after a rules fix). */
  readonly named: boolean;
}

export function isDataOutcome(c: Candidate): boolean {
  return c.status === 'FAILED' && c.error !== null && DATA_OUTCOME_ERRORS.has(c.error);
}

export function dataOutcomeAdvice(c: Candidate): string {
  const object = c.objectKey ? ` (${c.objectKey})` : '';
  return `${c.error} is a data outcome: the workflow ended in its own Fail state${c.failedState ? ` "${c.failedState}"` : ''} on purpose, and a redrive would only fail there again. Fix the data and upload a corrected file${object} to the landing bucket; after a rules fix with the same data, restart this execution alone: lakestep replay --aws --restart ${c.executionArn}`;
}

export function planReplay(c: Candidate, options: PlanOptions): Plan {
  if (c.status === 'RUNNING')
    return {
      action: 'skip',
      reason: 'running',
      advice: `already running${c.redriveCount > 0 ? ` (redriven ${c.redriveCount} time${c.redriveCount === 1 ? '' : 's'})` : ''}: nothing to replay`,
    };
  if (c.status === 'SUCCEEDED')
    return { action: 'skip', reason: 'succeeded', advice: 'succeeded: nothing to replay' };
  if (c.status === 'PENDING_REDRIVE')
    return { action: 'skip', reason: 'pending-redrive', advice: 'a redrive of it is pending already' };
  const restart = (because: string): Plan => ({ action: 'restart', name: restartNameFor(c.name), because });
  if (isDataOutcome(c)) {
    if (options.restart && options.named)
      return restart(`${c.error} is a data outcome; restarted on request`);
    return { action: 'skip', reason: 'data-outcome', advice: dataOutcomeAdvice(c) };
  }
  if (c.redriveStatus === 'REDRIVABLE') return { action: 'redrive' };
  const why =
    c.redriveStatus === null
      ? 'Step Functions gives no redrive status for it'
      : c.redriveStatus === 'REDRIVABLE_BY_MAP_RUN'
        ? 'it is a child of a Map Run: only its Map Run can be redriven'
        : (c.redriveStatusReason ?? 'Step Functions says it is not redrivable');
  if (options.restart) return restart(`not redrivable: ${why}`);
  return {
    action: 'skip',
    reason: 'not-redrivable',
    advice: `not redrivable: ${why}. Start it afresh with the same input: lakestep replay --aws --restart ${c.executionArn}`,
  };
}

export type Outcome =
  | { readonly kind: 'redriven'; readonly redriveDate: string | null }
  | { readonly kind: 'restarted'; readonly executionArn: string; readonly name: string }
  /** The restart name exists already: this execution was restarted before; nothing new started. */
  | {
      readonly kind: 'already-restarted';
      readonly executionArn: string;
      readonly name: string;
      readonly status: string | null;
    }
  | { readonly kind: 'skipped'; readonly reason: SkipReason; readonly advice: string }
  | { readonly kind: 'failed'; readonly message: string };

const errorName = (e: unknown) => (e as { name?: string })?.name ?? '';

/**
 * The client token makes a redrive idempotent for 15 minutes: it names "redrive number n+1 of this
 * execution", so two operators replaying the same failure at once redrive it once, while a later
 * replay (after that redrive failed again, with a higher count) is a new redrive.
 */
export const redriveToken = (c: Candidate) => `lakestep-redrive-${c.redriveCount + 1}`;

async function redrive(ctx: ReplayContext, c: Candidate, options: PlanOptions): Promise<Outcome> {
  try {
    const out = await call(ctx, 'RedriveExecution', () =>
      ctx.client.send(
        new RedriveExecutionCommand({ executionArn: c.executionArn, clientToken: redriveToken(c) }),
      ),
    );
    return {
      kind: 'redriven',
      redriveDate: out.redriveDate ? new Date(out.redriveDate).toISOString() : null,
    };
  } catch (e) {
    const name = errorName(e);
    // Redrivable a moment ago (e.g. the 14 days ran out since): restart if the user allowed it.
    if (name === 'ExecutionNotRedrivable' && options.restart)
      return restartExecution(ctx, c, restartNameFor(c.name));
    const message =
      name === 'ExecutionNotRedrivable'
        ? `${c.executionArn}: not redrivable (${(e as Error).message}); start it afresh with --restart`
        : name === 'ExecutionDoesNotExist'
          ? `${c.executionArn}: no such execution`
          : name === 'ExecutionLimitExceeded'
            ? `${c.executionArn}: the account's limit of open executions is reached; let running executions finish, then replay again`
            : `${c.executionArn}: redrive failed (${describeError(e)})`;
    return { kind: 'failed', message };
  }
}

async function restartExecution(ctx: ReplayContext, c: Candidate, name: string): Promise<Outcome> {
  const machine = parseStateMachineArn(c.stateMachineArn);
  if (!machine)
    return {
      kind: 'failed',
      message: `${c.executionArn}: cannot restart, its state machine ARN "${c.stateMachineArn}" is not understood`,
    };
  if (c.input === null)
    return {
      kind: 'failed',
      message: `${c.executionArn}: cannot restart, Step Functions returned no input for it`,
    };
  const executionArn = executionArnOf(machine, name);
  // Asking first tells "restarted before" apart from "started now": for a Standard machine a
  // StartExecution with the name and input of a running execution succeeds without starting anything.
  try {
    const existing = await call(ctx, 'DescribeExecution', () =>
      ctx.client.send(new DescribeExecutionCommand({ executionArn })),
    );
    return { kind: 'already-restarted', executionArn, name, status: existing.status ?? null };
  } catch (e) {
    if (errorName(e) !== 'ExecutionDoesNotExist')
      return {
        kind: 'failed',
        message: `${c.executionArn}: cannot check whether ${name} exists (${describeError(e)})`,
      };
  }
  try {
    const out = await call(ctx, 'StartExecution', () =>
      ctx.client.send(
        new StartExecutionCommand({
          // An execution started through an alias restarts through it: the alias's current version.
          stateMachineArn: c.stateMachineAliasArn ?? c.stateMachineArn,
          name,
          input: c.input ?? undefined,
        }),
      ),
    );
    return { kind: 'restarted', executionArn: out.executionArn ?? executionArn, name };
  } catch (e) {
    if (errorName(e) === 'ExecutionAlreadyExists')
      return { kind: 'already-restarted', executionArn, name, status: null };
    const message =
      errorName(e) === 'ExecutionLimitExceeded'
        ? `${c.executionArn}: cannot restart as ${name}, the account's limit of open executions is reached`
        : `${c.executionArn}: restart as ${name} failed (${describeError(e)})`;
    return { kind: 'failed', message };
  }
}

/** The outcome of a plan that calls nothing: a skip, or an execution that could not be read. Null for the others. */
export function outcomeWithoutCalls(plan: Plan): Outcome | null {
  switch (plan.action) {
    case 'skip':
      return { kind: 'skipped', reason: plan.reason, advice: plan.advice };
    case 'error':
      return { kind: 'failed', message: plan.message };
    default:
      return null;
  }
}

export async function carryOut(
  ctx: ReplayContext,
  c: Candidate,
  plan: Plan,
  options: PlanOptions,
): Promise<Outcome> {
  if (plan.action === 'redrive') return redrive(ctx, c, options);
  if (plan.action === 'restart') return restartExecution(ctx, c, plan.name);
  return outcomeWithoutCalls(plan) as Outcome;
}

/** One execution on its way through a replay. */
export interface ReplayItem {
  readonly executionArn: string;
  readonly candidate: Candidate | null;
  readonly plan: Plan;
  outcome: Outcome | null;
}

/** Inspects and plans each execution, at most ctx.concurrency at once; a failed read becomes an item. */
export async function inspectAll(
  ctx: ReplayContext,
  executionArns: readonly string[],
  options: PlanOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<ReplayItem[]> {
  let done = 0;
  return mapWithLimit(executionArns, ctx.concurrency, async (executionArn) => {
    let item: ReplayItem;
    try {
      const candidate = await inspectExecution(ctx, executionArn);
      item = { executionArn, candidate, plan: planReplay(candidate, options), outcome: null };
    } catch (e) {
      item = {
        executionArn,
        candidate: null,
        plan: { action: 'error', message: inspectionProblem(executionArn, e) },
        outcome: null,
      };
    }
    onProgress?.(++done, executionArns.length);
    return item;
  });
}

export interface FailedFilters {
  /** The state that failed, exactly as the history names it. */
  readonly state?: string;
  /** The execution's error, e.g. Lake.Unavailable, States.Timeout, States.TaskFailed. */
  readonly error?: string;
}

/** Keeps the items whose failed state and error match; items that could not be read are kept (they must be reported). */
export function matchesFilters(item: ReplayItem, filters: FailedFilters): boolean {
  const c = item.candidate;
  if (!c) return true;
  if (filters.state !== undefined && c.failedState !== filters.state) return false;
  if (filters.error !== undefined && c.error !== filters.error) return false;
  return true;
}

/** Carries out every plan, at most ctx.concurrency at once, filling in each item's outcome. */
export async function replayAll(
  ctx: ReplayContext,
  items: readonly ReplayItem[],
  options: PlanOptions,
  onProgress?: (done: number, total: number, item: ReplayItem) => void,
): Promise<void> {
  let done = 0;
  await mapWithLimit(items, ctx.concurrency, async (item) => {
    item.outcome = item.candidate
      ? await carryOut(ctx, item.candidate, item.plan, options)
      : (outcomeWithoutCalls(item.plan) ?? {
          kind: 'failed',
          message: `${item.executionArn}: could not be read`,
        });
    onProgress?.(++done, items.length, item);
  });
}
