/**
 * `lakestep backfill --aws` against moto's S3 and Step Functions, through the clients the command
 * builds: every page of the listing (over 1,000 keys), one execution per object under the trigger's
 * deterministic name with the trigger's input shape, skips with their reasons, a second run that
 * starts nothing again ("already started"), --dry-run, a prefix, and the errors that name the bucket,
 * the prefix or the state machine. (moto's default Step Functions backend runs nothing: executions stay
 * RUNNING, which is all a start needs.)
 */
import { createHash } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type BackfillIo, runBackfillCommand } from '../cli/backfill';
import { mapWithLimit } from '../handlers/aws/pacing';
import { executionNameFor } from '../handlers/core/execution-name';
import { MOTO_REGION, pointSdkAtMoto, useMoto } from './helpers/moto';
import { createStateMachine, sfnClient } from './moto-sfn';

jest.setTimeout(120_000);

const getMoto = useMoto();
const BUCKET = 'lakestep-dev-landing';
let SM = '';
let sfn: SFNClient;
const MANY = 1003;
const manyKeys = Array.from(
  { length: MANY },
  (_, i) => `raw_statistics/region=zz/ZZvideos_${String(i).padStart(4, '0')}.csv`,
);
const special = {
  us: 'raw_statistics/region=us/USvideos.csv',
  categories: 'raw_statistics_reference_data/region=us/US_category_id.json',
  unknown: 'notes.txt',
  folder: 'raw_statistics/region=us/',
  archived: 'raw_statistics/region=gb/GBvideos.csv',
};

let restoreEnv: () => void = () => {};
beforeAll(async () => {
  const moto = getMoto();
  restoreEnv = pointSdkAtMoto(moto);
  const s3 = new S3Client(moto.clientConfig);
  await s3.send(
    new CreateBucketCommand({
      Bucket: BUCKET,
      CreateBucketConfiguration: { LocationConstraint: MOTO_REGION },
    }),
  );
  const put = (Key: string, Body: string | Uint8Array, StorageClass?: 'GLACIER') =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ...(StorageClass ? { StorageClass } : {}) }));
  await mapWithLimit(manyKeys, 16, (k, i) => put(k, `video_id\n${i}\n`));
  await put(special.us, 'us\n');
  await put(special.categories, '{"items":[]}');
  await put(special.unknown, 'hello');
  await put(special.folder, new Uint8Array(0));
  await put(special.archived, 'gb\n', 'GLACIER');
  s3.destroy();
  sfn = sfnClient(moto);
  SM = await createStateMachine(sfn, 'lakestep-dev-pipeline', {
    StartAt: 'Ingest object',
    States: { 'Ingest object': { Type: 'Pass', End: true } },
  });
});
afterAll(() => {
  sfn?.destroy();
  restoreEnv();
});

function io(): { io: BackfillIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      errIsTTY: false,
      env: {},
      s3For: (region) => new S3Client({ region, maxAttempts: 1, forcePathStyle: true }),
      sfnFor: (region) => new SFNClient({ region, maxAttempts: 1 }),
      // The pace is proven with a fake clock in test/backfill.test.ts; here nothing needs to wait.
      sleep: async () => {},
      random: () => 0,
      now: () => new Date(),
    },
    out: () => out,
    err: () => err,
  };
}

async function executions(): Promise<{ name: string; executionArn: string }[]> {
  const all: { name: string; executionArn: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: SM, nextToken, maxResults: 1000 }),
    );
    for (const e of page.executions ?? [])
      all.push({ name: e.name ?? '', executionArn: e.executionArn ?? '' });
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

describe('lakestep backfill --aws (moto)', () => {
  it('--dry-run lists every page and starts nothing', async () => {
    const c = io();
    const code = await runBackfillCommand(
      ['--aws', `s3://${BUCKET}/`, '--state-machine-arn', SM, '--dry-run', '--json'],
      c.io,
    );
    expect(code).toBe(0);
    const doc = JSON.parse(c.out());
    expect(doc.listed).toBe(MANY + 5);
    expect(doc.summary).toMatchObject({
      started: 0,
      wouldStart: MANY + 3,
      skipped: { folder_marker: 1, archived: 1 },
    });
    expect(await executions()).toEqual([]);
  });

  it("starts one execution per object under the trigger's name and input, skipping with reasons", async () => {
    const c = io();
    const code = await runBackfillCommand(
      [
        '--aws',
        `s3://${BUCKET}/`,
        '--state-machine-arn',
        SM,
        '--rate',
        '60000',
        '--concurrency',
        '8',
        '--json',
      ],
      c.io,
    );
    expect([code, c.err()]).toEqual([0, '']);
    const doc = JSON.parse(c.out());
    expect(doc.summary).toMatchObject({
      started: MANY + 3,
      alreadyStarted: 0,
      failed: 0,
      skipped: { folder_marker: 1, archived: 1 },
      byDataset: { statistics: MANY + 1, categories: 1, unknown: 1 },
    });
    expect(doc.objects.find((o: { key: string }) => o.key === special.archived)).toMatchObject({
      outcome: 'skipped',
      reason: 'archived',
      message: expect.stringContaining('GLACIER'),
    });
    const started = await executions();
    expect(started).toHaveLength(MANY + 3);
    // The name the trigger would give (key + ETag, the content's MD5), and the trigger's input shape.
    const us = doc.objects.find((o: { key: string }) => o.key === special.us);
    const md5 = createHash('md5').update('us\n').digest('hex');
    expect(us.name).toBe(executionNameFor(special.us, md5));
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: us.executionArn }));
    expect(JSON.parse(described.input ?? '{}')).toMatchObject({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: BUCKET }, object: { key: special.us, size: 3, etag: md5 } },
    });
  });

  it('run again, starts nothing twice: every object is "already started"', async () => {
    const c = io();
    const code = await runBackfillCommand(
      ['--aws', `s3://${BUCKET}/`, '--state-machine-arn', SM, '--rate', '60000'],
      c.io,
    );
    expect(code).toBe(0);
    expect(c.out()).toContain(
      `Summary: 0 started, ${MANY + 3} already started, 2 skipped (1 archived, 1 folder_marker), 0 failed.`,
    );
    expect(c.err()).toMatch(/\[1006\/1006\] started 0, already started 1006, failed 0/);
    expect(await executions()).toHaveLength(MANY + 3);
  });

  it('takes only the prefix it is given', async () => {
    const c = io();
    await runBackfillCommand(
      ['--aws', `s3://${BUCKET}/raw_statistics/region=us/`, '--state-machine-arn', SM, '--dry-run', '--json'],
      c.io,
    );
    expect(JSON.parse(c.out()).objects.map((o: { key: string }) => o.key)).toEqual([
      special.folder,
      special.us,
    ]);
  });

  it('names the bucket, the prefix or the state machine when they are wrong', async () => {
    const missingBucket = io();
    expect(
      await runBackfillCommand(
        ['--aws', 's3://no-such-bucket-here/x/', '--state-machine-arn', SM],
        missingBucket.io,
      ),
    ).toBe(1);
    expect(missingBucket.err()).toContain(
      's3://no-such-bucket-here/x/: no such bucket (no-such-bucket-here)',
    );
    const empty = io();
    expect(
      await runBackfillCommand(
        ['--aws', `s3://${BUCKET}/nothing-here/`, '--state-machine-arn', SM],
        empty.io,
      ),
    ).toBe(1);
    expect(empty.err()).toContain(`nothing to backfill: no objects under s3://${BUCKET}/nothing-here/`);
    const missingMachine = io();
    const other = SM.replace('lakestep-dev-pipeline', 'lakestep-nope-pipeline');
    expect(
      await runBackfillCommand(['--aws', `s3://${BUCKET}/`, '--state-machine-arn', other], missingMachine.io),
    ).toBe(1);
    expect(missingMachine.err()).toContain(`${other}: no such state machine`);
  });
});
