/**
 * `lakestep replay --aws` against moto's Step Functions, through the client the command builds
 * (credentials and AWS_ENDPOINT_URL from the environment): listing every page of ListExecutions,
 * the --since/--state/--error filters, --restart (started, then "restarted before" on a second run),
 * and the exit codes of named executions that are skipped, missing, or unreadable for want of credentials.
 *
 * moto's default Step Functions backend runs nothing: executions stay RUNNING until stopped (ABORTED),
 * their history is a fixed one ("A State"), and none carries a redriveStatus (a moto gap), so each
 * failure plans as "not redrivable" and --restart is what replays it here. Redrive itself (moto
 * answers RedriveExecution with a 500) and throttling are covered with aws-sdk-client-mock in
 * test/replay-aws.test.ts.
 */
import { DescribeExecutionCommand, ListExecutionsCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { type ReplayAwsIo, runReplayAws, sdkClientFor } from '../cli/replay-aws';
import { DEFAULT_BACKOFF } from '../handlers/aws/pacing';
import { listFailedExecutions } from '../handlers/aws/sfn-replay';
import { MOTO_REGION, pointSdkAtMoto, useMoto } from './helpers/moto';
import { createStateMachine, sfnClient, startExecution } from './moto-sfn';

const getMoto = useMoto();
const MACHINE = 'lakestep-dev-pipeline';
let SM = '';
const names = { early: ['e0', 'e1', 'e2', 'e3'], late: ['l0', 'l1', 'l2'], running: ['r0', 'r1'] };
/** Between the early and the late stops. */
let cut: Date;
const objectInput = (name: string) => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: 'lakestep-landing' }, object: { key: `raw_statistics/region=us/${name}.csv` } },
});
const arnOf = (name: string) => `arn:aws:states:${MOTO_REGION}:123456789012:execution:${MACHINE}:${name}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let restoreEnv: () => void = () => {};
beforeAll(async () => {
  const moto = getMoto();
  restoreEnv = pointSdkAtMoto(moto);
  const sfn = sfnClient(moto);
  SM = await createStateMachine(sfn, MACHINE, {
    StartAt: 'Transform batch',
    States: { 'Transform batch': { Type: 'Pass', End: true } },
  });
  for (const name of [...names.early, ...names.late, ...names.running])
    await startExecution(sfn, SM, name, objectInput(name));
  for (const name of names.early) await sfn.send(new StopExecutionCommand({ executionArn: arnOf(name) }));
  await sleep(20);
  cut = new Date();
  await sleep(20);
  for (const name of names.late) await sfn.send(new StopExecutionCommand({ executionArn: arnOf(name) }));
  sfn.destroy();
});
afterAll(() => {
  restoreEnv();
});

interface Captured {
  io: ReplayAwsIo;
  out: () => string;
  err: () => string;
}
function capture(over: Partial<ReplayAwsIo> = {}): Captured {
  let out = '';
  let err = '';
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
    confirm: async () => true,
    clientFor: sdkClientFor,
    sleep: async () => undefined,
    random: () => 0.5,
    now: () => new Date(),
    ...over,
  };
  return { io, out: () => out, err: () => err };
}
const run = async (argv: string[], over: Partial<ReplayAwsIo> = {}) => {
  const c = capture(over);
  const code = await runReplayAws(argv, c.io);
  return { code, out: c.out(), err: c.err(), json: () => JSON.parse(c.out()) };
};
const namesOf = (doc: { executions: { name: string }[] }) => doc.executions.map((e) => e.name).sort();

describe('listing', () => {
  it('reads every page of ListExecutions, failures only, newest stop first', async () => {
    const client = sdkClientFor(MOTO_REGION);
    const tokens: (string | undefined)[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListExecutionsCommand')
          tokens.push((args.input as { nextToken?: string }).nextToken);
        return next(args);
      },
      { step: 'initialize', name: 'recordListTokens' },
    );
    const ctx = {
      client,
      concurrency: 2,
      sleep: async () => undefined,
      random: () => 0.5,
      backoff: DEFAULT_BACKOFF,
      listPageSize: 2,
    };
    const found = await listFailedExecutions(ctx, SM, { since: new Date(0) });
    // Stopped in the order e0…e3, then l0…l2: newest stop first is the reverse.
    expect(found.map((e) => e.name)).toEqual([...names.early, ...names.late].reverse());
    expect(found.every((e) => e.status === 'ABORTED' && e.stopDate instanceof Date)).toBe(true);
    // 7 ABORTED in pages of 2 (4 pages, moto's own tokens), one empty page each for FAILED and TIMED_OUT.
    expect(tokens.filter((t) => t !== undefined)).toHaveLength(3);
    expect(tokens).toHaveLength(6);
    const since = await listFailedExecutions(ctx, SM, { since: cut });
    expect(since.map((e) => e.name).sort()).toEqual([...names.late].sort());
    client.destroy();
  });

  it('--failed --dry-run lists and plans every failure, and changes nothing', async () => {
    const r = await run(['--failed', '--dry-run', '--json', '--state-machine-arn', SM]);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.listed).toBe(7);
    expect(namesOf(doc)).toEqual([...names.early, ...names.late].sort());
    for (const e of doc.executions) {
      expect(e).toMatchObject({
        status: 'ABORTED',
        // moto's fixed history has no ExecutionAborted event: the error is the status's default.
        error: 'States.Aborted',
        failedState: 'A State',
        objectKey: `raw_statistics/region=us/${e.name}.csv`,
        action: 'skip',
        reason: 'not-redrivable',
      });
      expect(e.advice).toContain('Step Functions gives no redrive status for it');
    }
    expect(doc.summary).toMatchObject({ skipped: 7, redriven: 0, restarted: 0, failed: 0 });
  });

  it('filters by --since, --state and --error', async () => {
    const since = (
      await run(['--failed', '--dry-run', '--json', '--since', cut.toISOString(), '--state-machine-arn', SM])
    ).json();
    expect(since.listed).toBe(3);
    expect(namesOf(since)).toEqual([...names.late].sort());

    const matching = (
      await run([
        '--failed',
        '--dry-run',
        '--json',
        '--state',
        'A State',
        '--error',
        'States.Aborted',
        '--state-machine-arn',
        SM,
      ])
    ).json();
    expect(namesOf(matching)).toHaveLength(7);

    const timeouts = await run([
      '--failed',
      '--dry-run',
      '--error',
      'States.Timeout',
      '--state-machine-arn',
      SM,
    ]);
    expect(timeouts.code).toBe(0);
    expect(timeouts.out).toContain('7 failed executions stopped since');
    expect(timeouts.out).toContain('; 0 match');
    expect(timeouts.out).toContain('Nothing to replay.');
  });
});

describe('--restart', () => {
  it('starts each failure afresh with its input under a deterministic name; a second run starts nothing', async () => {
    const argv = [
      '--failed',
      '--restart',
      '--yes',
      '--json',
      '--since',
      cut.toISOString(),
      '--state-machine-arn',
      SM,
    ];
    const first = await run(argv);
    expect(first.code).toBe(0);
    expect(first.json().summary).toMatchObject({ restarted: 3, alreadyRestarted: 0, failed: 0 });
    const client = sdkClientFor(MOTO_REGION);
    for (const name of names.late) {
      const d = await client.send(new DescribeExecutionCommand({ executionArn: arnOf(`${name}-restart-1`) }));
      expect(d.status).toBe('RUNNING');
      expect(JSON.parse(d.input ?? '')).toEqual(objectInput(name));
    }

    const second = await run(argv);
    expect(second.code).toBe(0);
    expect(second.json().summary).toMatchObject({ restarted: 0, alreadyRestarted: 3, failed: 0 });
    const running = await client.send(
      new ListExecutionsCommand({ stateMachineArn: SM, statusFilter: 'RUNNING' }),
    );
    expect(running.executions?.map((e) => e.name).sort()).toEqual(
      [...names.running, ...names.late.map((n) => `${n}-restart-1`)].sort(),
    );
    client.destroy();
  });
});

describe('exit codes of named executions', () => {
  it('a named execution that is skipped exits 1, and the summary counts it', async () => {
    const r = await run([arnOf('r0')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('already running: nothing to replay');
    expect(r.out).toContain('Summary: 0 replayed (0 redriven, 0 restarted), 1 skipped (1 running).');
  });

  it('a named execution that does not exist exits 1, naming it', async () => {
    const r = await run([arnOf('never-ran'), arnOf('e0'), '--restart']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${arnOf('never-ran')}: no such execution`);
    expect(r.out).toContain('1 replayed (0 redriven, 1 restarted), 1 failed');
  });

  it('without credentials, exits 1 saying how to give them', async () => {
    const saved = { ...process.env };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
      delete process.env[name];
    Object.assign(process.env, {
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      const r = await run([arnOf('e1')]);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`${arnOf('e1')}: no AWS credentials (CredentialsProviderError`);
      expect(r.out).toContain('1 failed');
    } finally {
      process.env = saved;
    }
  });
});
