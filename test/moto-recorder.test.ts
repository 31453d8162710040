/**
 * The failure recorder against moto: executions that really ran and failed in moto's Step Functions
 * (a Task failing after its retries, the workflow's own Fail state, a stopped execution), their history
 * read by SfnExecutionHistory, the record written to a DynamoDB table keyed (and expiring) as the stack
 * declares it, and the alert read back from an SQS queue subscribed to each SNS topic.
 */
// First: quiet Powertools before the handler module builds its logger and metrics.
import './moto-quiet-powertools';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ScanCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, type SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { SfnExecutionHistory } from '../handlers/aws/sfn-history';
import {
  type ExecutionStatusChange,
  executionStatusChangeSchema,
  FAILURE_RECORD_DAYS,
  type RecordResult,
  recordFailure,
} from '../handlers/core/record-failure';
import { DynamoFailureStore, SnsAlerts } from '../handlers/record-failure';
import { FAILURES_TABLE_KEY } from '../infra/failure-capture';
import { WORKFLOWS } from '../workflows/project';
import { MOTO_REGION, type Moto, useMoto } from './helpers/moto';
import {
  createStateMachine,
  resetMoto,
  settled,
  sfnClient,
  startExecution,
  statusChangeEvent,
  withNewestFirstHistory,
} from './moto-sfn';

const getMoto = useMoto();
const TABLE = 'lakestep-failures';
const KEY = 'raw_statistics/region=us/US videos+1.csv';
const objectCreated = (key = KEY) => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: 'lakestep-landing' }, object: { key, etag: '0a1b2c' } },
});
const noop = () => undefined;
const ports = { log: { info: noop, warn: noop, error: noop } };
const metrics = { addDimensions: noop, addMetric: noop, publishStoredMetrics: noop };

interface World {
  moto: Moto;
  sfn: SFNClient;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  sns: SNSClient;
  sqs: SQSClient;
  topics: { page: string; notice: string };
  queues: { page: string; notice: string };
}
let world: World;

/** A fresh moto (one execution per reset, a moto gap) with the stack's table, both topics and a queue on each. */
async function freshWorld(): Promise<World> {
  const moto = getMoto();
  await resetMoto(moto);
  const config = moto.clientConfig;
  const dynamo = new DynamoDBClient(config);
  await dynamo.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: FAILURES_TABLE_KEY.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: FAILURES_TABLE_KEY.partitionKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: TABLE,
      TimeToLiveSpecification: { AttributeName: FAILURES_TABLE_KEY.timeToLiveAttribute, Enabled: true },
    }),
  );
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const topics = { page: '', notice: '' };
  const queues = { page: '', notice: '' };
  for (const kind of ['page', 'notice'] as const) {
    topics[kind] = (await sns.send(new CreateTopicCommand({ Name: `lakestep-${kind}s` }))).TopicArn ?? '';
    queues[kind] = (await sqs.send(new CreateQueueCommand({ QueueName: `read-${kind}s` }))).QueueUrl ?? '';
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues[kind], AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({ TopicArn: topics[kind], Protocol: 'sqs', Endpoint: attrs.Attributes?.QueueArn }),
    );
  }
  return {
    moto,
    sfn: withNewestFirstHistory(sfnClient(moto)),
    dynamo,
    doc: DynamoDBDocumentClient.from(dynamo),
    sns,
    sqs,
    topics,
    queues,
  };
}

beforeAll(async () => {
  await getMoto().configure({ stepfunctions: { execute_state_machine: true } });
});
beforeEach(async () => {
  world = await freshWorld();
});
afterEach(() => {
  for (const c of [world?.sfn, world?.dynamo, world?.sns, world?.sqs]) c?.destroy();
});

interface Alert {
  Subject: string;
  Message: string;
  TopicArn: string;
}
/** Every SNS notification waiting in the queue (the SNS envelope, not raw delivery). */
async function alertsIn(queueUrl: string): Promise<Alert[]> {
  const out = await world.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return (out.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Alert);
}

async function record(event: unknown): Promise<RecordResult> {
  const parsed = executionStatusChangeSchema.parse(event) as ExecutionStatusChange;
  return recordFailure(parsed, {
    // A page size smaller than the history, as Lambda would see a long one (moto ignores it: one page).
    history: new SfnExecutionHistory(world.sfn, 4),
    store: new DynamoFailureStore(world.doc, TABLE),
    alerts: new SnsAlerts(world.sns),
    topics: world.topics,
    ...ports,
    metrics,
    clock: { now: () => new Date() },
  });
}

const stored = async (executionArn: string) =>
  (
    await world.doc.send(
      new GetCommand({ TableName: TABLE, Key: { [FAILURES_TABLE_KEY.partitionKey]: executionArn } }),
    )
  ).Item;

const pipeline = WORKFLOWS[0];
const stateName = (id: string) => {
  const step = WORKFLOWS.flatMap((w) => w.steps).find((s) => s.id === id);
  if (!step) throw new Error(`no workflow step ${id}`);
  return step.stateName;
};

it('a Task that fails after its retries: the item names the state, error and cause; the page topic alerts', async () => {
  const machine = await createStateMachine(world.sfn, 'lakestep-dev-pipeline', {
    StartAt: stateName('ingestObject'),
    States: {
      [stateName('ingestObject')]: { Type: 'Pass', Next: stateName('transformBatch') },
      // moto has no such Glue job: the run fails (Glue.EntityNotFoundException), is retried once, then ends the execution.
      [stateName('transformBatch')]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::glue:startJobRun',
        Parameters: { JobName: 'lakestep-missing-transform' },
        Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 1, IntervalSeconds: 1, BackoffRate: 1 }],
        End: true,
      },
    },
  });
  const arn = await startExecution(world.sfn, machine, 'raw_statistics-US-0a1b2c', objectCreated());
  const d = await settled(world.sfn, arn);
  expect(d.status).toBe('FAILED');

  const result = await record(statusChangeEvent(d, { withInput: true }));
  expect(result.record).toMatchObject({
    failedState: 'Transform batch',
    error: 'Glue.EntityNotFoundException',
    classification: 'system',
    objectKey: KEY,
  });
  expect(result.record.cause).toContain('lakestep-missing-transform');

  const item = await stored(arn);
  const failedAt = d.stopDate?.getTime() ?? 0;
  expect(item).toMatchObject({
    executionArn: arn,
    executionName: 'raw_statistics-US-0a1b2c',
    stateMachineArn: machine,
    objectKey: KEY,
    failedState: 'Transform batch',
    error: 'Glue.EntityNotFoundException',
    status: 'FAILED',
    classification: 'system',
    failedAt: new Date(failedAt).toISOString(),
    replayCommand: `npx lakestep replay --aws ${arn}`,
  });
  // The table expires items by the attribute the stack names; the record sets it in epoch seconds.
  const ttl = await world.dynamo.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
  expect(ttl.TimeToLiveDescription).toMatchObject({
    AttributeName: FAILURES_TABLE_KEY.timeToLiveAttribute,
    TimeToLiveStatus: 'ENABLED',
  });
  expect(item?.[FAILURES_TABLE_KEY.timeToLiveAttribute]).toBe(
    Math.floor(failedAt / 1000) + FAILURE_RECORD_DAYS * 86_400,
  );

  const pages = await alertsIn(world.queues.page);
  expect(pages).toHaveLength(1);
  expect(pages[0]?.TopicArn).toBe(world.topics.page);
  expect(pages[0]?.Subject).toBe(`lakestep [system] Transform batch failed: ${KEY}`);
  expect(pages[0]?.Message).toContain('Error:         Glue.EntityNotFoundException');
  expect(pages[0]?.Message).toContain(`Replay:        npx lakestep replay --aws ${arn}`);
  await expect(alertsIn(world.queues.notice)).resolves.toEqual([]);
});

it('the workflow’s own Fail state is a data outcome: recorded as such, noticed, not paged', async () => {
  const rejected = pipeline?.steps.find((s) => s.id === 'objectRejected');
  if (rejected?.kind !== 'fail') throw new Error('the workflow has no "objectRejected" Fail state');
  const machine = await createStateMachine(world.sfn, 'lakestep-dev-pipeline', {
    StartAt: stateName('ingestObject'),
    States: {
      [stateName('ingestObject')]: {
        Type: 'Pass',
        Result: { cause: 'header: missing column "views"' },
        ResultPath: '$.ingest',
        Next: rejected.stateName,
      },
      [rejected.stateName]: { Type: 'Fail', Error: rejected.error, CausePath: rejected.causePath },
    },
  });
  const arn = await startExecution(world.sfn, machine, 'raw_statistics-US-rejected', objectCreated());
  const d = await settled(world.sfn, arn);
  expect(d.status).toBe('FAILED');

  const result = await record(statusChangeEvent(d, { withInput: true }));
  expect(result.record).toMatchObject({
    failedState: 'Object rejected',
    error: 'ObjectRejected',
    cause: 'header: missing column "views"',
    classification: 'data',
  });
  expect(await stored(arn)).toMatchObject({ classification: 'data', error: 'ObjectRejected' });
  const notices = await alertsIn(world.queues.notice);
  expect(notices.map((n) => n.Subject)).toEqual([`lakestep [data] Object rejected: ${KEY}`]);
  await expect(alertsIn(world.queues.page)).resolves.toEqual([]);

  // EventBridge delivers at least once: the same event again overwrites the one item.
  await record(statusChangeEvent(d, { withInput: true }));
  const items = await world.dynamo.send(new ScanCommand({ TableName: TABLE }));
  expect(items.Count).toBe(1);
});

it('a stopped execution whose error is empty is recorded as States.Aborted, by the deployed handler', async () => {
  const machine = await createStateMachine(world.sfn, 'lakestep-dev-pipeline', {
    StartAt: stateName('waitForCrawler'),
    States: { [stateName('waitForCrawler')]: { Type: 'Wait', Seconds: 3600, End: true } },
  });
  const arn = await startExecution(world.sfn, machine, 'raw_statistics-US-stopped', objectCreated());
  // moto runs the execution in a thread of its own: stopped before it entered the Wait, the history
  // names no state (the under-load flake where failedState was null). Stop it where the case says.
  await enteredState(world.sfn, arn, 'WaitStateEntered');
  // moto gap: StopExecution drops the error and cause it is given (the history says error ""), which
  // is what Step Functions records for a StopExecution without them: the case under test.
  await world.sfn.send(new StopExecutionCommand({ executionArn: arn, error: 'Operator', cause: 'by hand' }));
  const d = await settled(world.sfn, arn);
  expect(d.status).toBe('ABORTED');

  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: world.moto.endpoint,
    AWS_REGION: MOTO_REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_MAX_ATTEMPTS: '1',
    FAILURES_TABLE: TABLE,
    PAGE_TOPIC_ARN: world.topics.page,
    NOTICE_TOPIC_ARN: world.topics.notice,
  });
  try {
    // The handler builds its clients at load, from the environment alone, as in Lambda.
    const { handler } = await import('../handlers/record-failure');
    const context = { functionName: 'record-failure', awsRequestId: 'req-1' } as unknown as Context;
    // Without the input in the event: the handler reads it from the history's first event.
    const event = statusChangeEvent(d, { withInput: false });
    expect({ error: event.detail.error, cause: event.detail.cause }).toEqual({ error: null, cause: null });
    const result = await handler(event, context);
    expect(result.record).toMatchObject({
      status: 'ABORTED',
      error: 'States.Aborted',
      cause: null,
      failedState: 'Wait for crawler',
      objectKey: KEY,
      classification: 'system',
    });
  } finally {
    process.env = saved;
  }
  expect(await stored(arn)).toMatchObject({ error: 'States.Aborted', status: 'ABORTED' });
  const pages = await alertsIn(world.queues.page);
  expect(pages.map((p) => p.Subject)).toEqual([`lakestep [system] aborted in Wait for crawler: ${KEY}`]);
  expect(pages[0]?.Message).toContain('Error:         States.Aborted');
});

/** Waits (up to 30 s) until the execution's history has an event of `type`. */
async function enteredState(sfn: SFNClient, executionArn: string, type: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    if ((h.events ?? []).some((e) => e.type === type)) return;
    if (Date.now() > deadline) throw new Error(`execution ${executionArn} has no ${type} after 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
