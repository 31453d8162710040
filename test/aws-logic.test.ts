/**
 * The logic that runs only on AWS, against mocked SDK clients (aws-sdk-client-mock): the trigger's
 * starter, the failure recorder, and the S3 adapter of the LakeStorage port.
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Storage } from '../handlers/aws/s3-storage';
import { executionNameFor } from '../handlers/core/execution-name';
import type { Log, MetricsSink } from '../handlers/core/ports';
import { DATA_OUTCOME_ERRORS, type RecordResult } from '../handlers/core/record-failure';
import { type ObjectCreatedEvent, startExecutionForObject } from '../handlers/core/start-execution';

// Quiet Powertools before the handlers build their Logger and Metrics (module level, as in Lambda).
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'lakestep-test';

type Handler<R> = (event: unknown, context: Context) => Promise<R>;
let startHandler: Handler<{
  started: boolean;
  duplicate: boolean;
  name: string;
  executionArn: string | null;
}>;
let recordHandler: Handler<RecordResult>;
beforeAll(async () => {
  startHandler = (await import('../handlers/start-execution')).handler;
  recordHandler = (await import('../handlers/record-failure')).handler;
});

const context = { functionName: 'test', awsRequestId: 'req-1' } as unknown as Context;
const sfnMock = mockClient(SFNClient);
const dynamoMock = mockClient(DynamoDBDocumentClient);
const snsMock = mockClient(SNSClient);
const s3Mock = mockClient(S3Client);
beforeEach(() => {
  sfnMock.reset();
  dynamoMock.reset();
  snsMock.reset();
  s3Mock.reset();
});

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:lakestep-youtube-trending';
const KEY = 'raw_statistics/region=us/USvideos.csv';
const ETAG = '"9b2cf535f27731c974343645a3985328"';

function objectCreated(key = KEY, etag = ETAG) {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-01-02T03:04:05Z',
    region: 'eu-west-1',
    resources: ['arn:aws:s3:::lakestep-landing'],
    detail: {
      version: '0',
      bucket: { name: 'lakestep-landing' },
      object: { key, size: 1234, etag, sequencer: '00617F08299329D189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  };
}

const throttled = () =>
  new SFNServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });

describe('start execution (the trigger)', () => {
  beforeEach(() => {
    process.env.STATE_MACHINE_ARN = STATE_MACHINE;
  });

  it('names the execution from the key and ETag, the same name for the same event every time', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
    const a = await startHandler(objectCreated(), context);
    const b = await startHandler(objectCreated(), context);
    const other = await startHandler(objectCreated(KEY, '"0000aaaabbbbccccdddd"'), context);
    expect(a.name).toBe(executionNameFor(KEY, ETAG));
    expect(a.name).toBe('raw_statistics-region-us-USvideos-csv-9b2cf535f277');
    expect(b.name).toBe(a.name);
    expect(other.name).not.toBe(a.name);
    const names = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toEqual([a.name, a.name, other.name]);
    const long = await startHandler(
      objectCreated(`raw_statistics/region=us/${'x'.repeat(200)}.csv`),
      context,
    );
    expect(long.name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it('starts the state machine from STATE_MACHINE_ARN with the event unchanged as input', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .resolves({ executionArn: `${STATE_MACHINE}:run-1`, startDate: new Date() });
    const event = objectCreated();
    const result = await startHandler(event, context);
    const call = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(call?.stateMachineArn).toBe(STATE_MACHINE);
    expect(call?.input).toBe(JSON.stringify(event));
    expect(result).toEqual({
      started: true,
      duplicate: false,
      name: result.name,
      objectKey: KEY,
      executionArn: `${STATE_MACHINE}:run-1`,
    });
  });

  it('treats ExecutionAlreadyExists as a duplicate event: nothing started, no error', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    await expect(startHandler(objectCreated(), context)).resolves.toEqual({
      started: false,
      duplicate: true,
      name: executionNameFor(KEY, ETAG),
      objectKey: KEY,
      executionArn: null,
    });
  });

  it('logs the duplicate with the name and object and counts it', async () => {
    const logged: unknown[][] = [];
    const metrics: string[] = [];
    const log: Log = { info: (...a) => logged.push(a), warn: () => {}, error: () => {} };
    const sink: MetricsSink = {
      addDimensions: () => {},
      addMetric: (name) => metrics.push(name),
      publishStoredMetrics: () => {},
    };
    const starter = { start: async () => ({ status: 'duplicate' as const }) };
    await startExecutionForObject(objectCreated() as ObjectCreatedEvent, { starter, log, metrics: sink });
    expect(logged).toEqual([
      [
        expect.stringContaining('duplicate'),
        expect.objectContaining({ name: executionNameFor(KEY, ETAG), key: KEY, bucket: 'lakestep-landing' }),
      ],
    ]);
    expect(metrics).toEqual(['DuplicateObjectEvents']);
  });

  it('rethrows throttling and service errors so that the EventBridge retry policy and DLQ take them', async () => {
    sfnMock.on(StartExecutionCommand).rejects(throttled());
    await expect(startHandler(objectCreated(), context)).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    sfnMock.on(StartExecutionCommand).rejects(
      new SFNServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        $metadata: { httpStatusCode: 503 },
        message: 'unavailable',
      }),
    );
    await expect(startHandler(objectCreated(), context)).rejects.toMatchObject({
      name: 'ServiceUnavailable',
    });
  });

  it('refuses other events and a missing STATE_MACHINE_ARN with Lake.ContractViolation, starting nothing', async () => {
    await expect(
      startHandler({ ...objectCreated(), 'detail-type': 'Object Deleted' }, context),
    ).rejects.toMatchObject({
      name: 'Lake.ContractViolation',
      message: expect.stringContaining('Object Created'),
    });
    delete process.env.STATE_MACHINE_ARN;
    await expect(startHandler(objectCreated(), context)).rejects.toMatchObject({
      name: 'Lake.ContractViolation',
      message: expect.stringContaining('STATE_MACHINE_ARN'),
    });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('record failure (execution status change)', () => {
  const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:lakestep-youtube-trending:run-1';
  const env = {
    FAILURES_TABLE: 'lakestep-failures',
    PAGE_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:lakestep-page',
    NOTICE_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:lakestep-notice',
  };
  beforeEach(() => Object.assign(process.env, env));

  function statusChange(status: string, input: string | null = JSON.stringify(objectCreated())) {
    return {
      version: '0',
      id: 'e-1',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '123456789012',
      time: '2026-01-02T03:10:00Z',
      region: 'eu-west-1',
      resources: [EXECUTION],
      detail: {
        executionArn: EXECUTION,
        stateMachineArn: STATE_MACHINE,
        name: 'run-1',
        status,
        startDate: 1767323045000,
        stopDate: 1767323400123,
        input,
        inputDetails: { included: input !== null },
        output: null,
      },
    };
  }

  /** A history, oldest first, with ids and previousEventId chained as Step Functions chains them. */
  function history(...events: Omit<HistoryEvent, 'id' | 'previousEventId' | 'timestamp'>[]): HistoryEvent[] {
    const started = {
      type: 'ExecutionStarted',
      executionStartedEventDetails: {
        input: JSON.stringify(objectCreated('raw_statistics/region=gb/GBvideos.csv')),
      },
    };
    return [started, ...events].map((e, i) => ({
      ...e,
      id: i + 1,
      previousEventId: i,
      timestamp: new Date(0),
    })) as HistoryEvent[];
  }
  const entered = (type: string, name: string) =>
    ({ type, stateEnteredEventDetails: { name } }) as HistoryEvent;
  const exited = (type: string, name: string) =>
    ({ type, stateExitedEventDetails: { name } }) as HistoryEvent;
  const event = (type: string) => ({ type }) as HistoryEvent;

  /** Serves a history newest first in pages of `size`, as GetExecutionHistory with reverseOrder does. */
  function serve(events: HistoryEvent[], size = 3) {
    const newest = [...events].reverse();
    sfnMock
      .on(GetExecutionHistoryCommand)
      .callsFake((input: { nextToken?: string; reverseOrder?: boolean }) => {
        if (!input.reverseOrder) return { events: events.slice(0, 1) }; // the input, from ExecutionStarted
        const from = Number(input.nextToken ?? 0);
        const next = from + size < newest.length ? String(from + size) : undefined;
        return { events: newest.slice(from, from + size), nextToken: next };
      });
  }

  const ingestThenTransformFails = () =>
    history(
      entered('TaskStateEntered', 'Ingest object'),
      event('TaskScheduled'),
      event('TaskStarted'),
      event('TaskSucceeded'),
      exited('TaskStateExited', 'Ingest object'),
      entered('ChoiceStateEntered', 'Which dataset?'),
      exited('ChoiceStateExited', 'Which dataset?'),
      entered('TaskStateEntered', 'Transform batch'),
      event('TaskScheduled'),
      event('TaskStarted'),
      event('TaskFailed'),
      event('TaskScheduled'), // a retry
      event('TaskStarted'),
      event('TaskFailed'),
      {
        type: 'ExecutionFailed',
        executionFailedEventDetails: {
          error: 'Glue.ConcurrentRunsExceededException',
          cause: 'Concurrent runs exceeded for lakestep-transform-batch',
        },
      } as HistoryEvent,
    );

  const dataQualityFails = () =>
    history(
      entered('TaskStateEntered', 'Check data quality'),
      exited('TaskStateExited', 'Check data quality'),
      entered('TaskStateEntered', 'Quarantine batch'),
      exited('TaskStateExited', 'Quarantine batch'),
      entered('FailStateEntered', 'Data quality failed'),
      {
        type: 'ExecutionFailed',
        executionFailedEventDetails: {
          error: 'DataQualityFailed',
          cause: `${KEY}: 12% of the rows read were quarantined (limit 5%)`,
        },
      } as HistoryEvent,
    );

  it('pages through the history newest first and stops at the page holding the failed state', async () => {
    serve(ingestThenTransformFails(), 3);
    const result = await recordHandler(statusChange('FAILED'), context);
    expect(result.record).toMatchObject({
      failedState: 'Transform batch',
      error: 'Glue.ConcurrentRunsExceededException',
      cause: 'Concurrent runs exceeded for lakestep-transform-batch',
    });
    const calls = sfnMock.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input);
    // 16 events newest first in pages of 3: "Transform batch" was entered in the third page.
    expect(calls.map((c) => c.nextToken)).toEqual([undefined, '3', '6']);
    expect(calls.every((c) => c.executionArn === EXECUTION && c.reverseOrder === true)).toBe(true);
  });

  it('writes one item per execution with everything on-call needs, overwriting it on a repeated event', async () => {
    serve(ingestThenTransformFails(), 100);
    await recordHandler(statusChange('FAILED'), context);
    await recordHandler(statusChange('FAILED'), context);
    const puts = dynamoMock.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(2);
    expect(puts[1]).toEqual(puts[0]);
    expect(puts[0]).toEqual({
      TableName: 'lakestep-failures',
      Item: {
        pk: EXECUTION,
        executionArn: EXECUTION,
        executionName: 'run-1',
        stateMachineArn: STATE_MACHINE,
        objectKey: KEY,
        failedState: 'Transform batch',
        error: 'Glue.ConcurrentRunsExceededException',
        cause: 'Concurrent runs exceeded for lakestep-transform-batch',
        status: 'FAILED',
        classification: 'system',
        failedAt: '2026-01-02T03:10:00.123Z',
        replayCommand: `npx lakestep replay --aws ${EXECUTION}`,
        // 90 days (FAILURE_RECORD_DAYS) after it stopped, in epoch seconds: the table's TTL attribute.
        expiresAt: Math.floor(Date.parse('2026-01-02T03:10:00.123Z') / 1000) + 90 * 86_400,
      },
    });
    expect(puts[0]).not.toHaveProperty('ConditionExpression');
  });

  it('pages a system fault on the PAGE topic with the error, cause, console link and replay command', async () => {
    serve(ingestThenTransformFails(), 100);
    await recordHandler(statusChange('FAILED'), context);
    const publish = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(publish).toHaveLength(1);
    expect(publish[0]?.TopicArn).toBe(env.PAGE_TOPIC_ARN);
    expect(publish[0]?.Subject).toBe(`lakestep [system] Transform batch failed: ${KEY}`);
    const body = publish[0]?.Message ?? '';
    expect(body).toContain('Glue.ConcurrentRunsExceededException');
    expect(body).toContain('Concurrent runs exceeded for lakestep-transform-batch');
    expect(body).toContain(
      `https://console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXECUTION}`,
    );
    expect(body).toContain(`npx lakestep replay --aws ${EXECUTION}`);
  });

  it.each([
    ['DataQualityFailed', 'Data quality failed'],
    ['ObjectRejected', 'Object rejected'],
  ])('sends %s, a data outcome, to the NOTICE topic, not the pager', async (error, state) => {
    const events =
      error === 'DataQualityFailed'
        ? dataQualityFails()
        : history(
            entered('TaskStateEntered', 'Ingest object'),
            exited('TaskStateExited', 'Ingest object'),
            entered('FailStateEntered', state),
            {
              type: 'ExecutionFailed',
              executionFailedEventDetails: { error, cause: 'unknown/notes.txt: unknown_dataset' },
            } as HistoryEvent,
          );
    serve(events, 2);
    const result = await recordHandler(statusChange('FAILED'), context);
    expect(result.record).toMatchObject({ classification: 'data', failedState: state, error });
    const publish = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(publish?.TopicArn).toBe(env.NOTICE_TOPIC_ARN);
    expect(publish?.Subject).toBe(`lakestep [data] ${state}: ${KEY}`);
  });

  it('classifies exactly the errors of the workflow Fail states as data outcomes', () => {
    expect([...DATA_OUTCOME_ERRORS].sort()).toEqual(['DataQualityFailed', 'ObjectRejected']);
  });

  it('pages a TIMED_OUT execution, which has no ExecutionFailed event, at the state it was in', async () => {
    serve(
      history(
        entered('TaskStateEntered', 'Start crawler'),
        exited('TaskStateExited', 'Start crawler'),
        entered('WaitStateEntered', 'Wait for crawler'),
        { type: 'ExecutionTimedOut', executionTimedOutEventDetails: {} } as HistoryEvent,
      ),
      2,
    );
    const result = await recordHandler(statusChange('TIMED_OUT'), context);
    expect(result.record).toMatchObject({
      status: 'TIMED_OUT',
      failedState: 'Wait for crawler',
      error: 'States.Timeout',
      cause: null,
      classification: 'system',
    });
    expect(result.topicArn).toBe(env.PAGE_TOPIC_ARN);
    expect(result.subject).toBe(`lakestep [system] timed out in Wait for crawler: ${KEY}`);
  });

  it('pages an ABORTED execution even when it stopped in a data Fail state error', async () => {
    serve(
      history(entered('TaskStateEntered', 'Promote batch'), {
        type: 'ExecutionAborted',
        executionAbortedEventDetails: { error: 'DataQualityFailed' },
      } as HistoryEvent),
    );
    const result = await recordHandler(statusChange('ABORTED'), context);
    expect(result.record).toMatchObject({ classification: 'system', failedState: 'Promote batch' });
    expect(result.topicArn).toBe(env.PAGE_TOPIC_ARN);
  });

  it('records an ABORTED execution whose error and cause are empty (StopExecution without them) as States.Aborted', async () => {
    serve(
      history(entered('WaitStateEntered', 'Wait for crawler'), {
        type: 'ExecutionAborted',
        executionAbortedEventDetails: { error: '', cause: '' },
      } as HistoryEvent),
    );
    const event = statusChange('ABORTED');
    Object.assign(event.detail, { error: '', cause: '' });
    const result = await recordHandler(event, context);
    expect(result.record).toMatchObject({
      error: 'States.Aborted',
      cause: null,
      failedState: 'Wait for crawler',
    });
    expect(result.subject).toBe(`lakestep [system] aborted in Wait for crawler: ${KEY}`);
  });

  it('falls back to the state entered last when the history has no event chain', async () => {
    const events = history(
      entered('TaskStateEntered', 'Ingest object'),
      exited('TaskStateExited', 'Ingest object'),
      entered('TaskStateEntered', 'Transform batch'),
      { type: 'ExecutionTimedOut' } as HistoryEvent,
    ).map((e) => ({ ...e, previousEventId: undefined }));
    serve(events, 100);
    const result = await recordHandler(statusChange('TIMED_OUT'), context);
    expect(result.record.failedState).toBe('Transform batch');
  });

  it('reads the input from the oldest history event when the event came without it (no extra grant)', async () => {
    serve(dataQualityFails(), 100);
    const result = await recordHandler(statusChange('FAILED', null), context);
    expect(result.record.objectKey).toBe('raw_statistics/region=gb/GBvideos.csv');
    const oldestFirst = sfnMock
      .commandCalls(GetExecutionHistoryCommand)
      .map((c) => c.args[0].input)
      .filter((i) => !i.reverseOrder);
    expect(oldestFirst).toEqual([
      { executionArn: EXECUTION, maxResults: 1, reverseOrder: false, includeExecutionData: true },
    ]);
  });

  it('takes the object key from the event input when it has one, without reading the start of the history', async () => {
    serve(dataQualityFails(), 100);
    const result = await recordHandler(statusChange('FAILED'), context);
    expect(result.record.objectKey).toBe(KEY);
    const calls = sfnMock.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input);
    expect(calls.every((i) => i.reverseOrder)).toBe(true);
  });

  it('keeps the subject under 100 printable ASCII characters, naming the state and the end of a long key', async () => {
    serve(ingestThenTransformFails(), 100);
    const key = `raw_statistics/region=us/${'ü'.repeat(40)}${'long-name-'.repeat(20)}USvideos.csv`;
    const result = await recordHandler(statusChange('FAILED', JSON.stringify(objectCreated(key))), context);
    const subject = snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Subject ?? '';
    expect(subject).toBe(result.subject);
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject).toContain('Transform batch failed');
    expect(subject.endsWith('long-name-USvideos.csv')).toBe(true);
    expect(result.record.objectKey).toBe(key); // the record keeps the key as it is
  });

  it('refuses events of other statuses and missing configuration, recording nothing', async () => {
    await expect(recordHandler(statusChange('SUCCEEDED'), context)).rejects.toMatchObject({
      name: 'Lake.ContractViolation',
    });
    delete process.env.PAGE_TOPIC_ARN;
    await expect(recordHandler(statusChange('FAILED'), context)).rejects.toMatchObject({
      name: 'Lake.ContractViolation',
      message: expect.stringContaining('PAGE_TOPIC_ARN'),
    });
    expect(dynamoMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('rethrows a throttled history read so that EventBridge retries the event', async () => {
    sfnMock.on(GetExecutionHistoryCommand).rejects(throttled());
    await expect(recordHandler(statusChange('FAILED'), context)).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });
});

describe('S3Storage (the LakeStorage port on S3)', () => {
  const storage = new S3Storage(new S3Client({}));
  const ref = { bucket: 'lakestep-bronze', key: 'statistics/region=us/USvideos.csv' };
  const s3Error = (name: string, status: number) =>
    new S3ServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
      message: name,
    });

  it('answers null from head when the object does not exist (404), and its size otherwise', async () => {
    s3Mock
      .on(HeadObjectCommand)
      .rejects(new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } }));
    await expect(storage.head(ref)).resolves.toBeNull();
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 42 });
    await expect(storage.head(ref)).resolves.toEqual({ ...ref, size: 42 });
  });

  it('tells a missing bucket from a missing key on a HEAD 404 with one HeadBucket per bucket', async () => {
    const fresh = new S3Storage(new S3Client({}));
    s3Mock
      .on(HeadObjectCommand)
      .rejects(new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } }));
    s3Mock
      .on(HeadBucketCommand, { Bucket: 'typo' })
      .rejects(new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } }));
    s3Mock.on(HeadBucketCommand, { Bucket: ref.bucket }).resolves({});
    await expect(fresh.head(ref)).resolves.toBeNull();
    await expect(fresh.head({ ...ref, key: 'other.csv' })).resolves.toBeNull();
    expect(s3Mock.commandCalls(HeadBucketCommand)).toHaveLength(1);
    await expect(fresh.head({ bucket: 'typo', key: 'x.csv' })).rejects.toMatchObject({
      name: 'Lake.BucketNotFound',
      message: expect.stringContaining('the bucket typo does not exist'),
    });
  });

  it('turns a missing object on read into Lake.ObjectNotFound naming it', async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejects(new NoSuchKey({ message: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    const expected = {
      name: 'Lake.ObjectNotFound',
      message: expect.stringContaining(`s3://${ref.bucket}/${ref.key} does not exist`),
    };
    await expect(storage.readBytes(ref)).rejects.toMatchObject(expected);
    const iterate = async () => {
      for await (const _ of storage.read(ref)) {
        // nothing: the first GET fails
      }
    };
    await expect(iterate()).rejects.toMatchObject(expected);
  });

  it.each([
    ['SlowDown', 503],
    ['InternalError', 500],
    ['BadGateway', 502],
  ])('turns %s (%i) into Lake.Unavailable, which the workflow retries', async (name, status) => {
    s3Mock.on(GetObjectCommand).rejects(s3Error(name, status));
    await expect(storage.readBytes(ref)).rejects.toMatchObject({
      name: 'Lake.Unavailable',
      message: expect.stringContaining(`GET s3://${ref.bucket}/${ref.key} failed transiently`),
    });
    s3Mock.on(HeadObjectCommand).rejects(s3Error(name, status));
    await expect(storage.head(ref)).rejects.toMatchObject({ name: 'Lake.Unavailable' });
  });

  it('turns AccessDenied (403) into Lake.AccessDenied naming the action: not retried, not "not found"', async () => {
    s3Mock.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
    await expect(storage.readBytes(ref)).rejects.toMatchObject({
      name: 'Lake.AccessDenied',
      message: expect.stringContaining(`s3:GetObject on arn:aws:s3:::${ref.bucket}/${ref.key}`),
    });
  });

  it('lets other errors through unchanged', async () => {
    s3Mock.on(GetObjectCommand).rejects(s3Error('InvalidObjectState', 400));
    await expect(storage.readBytes(ref)).rejects.toMatchObject({ name: 'InvalidObjectState' });
  });

  it('fails a delete whose answer lists keys S3 did not delete (a 200 with Errors)', async () => {
    s3Mock.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'b/2.csv', Code: 'InternalError', Message: 'We encountered an internal error' }],
    });
    await expect(
      storage.delete([
        { bucket: 'bkt', key: 'b/1.csv' },
        { bucket: 'bkt', key: 'b/2.csv' },
      ]),
    ).rejects.toMatchObject({
      name: 'Lake.Unavailable',
      message: expect.stringContaining('s3://bkt/b/2.csv (1 of 2 keys not deleted)'),
    });
  });

  it('lists every page under a prefix, sorted by key', async () => {
    s3Mock
      .on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({
        Contents: [
          { Key: 'p/c', Size: 3 },
          { Key: 'p/a', Size: 1 },
        ],
        IsTruncated: true,
        NextContinuationToken: 't2',
      })
      .on(ListObjectsV2Command, { ContinuationToken: 't2' })
      .resolves({ Contents: [{ Key: 'p/b', Size: 2 }], IsTruncated: false });
    await expect(storage.list('bkt', 'p/')).resolves.toEqual([
      { bucket: 'bkt', key: 'p/a', size: 1 },
      { bucket: 'bkt', key: 'p/b', size: 2 },
      { bucket: 'bkt', key: 'p/c', size: 3 },
    ]);
    expect(s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.ContinuationToken)).toEqual([
      undefined,
      't2',
    ]);
  });

  it('deletes in batches of at most 1000 keys per bucket', async () => {
    s3Mock.on(DeleteObjectsCommand).resolves({});
    const refs = [
      ...Array.from({ length: 2500 }, (_, i) => ({ bucket: 'a', key: `k${i}` })),
      { bucket: 'b', key: 'only' },
    ];
    await storage.delete(refs);
    const calls = s3Mock.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.Bucket, c.Delete?.Objects?.length])).toEqual([
      ['a', 1000],
      ['a', 1000],
      ['a', 500],
      ['b', 1],
    ]);
    expect(
      calls.flatMap((c) => (c.Bucket === 'a' ? (c.Delete?.Objects ?? []) : [])).map((o) => o.Key),
    ).toEqual(refs.slice(0, 2500).map((r) => r.key));
  });

  it('copies with the source key URL-encoded segment by segment', async () => {
    s3Mock.on(CopyObjectCommand).resolves({});
    await storage.copy(
      { bucket: 'landing', key: 'raw_statistics/region=us/US videos+1#ü.csv' },
      { bucket: 'bronze', key: 'statistics/region=us/x.csv' },
    );
    expect(s3Mock.commandCalls(CopyObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'bronze',
      Key: 'statistics/region=us/x.csv',
      CopySource: 'landing/raw_statistics/region%3Dus/US%20videos%2B1%23%C3%BC.csv',
    });
  });
});
