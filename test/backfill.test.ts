/**
 * The backfill's logic without AWS: each object planned as the trigger would start it (name, input)
 * or skipped with its reason, the pace (a start every 60/rate seconds, on a fake clock), the bound on
 * calls in flight, throttling retried, "already exists" as already started, other errors as failures
 * that do not stop the rest, and the CLI's usage errors.
 */

import { UsageError } from '../cli/args';
import { type BackfillIo, runBackfillCommand } from '../cli/backfill';
import { type BackfillPorts, runBackfill, type StartAnswer } from '../handlers/aws/backfill';
import { type ListedObject, parseS3Url, planObject } from '../handlers/aws/backfill-plan';
import { DEFAULT_BACKOFF } from '../handlers/aws/pacing';
import { executionNameFor } from '../handlers/core/execution-name';
import { YOUTUBE_DATASETS } from '../workflows/datasets';

const CTX = { bucket: 'landing', region: 'eu-west-1', account: '123456789012', datasets: YOUTUBE_DATASETS };
const RUN = new Date('2026-12-01T12:00:00Z');
const obj = (key: string, extra: Partial<ListedObject> = {}): ListedObject => ({
  key,
  size: 10,
  etag: '"0123456789abcdef0123456789abcdef"',
  lastModified: new Date('2026-11-01T00:00:00Z'),
  ...extra,
});

describe('planObject', () => {
  it("starts an object under the trigger's name, with an Object Created event as input", () => {
    const plan = planObject(CTX, obj('raw_statistics/region=us/USvideos.csv'), RUN);
    expect(plan).toMatchObject({
      action: 'start',
      name: executionNameFor('raw_statistics/region=us/USvideos.csv', '0123456789abcdef0123456789abcdef'),
      dataset: 'statistics',
    });
    const input = JSON.parse((plan as { input: string }).input);
    expect(input).toMatchObject({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      time: '2026-11-01T00:00:00.000Z',
      detail: {
        bucket: { name: 'landing' },
        object: {
          key: 'raw_statistics/region=us/USvideos.csv',
          size: 10,
          etag: '0123456789abcdef0123456789abcdef',
        },
        backfill: { startedAt: RUN.toISOString() },
      },
    });
    // Another run sends another input (so an earlier run's execution answers ExecutionAlreadyExists).
    const later = planObject(CTX, obj('raw_statistics/region=us/USvideos.csv'), new Date(RUN.getTime() + 1));
    expect((later as { input: string }).input).not.toBe((plan as { input: string }).input);
  });

  it('skips folder placeholders and archived objects, saying why', () => {
    expect(planObject(CTX, obj('raw_statistics/'), RUN)).toMatchObject({
      action: 'skip',
      reason: 'folder_marker',
    });
    expect(planObject(CTX, obj('a.csv', { storageClass: 'DEEP_ARCHIVE' }), RUN)).toMatchObject({
      action: 'skip',
      reason: 'archived',
      message: expect.stringContaining('restore'),
    });
    expect(planObject(CTX, obj('notes.txt', { storageClass: 'GLACIER_IR' }), RUN)).toMatchObject({
      action: 'start',
      dataset: 'unknown',
    });
  });

  it('reads s3://BUCKET/PREFIX, and names what is wrong with one', () => {
    expect(parseS3Url('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseS3Url('s3://my-bucket/raw_statistics/region=us/')).toEqual({
      bucket: 'my-bucket',
      prefix: 'raw_statistics/region=us/',
    });
    expect(parseS3Url('my-bucket/x')).toEqual({ problem: expect.stringContaining('is not an S3 URL') });
    expect(parseS3Url('s3://My_Bucket/x')).toEqual({
      problem: expect.stringContaining('"My_Bucket" is not a bucket name'),
    });
  });
});

/** Ports on a fake clock: sleep advances it; start answers by a script. */
function fakePorts(answer: (name: string, attempt: number) => StartAnswer | Error) {
  let now = RUN.getTime();
  const starts: { name: string; at: number }[] = [];
  let inFlight = 0;
  let most = 0;
  const attempts = new Map<string, number>();
  const timers: { due: number; resolve: () => void }[] = [];
  let firing = false;
  const fireNext = () => {
    if (firing) return;
    firing = true;
    setImmediate(() => {
      firing = false;
      timers.sort((a, b) => a.due - b.due);
      const next = timers.shift();
      if (!next) return;
      now = Math.max(now, next.due);
      next.resolve();
      fireNext();
    });
  };
  const ports: BackfillPorts = {
    // A virtual timeline: sleeps end in the order of their due times, one at a time, each after
    // everything the previous one woke has run.
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        timers.push({ due: now + ms, resolve });
        fireNext();
      }),
    random: () => 0.5,
    backoff: DEFAULT_BACKOFF,
    now: () => new Date(now),
    async *list() {},
    async start(name) {
      starts.push({ name, at: now });
      inFlight++;
      most = Math.max(most, inFlight);
      await Promise.resolve();
      inFlight--;
      const n = (attempts.get(name) ?? 0) + 1;
      attempts.set(name, n);
      const a = answer(name, n);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return { ports, starts, most: () => most };
}

const OPTIONS = {
  ...CTX,
  prefix: '',
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sm',
  concurrency: 3,
  dryRun: false,
};
const many = (n: number) =>
  Array.from({ length: n }, (_, i) => obj(`raw_statistics/region=us/USvideos_${i}.csv`));

describe('runBackfill', () => {
  it('starts no faster than the rate: one start every 60/rate seconds', async () => {
    const f = fakePorts(() => ({ status: 'started', executionArn: 'arn' }));
    const report = await runBackfill(f.ports, { ...OPTIONS, ratePerMinute: 60 }, many(10));
    expect(report.summary.started).toBe(10);
    const times = f.starts.map((s) => s.at).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++)
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(1000);
    expect((times.at(-1) as number) - RUN.getTime()).toBe(9000);
    expect(f.most()).toBeLessThanOrEqual(3);
  });

  it('retries throttling, counts "already exists" as already started, and keeps going after a failure', async () => {
    const throttle = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
    const f = fakePorts((name, attempt) => {
      if (name.includes('USvideos_0-'))
        return attempt === 1 ? throttle : { status: 'started', executionArn: 'a0' };
      if (name.includes('USvideos_1-')) return { status: 'exists' };
      if (name.includes('USvideos_2-')) return denied;
      return { status: 'started', executionArn: 'a' };
    });
    const progress: number[] = [];
    const report = await runBackfill(f.ports, { ...OPTIONS, ratePerMinute: 6000 }, many(5), (p) =>
      progress.push(p.done),
    );
    expect(report.summary).toMatchObject({ started: 3, alreadyStarted: 1, failed: 1, throttled: 1 });
    expect(report.objects.map((o) => o.outcome)).toEqual([
      'started',
      'already_started',
      'failed',
      'started',
      'started',
    ]);
    expect(report.objects[2]).toMatchObject({ error: 'AccessDeniedException: not allowed' });
    expect(progress.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  });

  it('in a dry run, plans and calls nothing', async () => {
    const f = fakePorts(() => new Error('must not be called'));
    const report = await runBackfill(f.ports, { ...OPTIONS, ratePerMinute: 60, dryRun: true }, [
      ...many(2),
      obj('x/'),
    ]);
    expect(report.summary).toMatchObject({ wouldStart: 2, started: 0, skipped: { folder_marker: 1 } });
    expect(f.starts).toEqual([]);
  });
});

describe('lakestep backfill: usage errors', () => {
  const quiet: BackfillIo = {
    out() {},
    err() {},
    errIsTTY: false,
    env: {},
    s3For: () => {
      throw new Error('no client in a usage error');
    },
    sfnFor: () => {
      throw new Error('no client in a usage error');
    },
    sleep: async () => {},
    random: () => 0,
    now: () => RUN,
  };
  const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:sm';
  it.each([
    [
      [`s3://b-1/`, '--state-machine-arn', SM],
      /only --aws is a backfill of its own; locally, run the files: lakestep run --data DIR/,
    ],
    [['--aws', '--state-machine-arn', SM], /name exactly one s3:\/\/BUCKET\/PREFIX \(got 0\)/],
    [['--aws', 'bucket/prefix', '--state-machine-arn', SM], /"bucket\/prefix" is not an S3 URL/],
    [
      ['--aws', 's3://b-1/'],
      /which state machine\? Pass --state-machine-arn ARN or set LAKESTEP_STATE_MACHINE_ARN/,
    ],
    [
      ['--aws', 's3://b-1/', '--state-machine-arn', 'sm'],
      /--state-machine-arn "sm" is not a state machine ARN/,
    ],
    [
      ['--aws', 's3://b-1/', '--state-machine-arn', SM, '--rate', '0'],
      /--rate "0" must be a whole number from 1 to 60000/,
    ],
    [
      ['--aws', 's3://b-1/', '--state-machine-arn', SM, '--concurrency', '99'],
      /--concurrency "99" must be a whole number from 1 to 50/,
    ],
  ])('%j', async (argv, message) => {
    const error = await runBackfillCommand(argv as string[], quiet).catch((e: Error) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });
});
