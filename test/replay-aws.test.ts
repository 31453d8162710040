/**
 * `lakestep replay --aws` against a mocked Step Functions (aws-sdk-client-mock): a small fake account
 * answers ListExecutions (in short pages), DescribeExecution, GetExecutionHistory (in short pages),
 * RedriveExecution and StartExecution the way the service documents them. No real AWS, no real sleep.
 */
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { type ReplayAwsIo, runReplayAws } from '../cli/replay-aws';
import {
  backoffDelay,
  DEFAULT_BACKOFF,
  isRetryable,
  mapWithLimit,
  type PacingDeps,
  withBackoff,
} from '../handlers/aws/pacing';
import { MAX_EXECUTION_NAME, restartNameFor } from '../handlers/aws/restart-name';
import { parseExecutionArn, parseStateMachineArn } from '../handlers/aws/sfn-arn';
import {
  carryOut,
  inspectExecution,
  listFailedExecutions,
  planReplay,
  type ReplayContext,
  redriveToken,
} from '../handlers/aws/sfn-replay';
import { replayCommand } from '../handlers/core/record-failure';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const MACHINE = 'lakestep-dev-pipeline';
const SM = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${MACHINE}`;
const arnOf = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:${MACHINE}:${name}`;
const NOW = new Date('2024-06-15T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600e3);
const DAY = 24;

const sfnMock = mockClient(SFNClient);

const throttled = () =>
  new SFNServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });

interface FakeExecution {
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: Date;
  stopDate?: Date;
  failedState?: string;
  error?: string;
  cause?: string;
  input: string;
  redriveStatus?: 'REDRIVABLE' | 'NOT_REDRIVABLE' | 'REDRIVABLE_BY_MAP_RUN';
  redriveStatusReason?: string;
  redriveCount: number;
  /** States that succeeded before the failing one (they make the history long enough to page). */
  before: string[];
}

const objectInput = (key: string) =>
  JSON.stringify({
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: 'landing' }, object: { key, etag: 'abc' } },
  });

/** A history as Step Functions writes it: entered/exited pairs, then the failing state, its TaskFailed, the end. */
function historyOf(e: FakeExecution): HistoryEvent[] {
  const events: HistoryEvent[] = [
    {
      id: 1,
      type: 'ExecutionStarted',
      timestamp: e.startDate,
      executionStartedEventDetails: { input: e.input },
    },
  ];
  const add = (event: Omit<HistoryEvent, 'id' | 'timestamp'>) => {
    const id = events.length + 1;
    events.push({ id, previousEventId: id - 1, timestamp: e.startDate, ...event } as HistoryEvent);
    return id;
  };
  for (const name of e.before) {
    add({ type: 'TaskStateEntered', stateEnteredEventDetails: { name } });
    add({ type: 'TaskStateExited', stateExitedEventDetails: { name } });
  }
  if (e.status === 'FAILED' || e.status === 'TIMED_OUT' || e.status === 'ABORTED') {
    const isFail = e.error === 'ObjectRejected' || e.error === 'DataQualityFailed';
    add({
      type: isFail ? 'FailStateEntered' : 'TaskStateEntered',
      stateEnteredEventDetails: { name: e.failedState },
    });
    if (!isFail)
      add({
        type: 'TaskFailed',
        taskFailedEventDetails: {
          resourceType: 'glue',
          resource: 'startJobRun.sync',
          error: e.error,
          cause: e.cause,
        },
      });
    const details = { error: e.error, cause: e.cause };
    if (e.status === 'FAILED') add({ type: 'ExecutionFailed', executionFailedEventDetails: details });
    if (e.status === 'TIMED_OUT') add({ type: 'ExecutionTimedOut', executionTimedOutEventDetails: details });
    if (e.status === 'ABORTED') add({ type: 'ExecutionAborted', executionAbortedEventDetails: details });
  }
  return events;
}

/** The fake account: one Standard state machine and its executions. */
class FakeAccount {
  readonly executions = new Map<string, FakeExecution>();
  machineType: 'STANDARD' | 'EXPRESS' | 'MISSING' = 'STANDARD';
  /** The service returns at most this many items a page, whatever maxResults asks. */
  pageCap = 3;
  /** Calls still to throttle, per command name. */
  readonly throttles = new Map<string, number>();
  readonly redriveTokens: string[] = [];
  inFlight = 0;
  maxInFlight = 0;

  add(e: Partial<FakeExecution> & { name: string }): FakeExecution {
    const full: FakeExecution = {
      status: 'FAILED',
      startDate: hoursAgo(2),
      stopDate: hoursAgo(1),
      failedState: 'Transform batch',
      error: 'Glue.ConcurrentRunsExceededException',
      cause: 'Glue job busy',
      input: objectInput(`raw_statistics/region=us/${e.name}.csv`),
      redriveStatus: e.status === 'RUNNING' || e.status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
      redriveCount: 0,
      before: ['Ingest object'],
      ...e,
    };
    this.executions.set(arnOf(full.name), full);
    return full;
  }

  private gate(command: string) {
    const left = this.throttles.get(command) ?? 0;
    if (left > 0) {
      this.throttles.set(command, left - 1);
      throw throttled();
    }
  }

  private find(executionArn: string | undefined): FakeExecution {
    const e = this.executions.get(executionArn ?? '');
    if (!e)
      throw new ExecutionDoesNotExist({
        message: `Execution Does Not Exist: '${executionArn}'`,
        $metadata: {},
      });
    return e;
  }

  install() {
    sfnMock.reset();
    sfnMock.on(DescribeStateMachineCommand).callsFake(async (input) => {
      this.gate('DescribeStateMachine');
      if (this.machineType === 'MISSING')
        throw new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: {} });
      return { stateMachineArn: input.stateMachineArn, type: this.machineType };
    });
    sfnMock.on(ListExecutionsCommand).callsFake(async (input) => {
      this.gate('ListExecutions');
      expect(input.stateMachineArn).toBe(SM);
      const all = [...this.executions.values()]
        .filter((e) => e.status === input.statusFilter)
        .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
      const start = Number(input.nextToken ?? 0);
      const size = Math.min(input.maxResults || 100, this.pageCap);
      const page = all.slice(start, start + size);
      return {
        executions: page.map((e) => ({
          executionArn: arnOf(e.name),
          stateMachineArn: SM,
          name: e.name,
          status: e.status,
          startDate: e.startDate,
          stopDate: e.stopDate,
          redriveCount: e.redriveCount,
        })),
        nextToken: start + size < all.length ? String(start + size) : undefined,
      };
    });
    sfnMock.on(DescribeExecutionCommand).callsFake(async (input) => {
      this.gate('DescribeExecution');
      const e = this.find(input.executionArn);
      return {
        executionArn: input.executionArn,
        stateMachineArn: SM,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        stopDate: e.stopDate,
        input: e.input,
        error: e.error,
        cause: e.cause,
        redriveCount: e.redriveCount,
        redriveStatus: e.redriveStatus,
        redriveStatusReason: e.redriveStatusReason,
      };
    });
    sfnMock.on(GetExecutionHistoryCommand).callsFake(async (input) => {
      this.gate('GetExecutionHistory');
      const events = historyOf(this.find(input.executionArn));
      if (input.reverseOrder) events.reverse();
      const start = Number(input.nextToken ?? 0);
      const size = Math.min(input.maxResults || 100, this.pageCap);
      return {
        events: events.slice(start, start + size),
        nextToken: start + size < events.length ? String(start + size) : undefined,
      };
    });
    sfnMock.on(RedriveExecutionCommand).callsFake(async (input) => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      try {
        // Let the other workers run while this call is "in flight".
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
        this.gate('RedriveExecution');
        const e = this.find(input.executionArn);
        if (e.redriveStatus !== 'REDRIVABLE')
          throw new ExecutionNotRedrivable({
            message: `Execution is not redrivable: ${e.redriveStatusReason ?? 'unknown'}`,
            $metadata: {},
          });
        this.redriveTokens.push(input.clientToken ?? '');
        e.status = 'RUNNING';
        e.redriveCount++;
        e.redriveStatus = 'NOT_REDRIVABLE';
        return { redriveDate: NOW };
      } finally {
        this.inFlight--;
      }
    });
    sfnMock.on(StartExecutionCommand).callsFake(async (input) => {
      this.gate('StartExecution');
      const arn = arnOf(input.name ?? '');
      const existing = this.executions.get(arn);
      if (existing) {
        // Standard workflows: the same name and input as a running execution is idempotent.
        if (existing.status === 'RUNNING' && existing.input === input.input)
          return { executionArn: arn, startDate: existing.startDate };
        throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${arn}'`, $metadata: {} });
      }
      this.add({
        name: input.name ?? '',
        status: 'RUNNING',
        startDate: NOW,
        stopDate: undefined,
        input: input.input ?? '',
      });
      return { executionArn: arn, startDate: NOW };
    });
  }

  calls(command: new (...args: never[]) => unknown) {
    return sfnMock.commandCalls(command as never);
  }
}

let account: FakeAccount;
let sleeps: number[];
beforeEach(() => {
  account = new FakeAccount();
  account.install();
  sleeps = [];
});

const pacing = (): PacingDeps => ({
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  random: () => 0.5,
  backoff: DEFAULT_BACKOFF,
});
const context = (over: Partial<ReplayContext> = {}): ReplayContext => ({
  client: new SFNClient({ region: REGION }),
  concurrency: 5,
  ...pacing(),
  ...over,
});

interface Captured {
  io: ReplayAwsIo;
  out: () => string;
  err: () => string;
  questions: string[];
}
function capture(over: Partial<ReplayAwsIo> = {}, answer = true): Captured {
  let out = '';
  let err = '';
  const questions: string[] = [];
  const io: ReplayAwsIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    errIsTTY: false,
    stdinIsTTY: false,
    env: {},
    confirm: async (q) => {
      questions.push(q);
      return answer;
    },
    clientFor: (region) => new SFNClient({ region }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now: () => NOW,
    ...over,
  };
  return { io, out: () => out, err: () => err, questions };
}
const jsonOf = (c: Captured) => JSON.parse(c.out());

describe('restart names', () => {
  it('append a restart marker to the original name, and the next attempt to a restart', () => {
    expect(restartNameFor('raw_statistics-region-us-USvideos-csv-0a1b2c3d4e5f')).toBe(
      'raw_statistics-region-us-USvideos-csv-0a1b2c3d4e5f-restart-1',
    );
    expect(restartNameFor('USvideos-0a1b-restart-1')).toBe('USvideos-0a1b-restart-2');
    expect(restartNameFor('USvideos-0a1b-restart-9')).toBe('USvideos-0a1b-restart-10');
  });

  it('are the same every time for the same execution, so a repeated restart asks for the same name', () => {
    const name = 'raw_statistics-region-gb-GBvideos-csv-9f8e7d6c5b4a';
    expect(restartNameFor(name)).toBe(restartNameFor(name));
  });

  it('stay within 80 valid characters and distinct for long names that differ only at the end', () => {
    const long = (tail: string) =>
      `${'raw_statistics-region-us-a-very-long-file-name-'.repeat(2)}${tail}`.slice(-80);
    const a = restartNameFor(long('aaaaaaaaaaaa'));
    const b = restartNameFor(long('bbbbbbbbbbbb'));
    for (const n of [a, b, restartNameFor(a), restartNameFor('name with spaces/and:colons')]) {
      expect(n.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME);
      expect(n).toMatch(/^[A-Za-z0-9_-]+-restart-\d+$/);
    }
    expect(a).not.toBe(b);
    expect(restartNameFor(a)).toMatch(/-restart-2$/);
    expect(restartNameFor(a).slice(0, -2)).toBe(a.slice(0, -2));
  });
});

describe('ARNs', () => {
  it('read executions (standard, express, map-run children) and state machines, qualified or not', () => {
    expect(parseExecutionArn(arnOf('run-1'))).toMatchObject({
      region: REGION,
      name: MACHINE,
      kind: 'execution',
      executionName: 'run-1',
    });
    expect(parseExecutionArn(`arn:aws:states:${REGION}:${ACCOUNT}:express:${MACHINE}:n:0a1b`)).toMatchObject({
      kind: 'express',
    });
    expect(
      parseExecutionArn(`arn:aws:states:${REGION}:${ACCOUNT}:execution:${MACHINE}/Map:abc`),
    ).toMatchObject({ name: MACHINE });
    expect(parseStateMachineArn(`${SM}:prod`)).toMatchObject({
      name: MACHINE,
      region: REGION,
      account: ACCOUNT,
    });
    expect(parseExecutionArn(SM)).toBeNull();
    expect(parseStateMachineArn(arnOf('x'))).toBeNull();
  });
});

describe('pacing: backoff and concurrency', () => {
  it('retries a throttled call with growing, jittered waits, then returns its answer', async () => {
    let calls = 0;
    const result = await withBackoff({ ...pacing(), random: () => 0.999 }, 'DescribeExecution', async () => {
      if (++calls <= 3) throw throttled();
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(sleeps).toHaveLength(3);
    // Full jitter below a ceiling that doubles: 250, 500, 1000 ms.
    expect(sleeps[0]).toBeLessThan(250);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0] ?? 0);
    expect(sleeps[2]).toBeGreaterThan(sleeps[1] ?? 0);
    expect(sleeps[2]).toBeLessThan(1000);
  });

  it('gives up after the policy’s attempts with the last error, and never retries an answer', async () => {
    let calls = 0;
    const policy = { attempts: 4, baseMs: 10, maxMs: 100 };
    await expect(
      withBackoff({ ...pacing(), backoff: policy }, 'ListExecutions', async () => {
        calls++;
        throw throttled();
      }),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(calls).toBe(4);
    calls = 0;
    await expect(
      withBackoff(pacing(), 'RedriveExecution', async () => {
        calls++;
        throw new ExecutionNotRedrivable({ message: 'no', $metadata: {} });
      }),
    ).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
    expect(calls).toBe(1);
  });

  it('classifies throttling, 5xx and network errors as retryable, service answers as not', () => {
    expect(isRetryable(throttled())).toBe(true);
    expect(isRetryable({ name: 'TooManyRequestsException' })).toBe(true);
    expect(isRetryable({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isRetryable({ name: 'Error', code: 'ECONNRESET' })).toBe(true);
    expect(isRetryable(new ExecutionDoesNotExist({ message: 'x', $metadata: {} }))).toBe(false);
    expect(isRetryable({ name: 'ExecutionLimitExceeded', $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(backoffDelay({ attempts: 9, baseMs: 100, maxMs: 1000 }, 8, () => 0.999)).toBeLessThan(1000);
  });

  it('keeps at most N calls in flight and the results in order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapWithLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      most = Math.max(most, ++inFlight);
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(most).toBe(3);
  });
});

describe('listing failed executions', () => {
  it('reads every page of every failed status and keeps those stopped since the cut-off, newest first', async () => {
    for (let i = 0; i < 7; i++)
      account.add({ name: `f${i}`, startDate: hoursAgo(10 + i), stopDate: hoursAgo(9 + i) });
    account.add({ name: 'timed-out', status: 'TIMED_OUT', startDate: hoursAgo(3), stopDate: hoursAgo(2) });
    account.add({ name: 'aborted', status: 'ABORTED', startDate: hoursAgo(5), stopDate: hoursAgo(4.5) });
    account.add({ name: 'old', startDate: hoursAgo(40), stopDate: hoursAgo(39) });
    // Started long ago, stopped recently: the start-time order of the pages must not hide it.
    account.add({ name: 'long-runner', startDate: hoursAgo(80), stopDate: hoursAgo(0.5) });
    account.add({ name: 'ok', status: 'SUCCEEDED' });
    account.add({ name: 'busy', status: 'RUNNING', stopDate: undefined });

    const listed = await listFailedExecutions(context(), SM, { since: hoursAgo(24) });

    expect(listed.map((e) => e.name)).toEqual([
      'long-runner',
      'timed-out',
      'aborted',
      'f0',
      'f1',
      'f2',
      'f3',
      'f4',
      'f5',
      'f6',
    ]);
    const pages = account.calls(ListExecutionsCommand).map((c) => c.args[0].input);
    // 8 FAILED in pages of 3 → 3 pages; TIMED_OUT and ABORTED one each.
    expect(pages.filter((p) => p.statusFilter === 'FAILED')).toHaveLength(3);
    expect(pages.filter((p) => p.statusFilter === 'FAILED').map((p) => p.nextToken)).toEqual([
      undefined,
      '3',
      '6',
    ]);
    expect(pages.map((p) => p.statusFilter)).toEqual(['FAILED', 'FAILED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
  });

  it('backs off when ListExecutions is throttled and still reads every page', async () => {
    for (let i = 0; i < 5; i++) account.add({ name: `f${i}`, startDate: hoursAgo(2 + i) });
    account.throttles.set('ListExecutions', 2);
    const listed = await listFailedExecutions(context(), SM, { since: hoursAgo(DAY) });
    expect(listed).toHaveLength(5);
    expect(sleeps).toHaveLength(2);
  });
});

describe('reading and planning one execution', () => {
  it('finds the failed state and error in a history longer than a page', async () => {
    account.add({
      name: 'glue-busy',
      before: ['Ingest object', 'Which dataset?'],
      failedState: 'Transform batch',
      error: 'Glue.ConcurrentRunsExceededException',
    });
    account.pageCap = 1;
    const c = await inspectExecution(context(), arnOf('glue-busy'));
    expect(c).toMatchObject({
      failedState: 'Transform batch',
      error: 'Glue.ConcurrentRunsExceededException',
      objectKey: 'raw_statistics/region=us/glue-busy.csv',
      redriveStatus: 'REDRIVABLE',
    });
    // Newest first, page after page, and only until the failed state (3 of the 8 events, a page each).
    const historyCalls = account.calls(GetExecutionHistoryCommand).map((c) => c.args[0].input);
    expect(historyCalls.every((i) => i.reverseOrder === true)).toBe(true);
    expect(historyCalls.map((i) => i.nextToken)).toEqual([undefined, '1', '2']);
    expect(planReplay(c, { restart: false, named: false })).toEqual({ action: 'redrive' });
  });

  it('reads an execution stopped without an error (history and DescribeExecution say "") as States.Aborted', async () => {
    account.add({
      name: 'stopped',
      status: 'ABORTED',
      failedState: 'Wait for crawler',
      error: '',
      cause: '',
    });
    const c = await inspectExecution(context(), arnOf('stopped'));
    expect(c).toMatchObject({
      status: 'ABORTED',
      error: 'States.Aborted',
      cause: null,
      failedState: 'Wait for crawler',
    });
  });

  it('skips data outcomes with the advice to fix the data and upload a corrected file', async () => {
    account.add({
      name: 'rejected',
      failedState: 'Object rejected',
      error: 'ObjectRejected',
      cause: 'header_mismatch',
    });
    account.add({ name: 'dq', failedState: 'Data quality failed', error: 'DataQualityFailed' });
    for (const name of ['rejected', 'dq']) {
      const c = await inspectExecution(context(), arnOf(name));
      const plan = planReplay(c, { restart: true, named: false });
      expect(plan).toMatchObject({ action: 'skip', reason: 'data-outcome' });
      expect(plan.action === 'skip' && plan.advice).toMatch(
        /upload a corrected file \(raw_statistics\/region=us\//,
      );
    }
    // Named on purpose with --restart (after a rules fix), a data outcome starts afresh.
    const c = await inspectExecution(context(), arnOf('dq'));
    expect(planReplay(c, { restart: true, named: true })).toMatchObject({
      action: 'restart',
      name: 'dq-restart-1',
    });
  });

  it('skips what cannot be redriven with the reason, or restarts it with --restart', async () => {
    account.add({
      name: 'too-old',
      stopDate: hoursAgo(20 * DAY),
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded',
    });
    account.add({ name: 'busy', status: 'RUNNING', stopDate: undefined, redriveCount: 1 });
    const old = await inspectExecution(context(), arnOf('too-old'));
    expect(planReplay(old, { restart: false, named: true })).toEqual({
      action: 'skip',
      reason: 'not-redrivable',
      advice: `not redrivable: Execution redrivable period exceeded. Start it afresh with the same input: lakestep replay --aws --restart ${arnOf('too-old')}`,
    });
    expect(planReplay(old, { restart: true, named: false })).toMatchObject({
      action: 'restart',
      name: 'too-old-restart-1',
    });
    const busy = await inspectExecution(context(), arnOf('busy'));
    expect(planReplay(busy, { restart: true, named: true })).toMatchObject({
      action: 'skip',
      reason: 'running',
    });
    // A running execution's history is not read: nothing in it to replay.
    expect(account.calls(GetExecutionHistoryCommand).map((c) => c.args[0].input.executionArn)).not.toContain(
      arnOf('busy'),
    );
  });
});

describe('carrying out', () => {
  it('redrives with a client token naming the next redrive, so a concurrent duplicate redrives once', async () => {
    account.add({ name: 'x', redriveCount: 2 });
    const c = await inspectExecution(context(), arnOf('x'));
    expect(redriveToken(c)).toBe('lakestep-redrive-3');
    const outcome = await carryOut(context(), c, { action: 'redrive' }, { restart: false, named: true });
    expect(outcome).toEqual({ kind: 'redriven', redriveDate: NOW.toISOString() });
    expect(account.redriveTokens).toEqual(['lakestep-redrive-3']);
  });

  it('reports ExecutionNotRedrivable from the API with the execution and what to do, or restarts with --restart', async () => {
    // DescribeExecution said REDRIVABLE; by the time of the call it no longer is.
    account.add({ name: 'raced' });
    const c = await inspectExecution(context(), arnOf('raced'));
    account.executions.get(arnOf('raced'))!.redriveStatus = 'NOT_REDRIVABLE';
    account.executions.get(arnOf('raced'))!.redriveStatusReason = 'Execution redrivable period exceeded';
    const failed = await carryOut(context(), c, { action: 'redrive' }, { restart: false, named: true });
    expect(failed).toEqual({
      kind: 'failed',
      message: `${arnOf('raced')}: not redrivable (Execution is not redrivable: Execution redrivable period exceeded); start it afresh with --restart`,
    });
    const restarted = await carryOut(context(), c, { action: 'redrive' }, { restart: true, named: true });
    expect(restarted).toEqual({
      kind: 'restarted',
      executionArn: arnOf('raced-restart-1'),
      name: 'raced-restart-1',
    });
  });

  it('restarts with the original input once: a repeated restart reports the earlier one and starts nothing', async () => {
    const original = account.add({
      name: 'old',
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded',
    });
    const c = await inspectExecution(context(), arnOf('old'));
    const plan = planReplay(c, { restart: true, named: true });
    const first = await carryOut(context(), c, plan, { restart: true, named: true });
    expect(first).toEqual({ kind: 'restarted', executionArn: arnOf('old-restart-1'), name: 'old-restart-1' });
    const start = account.calls(StartExecutionCommand)[0]?.args[0].input;
    expect(start).toEqual({ stateMachineArn: SM, name: 'old-restart-1', input: original.input });

    const again = await carryOut(context(), c, plan, { restart: true, named: true });
    expect(again).toEqual({
      kind: 'already-restarted',
      executionArn: arnOf('old-restart-1'),
      name: 'old-restart-1',
      status: 'RUNNING',
    });
    expect(account.calls(StartExecutionCommand)).toHaveLength(1);
  });

  it('takes ExecutionAlreadyExists (a restart racing another) as restarted before, not as a failure', async () => {
    account.add({ name: 'old', redriveStatus: 'NOT_REDRIVABLE' });
    const c = await inspectExecution(context(), arnOf('old'));
    // The check finds no restart, then another operator's restart wins the race and has already failed.
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const outcome = await carryOut(
      context(),
      c,
      { action: 'restart', name: 'old-restart-1', because: 'x' },
      { restart: true, named: true },
    );
    expect(outcome).toEqual({
      kind: 'already-restarted',
      executionArn: arnOf('old-restart-1'),
      name: 'old-restart-1',
      status: null,
    });
  });

  it('backs off a throttled redrive and succeeds', async () => {
    account.add({ name: 'x' });
    account.throttles.set('RedriveExecution', 3);
    const c = await inspectExecution(context(), arnOf('x'));
    const outcome = await carryOut(context(), c, { action: 'redrive' }, { restart: false, named: true });
    expect(outcome.kind).toBe('redriven');
    expect(sleeps).toHaveLength(3);
    expect(account.calls(RedriveExecutionCommand)).toHaveLength(4);
  });
});

describe('lakestep replay --aws (the command)', () => {
  function someFailures() {
    account.add({
      name: 'glue-1',
      stopDate: hoursAgo(1),
      failedState: 'Transform batch',
      error: 'Glue.ConcurrentRunsExceededException',
    });
    account.add({
      name: 'glue-2',
      stopDate: hoursAgo(2),
      failedState: 'Transform batch',
      error: 'States.TaskFailed',
    });
    account.add({
      name: 'athena',
      stopDate: hoursAgo(3),
      before: ['Ingest object', 'Transform batch', 'Check data quality', 'Promote batch'],
      failedState: 'Materialize category_daily',
      error: 'Athena.QueryFailed',
    });
    account.add({
      name: 'rejected',
      stopDate: hoursAgo(4),
      failedState: 'Object rejected',
      error: 'ObjectRejected',
      before: ['Ingest object', 'Which dataset?'],
    });
    account.add({
      name: 'timeout',
      status: 'TIMED_OUT',
      stopDate: hoursAgo(5),
      failedState: 'Wait for crawler',
      error: 'States.Timeout',
    });
    account.add({
      name: 'yesterday',
      stopDate: hoursAgo(30),
      failedState: 'Transform batch',
      error: 'States.TaskFailed',
    });
    account.add({
      name: 'ancient',
      stopDate: hoursAgo(20 * DAY),
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded',
    });
  }

  it('--failed --dry-run --json lists what it would do, in one JSON document, and changes nothing', async () => {
    someFailures();
    const c = capture();
    const code = await runReplayAws(
      ['--failed', '--since', '24h', '--dry-run', '--json', '--state-machine-arn', SM],
      c.io,
    );
    expect(code).toBe(0);
    const doc = jsonOf(c);
    expect(doc).toMatchObject({ mode: 'failed', stateMachineArn: SM, dryRun: true, listed: 5 });
    expect(doc.executions.map((e: { name: string; action: string }) => [e.name, e.action])).toEqual([
      ['glue-1', 'redrive'],
      ['glue-2', 'redrive'],
      ['athena', 'redrive'],
      ['rejected', 'skip'],
      ['timeout', 'redrive'],
    ]);
    expect(doc.executions[2]).toMatchObject({
      failedState: 'Materialize category_daily',
      error: 'Athena.QueryFailed',
    });
    expect(doc.executions[3]).toMatchObject({ reason: 'data-outcome', error: 'ObjectRejected' });
    expect(doc.summary).toMatchObject({
      matched: 5,
      redriven: 4,
      restarted: 0,
      skipped: 1,
      skippedByReason: { 'data-outcome': 1 },
    });
    expect(account.calls(RedriveExecutionCommand)).toHaveLength(0);
    expect(account.calls(StartExecutionCommand)).toHaveLength(0);
  });

  it('filters by failed state and by error, from each execution’s history', async () => {
    someFailures();
    const byState = capture();
    await runReplayAws(
      ['--failed', '--state', 'Transform batch', '--dry-run', '--json', '--state-machine-arn', SM],
      byState.io,
    );
    // Default window: the 14 days of redrive; "ancient" is older.
    expect(jsonOf(byState).executions.map((e: { name: string }) => e.name)).toEqual([
      'glue-1',
      'glue-2',
      'yesterday',
    ]);
    const byError = capture();
    await runReplayAws(
      [
        '--failed',
        '--error',
        'States.TaskFailed',
        '--since',
        '2d',
        '--dry-run',
        '--json',
        '--state-machine-arn',
        SM,
      ],
      byError.io,
    );
    expect(jsonOf(byError).executions.map((e: { name: string }) => e.name)).toEqual(['glue-2', 'yesterday']);
    const both = capture();
    await runReplayAws(
      [
        '--failed',
        '--state',
        'Transform batch',
        '--error',
        'States.TaskFailed',
        '--since',
        '24h',
        '--dry-run',
        '--json',
        '--state-machine-arn',
        SM,
      ],
      both.io,
    );
    expect(jsonOf(both).executions.map((e: { name: string }) => e.name)).toEqual(['glue-2']);
  });

  it('redrives the eligible, skips data outcomes with advice, and prints a summary (human output)', async () => {
    someFailures();
    const c = capture();
    const code = await runReplayAws(['--failed', '--since', '24h', '--yes'], {
      ...c.io,
      env: { LAKESTEP_STATE_MACHINE_ARN: SM },
    });
    expect(code).toBe(0);
    expect(
      account
        .calls(RedriveExecutionCommand)
        .map((x) => x.args[0].input.executionArn)
        .sort(),
    ).toEqual(['athena', 'glue-1', 'glue-2', 'timeout'].map(arnOf).sort());
    const out = c.out();
    expect(out).toContain('5 failed executions stopped since 2024-06-14T12:00:00Z');
    expect(out).toMatch(
      /rejected: ObjectRejected is a data outcome.*upload a corrected file \(raw_statistics\/region=us\/rejected\.csv\)/,
    );
    expect(out).toContain('✓ athena: redriven, resumes at "Materialize category_daily"');
    expect(out).toContain('Summary: 4 replayed (4 redriven, 0 restarted), 1 skipped (1 data-outcome).');
    expect(account.executions.get(arnOf('glue-1'))).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
  });

  it('restarts what cannot be redriven with --restart, and a second run starts nothing twice', async () => {
    someFailures();
    const args = ['--failed', '--since', '30d', '--restart', '--yes', '--json', '--state-machine-arn', SM];
    const first = capture();
    expect(await runReplayAws(args, first.io)).toBe(0);
    expect(jsonOf(first).summary).toMatchObject({ redriven: 5, restarted: 1, skipped: 1 });
    expect(jsonOf(first).executions.find((e: { name: string }) => e.name === 'ancient').outcome).toEqual({
      kind: 'restarted',
      executionArn: arnOf('ancient-restart-1'),
      name: 'ancient-restart-1',
    });
    const second = capture();
    expect(await runReplayAws(args, second.io)).toBe(0);
    // The redriven ones run now (not listed as failed); the restarted one was restarted before.
    expect(jsonOf(second).summary).toMatchObject({
      matched: 2,
      redriven: 0,
      restarted: 0,
      alreadyRestarted: 1,
      skipped: 1,
    });
    expect(account.calls(StartExecutionCommand)).toHaveLength(1);
  });

  it('asks before replaying more than 10, refuses without a terminal unless --yes, and stops on "no"', async () => {
    for (let i = 0; i < 12; i++)
      account.add({ name: `f${String(i).padStart(2, '0')}`, stopDate: hoursAgo(1 + i / 10) });
    const args = ['--failed', '--state-machine-arn', SM];

    const piped = capture();
    expect(await runReplayAws(args, piped.io)).toBe(2);
    expect(piped.err()).toContain(
      '12 executions would be replayed, more than 10, and there is no terminal to ask',
    );
    expect(account.calls(RedriveExecutionCommand)).toHaveLength(0);

    const declined = capture({ stdinIsTTY: true }, false);
    expect(await runReplayAws(args, declined.io)).toBe(1);
    expect(declined.questions).toEqual(['Replay 12 executions (12 redrive)? [y/N] ']);
    expect(account.calls(RedriveExecutionCommand)).toHaveLength(0);

    const accepted = capture({ stdinIsTTY: true }, true);
    expect(await runReplayAws(args, accepted.io)).toBe(0);
    expect(account.calls(RedriveExecutionCommand)).toHaveLength(12);
  });

  it('keeps to --concurrency and backs off throttled redrives without failing them', async () => {
    for (let i = 0; i < 8; i++) account.add({ name: `f${i}`, stopDate: hoursAgo(1 + i) });
    account.throttles.set('RedriveExecution', 4);
    const c = capture();
    const code = await runReplayAws(
      ['--failed', '--yes', '--json', '--concurrency', '2', '--state-machine-arn', SM],
      c.io,
    );
    expect(code).toBe(0);
    expect(account.maxInFlight).toBe(2);
    expect(jsonOf(c)).toMatchObject({ throttledCalls: 4, summary: { redriven: 8, failed: 0 } });
    expect(sleeps).toHaveLength(4);
  });

  it('replays one execution by the command the failure alert prints', async () => {
    account.add({ name: 'from-alert' });
    const argv = replayCommand(arnOf('from-alert')).split(' ').slice(2);
    expect(argv).toEqual(['replay', '--aws', arnOf('from-alert')]);
    // cli/replay.ts hands everything but "replay" and "--aws" to the AWS command.
    const c = capture();
    expect(await runReplayAws(argv.slice(2), c.io)).toBe(0);
    expect(c.out()).toContain('✓ from-alert: redriven, resumes at "Transform batch"');
    expect(account.calls(DescribeStateMachineCommand)).toHaveLength(0);
  });

  it('exits 1 naming each execution that could not be replayed, and why', async () => {
    account.add({ name: 'fine' });
    account.add({ name: 'rejected', failedState: 'Object rejected', error: 'ObjectRejected' });
    const c = capture();
    const code = await runReplayAws([arnOf('fine'), arnOf('missing'), arnOf('rejected'), '--json'], c.io);
    expect(code).toBe(1);
    const doc = jsonOf(c);
    expect(doc.executions.map((e: { outcome: { kind: string } }) => e.outcome.kind)).toEqual([
      'redriven',
      'failed',
      'skipped',
    ]);
    expect(doc.executions[1].outcome.message).toBe(
      `${arnOf('missing')}: no such execution (closed executions are kept 90 days; check the ARN, the account and the region)`,
    );
    expect(doc.summary).toMatchObject({ redriven: 1, failed: 1, skipped: 1 });
  });

  describe('exit codes and the summary when nothing is replayed (docs/replay-aws.md, "Exit codes")', () => {
    it('a named execution that is skipped exits 1, and the summary counts it', async () => {
      account.add({ name: 'rejected', failedState: 'Object rejected', error: 'ObjectRejected' });
      const human = capture();
      expect(await runReplayAws([arnOf('rejected')], human.io)).toBe(1);
      expect(human.out()).toContain('ObjectRejected is a data outcome');
      expect(human.out()).toContain(
        'Summary: 0 replayed (0 redriven, 0 restarted), 1 skipped (1 data-outcome).',
      );
      const json = capture();
      expect(await runReplayAws([arnOf('rejected'), '--json'], json.io)).toBe(1);
      expect(jsonOf(json).summary).toMatchObject({ redriven: 0, restarted: 0, failed: 0, skipped: 1 });
      expect(jsonOf(json).executions[0].outcome).toMatchObject({ kind: 'skipped', reason: 'data-outcome' });
      expect(account.calls(RedriveExecutionCommand)).toHaveLength(0);
    });

    it('a named execution that does not exist exits 1 naming it, and the summary counts it', async () => {
      const c = capture();
      expect(await runReplayAws([arnOf('missing'), '--json'], c.io)).toBe(1);
      const doc = jsonOf(c);
      expect(doc.summary).toMatchObject({ failed: 1, skipped: 0 });
      expect(doc.executions[0].outcome.message).toBe(
        `${arnOf('missing')}: no such execution (closed executions are kept 90 days; check the ARN, the account and the region)`,
      );
      const human = capture();
      expect(await runReplayAws([arnOf('missing')], human.io)).toBe(1);
      expect(human.out()).toContain(`${arnOf('missing')}: no such execution`);
      expect(human.out()).toContain('Summary: 0 replayed (0 redriven, 0 restarted), 1 failed.');
    });

    it('without credentials, a named execution exits 1 saying so, and so does --failed', async () => {
      account.add({ name: 'x' });
      // What the SDK throws when no provider in its chain has credentials (the moto tests use a real client).
      const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      });
      sfnMock.on(DescribeExecutionCommand).rejects(noCredentials);
      sfnMock.on(DescribeStateMachineCommand).rejects(noCredentials);
      const named = capture();
      expect(await runReplayAws([arnOf('x')], named.io)).toBe(1);
      expect(named.out()).toContain(
        `${arnOf('x')}: no AWS credentials (CredentialsProviderError: Could not load credentials from any providers); set AWS_PROFILE, log in with aws sso login, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`,
      );
      expect(named.out()).toContain('Summary: 0 replayed (0 redriven, 0 restarted), 1 failed.');
      const bulk = capture();
      expect(await runReplayAws(['--failed', '--state-machine-arn', SM], bulk.io)).toBe(1);
      expect(bulk.err()).toContain(`${SM}: no AWS credentials (CredentialsProviderError`);
    });

    it('in bulk, skips are expected: exit 0, and the summary still counts them', async () => {
      account.add({ name: 'r1', failedState: 'Object rejected', error: 'ObjectRejected' });
      account.add({ name: 'r2', failedState: 'Data quality failed', error: 'DataQualityFailed' });
      const c = capture();
      expect(await runReplayAws(['--failed', '--state-machine-arn', SM], c.io)).toBe(0);
      expect(c.out()).toContain('Summary: 0 replayed (0 redriven, 0 restarted), 2 skipped (2 data-outcome).');
    });

    it('in bulk, an execution that cannot be read exits 1 even when nothing else is to be done', async () => {
      account.add({ name: 'r1', failedState: 'Object rejected', error: 'ObjectRejected' });
      account.add({ name: 'gone' });
      // Listed, then gone before it is read (or unreadable for another reason).
      sfnMock.on(DescribeExecutionCommand, { executionArn: arnOf('gone') }).rejects(
        new SFNServiceException({
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: 'not authorized to perform: states:DescribeExecution',
        }),
      );
      const c = capture();
      expect(await runReplayAws(['--failed', '--state-machine-arn', SM, '--json'], c.io)).toBe(1);
      expect(jsonOf(c).summary).toMatchObject({ failed: 1, skipped: 1 });
    });
  });

  it('accepts a bare execution name with the state machine set, and restarts a named data outcome on request', async () => {
    account.add({ name: 'dq', failedState: 'Data quality failed', error: 'DataQualityFailed' });
    const c = capture();
    expect(await runReplayAws(['dq', '--restart', '--state-machine-arn', SM], c.io)).toBe(0);
    expect(c.out()).toContain('✓ dq: restarted as dq-restart-1');
  });

  it('refuses bad usage with exit 2 and a message that says what is wrong', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['--failed'],
        {},
        /which state machine\? Pass --state-machine-arn ARN or set LAKESTEP_STATE_MACHINE_ARN/,
      ],
      [
        ['--failed', arnOf('x'), '--state-machine-arn', SM],
        {},
        /either execution ARNs or --failed, not both/,
      ],
      [
        ['--failed', '--since', 'yesterday'],
        { LAKESTEP_STATE_MACHINE_ARN: SM },
        /--since "yesterday" is neither a duration/,
      ],
      [
        ['--failed', '--concurrency', '0'],
        { LAKESTEP_STATE_MACHINE_ARN: SM },
        /--concurrency "0" must be a whole number from 1 to 50/,
      ],
      [
        ['--failed'],
        { LAKESTEP_STATE_MACHINE_ARN: 'lakestep-dev' },
        /LAKESTEP_STATE_MACHINE_ARN "lakestep-dev" is not a state machine ARN/,
      ],
      [[arnOf('x'), '--state', 'Transform batch'], {}, /--state filters --failed/],
      [
        ['just-a-name'],
        {},
        /"just-a-name" is not an execution ARN; a bare execution name needs --state-machine-arn/,
      ],
      [
        [`arn:aws:states:${REGION}:${ACCOUNT}:express:${MACHINE}:n:1`],
        {},
        /is an Express execution: Step Functions cannot redrive Express executions/,
      ],
      [[arnOf('x'), '--state-machine-arn', `${SM}-other`], {}, /is not an execution of --state-machine-arn/],
      [[], {}, /name the execution\(s\) to replay, or pass --failed/],
      [['--nope'], {}, /unknown option --nope \(options: --failed/],
    ];
    for (const [argv, env, message] of cases) {
      const c = capture({ env });
      expect(await runReplayAws(argv, c.io)).toBe(2);
      expect(c.err()).toMatch(message);
    }
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('stops with exit 1 when the state machine is missing or Express', async () => {
    account.machineType = 'EXPRESS';
    const express = capture();
    expect(await runReplayAws(['--failed', '--json', '--state-machine-arn', SM], express.io)).toBe(1);
    expect(jsonOf(express).error).toMatch(
      /is an EXPRESS state machine: Step Functions can neither list nor redrive Express executions/,
    );
    account.machineType = 'MISSING';
    const missing = capture();
    expect(await runReplayAws(['--failed', '--state-machine-arn', SM], missing.io)).toBe(1);
    expect(missing.err()).toContain(`${SM}: no such state machine in this account and region`);
  });

  it('warns about a --state no workflow state has, and reports nothing to replay', async () => {
    someFailures();
    const c = capture();
    expect(
      await runReplayAws(['--failed', '--state', 'Transfrom batch', '--state-machine-arn', SM], c.io),
    ).toBe(0);
    expect(c.err()).toMatch(
      /no state of the lakestep workflow is named "Transfrom batch" \(states: Ingest object,/,
    );
    expect(c.out()).toContain('Nothing to replay.');
  });
});
