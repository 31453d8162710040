/**
 * `lakestep smoke --aws`: the upload lands under the dataset key with a name new on every run, the
 * execution is found by the name the starter gives it (key + ETag), and the command waits through
 * "not started yet" and RUNNING to the end, reporting a failure or a wait that timed out.
 */

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { parseDuration, smokeObject } from '../cli/smoke';
import { runSmoke } from '../handlers/aws/smoke';
import { YOUTUBE_DATASETS } from '../workflows/datasets';
import { pythonCsvRecords } from './helpers/python';

const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
const SM = 'arn:aws:states:eu-west-1:111111111111:stateMachine:lakestep-dev-youtube-trending';
const at = new Date('2026-12-01T09:00:00.000Z');
const notStarted = () => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });

function options(timeoutMs = 60_000) {
  let t = at.getTime();
  return {
    s3: new S3Client({}),
    sfn: new SFNClient({}),
    bucket: 'lakestep-dev-landing',
    stateMachineArn: SM,
    datasets: YOUTUBE_DATASETS,
    object: smokeObject('ZZ', at),
    timeoutMs,
    pollMs: 5000,
    now: () => new Date(t),
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

beforeEach(() => {
  s3.reset();
  sfn.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"0123456789abcdef0123456789abcdef"' });
});

it('uploads a passing statistics object under its dataset key, named for this run', () => {
  const o = smokeObject('ZZ', at);
  expect(o.fileName).toBe('ZZvideos_smoke-20261201T090000Z.csv');
  const [header, ...rows] = pythonCsvRecords(o.body);
  expect(header).toHaveLength(16);
  expect(rows).toHaveLength(50);
});

it('waits through not-started and RUNNING, then reports SUCCEEDED for the execution the upload started', async () => {
  sfn
    .on(DescribeExecutionCommand)
    .rejectsOnce(notStarted())
    .resolvesOnce({ status: 'RUNNING' })
    .resolves({ status: 'SUCCEEDED' });
  const r = await runSmoke(options());
  expect(r.status).toBe('SUCCEEDED');
  expect(r.key).toBe('raw_statistics/region=zz/ZZvideos_smoke-20261201T090000Z.csv');
  expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
    Bucket: 'lakestep-dev-landing',
    Key: r.key,
  });
  expect(r.executionArn).toBe(
    'arn:aws:states:eu-west-1:111111111111:execution:lakestep-dev-youtube-trending:raw_statistics-region-zz-ZZvideos_smoke-20261201T090000Z-csv-0123456789ab',
  );
  expect(r.waitedMs).toBe(10_000);
});

it('reports a failed execution with its error and cause', async () => {
  sfn
    .on(DescribeExecutionCommand)
    .resolves({ status: 'FAILED', error: 'DataQualityFailed', cause: 'zero_rows' });
  const r = await runSmoke(options());
  expect(r).toMatchObject({ status: 'FAILED', error: 'DataQualityFailed', cause: 'zero_rows' });
});

it('gives up after the timeout, saying whether an execution ever started', async () => {
  sfn.on(DescribeExecutionCommand).rejects(notStarted());
  const r = await runSmoke(options(30_000));
  expect(r.status).toBe('WAIT_TIMED_OUT');
  expect(r.cause).toMatch(/no execution started 30 s after the upload/);
});

it('reads durations and refuses others', () => {
  expect(parseDuration('20m')).toBe(1_200_000);
  expect(parseDuration('30s')).toBe(30_000);
  expect(() => parseDuration('20 minutes')).toThrow(/not a duration/);
});
