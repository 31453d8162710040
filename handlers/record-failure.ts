/**
 * Lambda: records and alerts every execution that ends FAILED, TIMED_OUT or ABORTED (target of the
 * EventBridge rule on the state machine's "Execution Status Change" events).
 * Env: FAILURES_TABLE, PAGE_TOPIC_ARN, NOTICE_TOPIC_ARN.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { regionMergesOf } from '../workflows/region-merge';
import { DynamoRegionMergeTable } from './aws/dynamo-region-merge-table';
import { DynamoSlotTable } from './aws/dynamo-slot-table';
import { SfnExecutionHistory } from './aws/sfn-history';
import { ADMISSION_ENV } from './aws/slot-table-schema';
import { ContractError } from './core/errors';
import {
  type Alerts,
  type ExecutionStatusChange,
  executionStatusChangeSchema,
  type FailureRecord,
  type FailureStore,
  type RecordResult,
  recordFailure,
} from './core/record-failure';
import { log, logger, metrics, metricsSink } from './powertools';
import { workflowFromEnv } from './workflow-env';

const sfn = new SFNClient({});
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sns = new SNSClient({});
const dynamoClient = new DynamoDBClient({});

/** The slot table and its gates (from ADMISSION_MAX_SLOTS), when the stack has an admission gate. */
function slotsFromEnv(env: NodeJS.ProcessEnv) {
  const table = env[ADMISSION_ENV.table];
  if (!table) return undefined;
  const gates = Object.keys(JSON.parse(env[ADMISSION_ENV.maxSlots] ?? '{}') as Record<string, number>);
  return { table: new DynamoSlotTable(dynamoClient, table), gates };
}

/** The region MERGE items (in the same admission table) of the workflow's materializations. */
function recorderRegionMerges(env: NodeJS.ProcessEnv) {
  const table = env[ADMISSION_ENV.table];
  if (!table) return undefined;
  const workflow = workflowFromEnv(env);
  return {
    table: new DynamoRegionMergeTable(dynamoClient, table),
    materializations: regionMergesOf(workflow),
    datasets: workflow.datasets,
  };
}

export class DynamoFailureStore implements FailureStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(record: FailureRecord): Promise<void> {
    // A plain Put keyed by execution ARN: a repeated event (or a redrive that fails again) overwrites.
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...record } }));
  }
}

export class SnsAlerts implements Alerts {
  constructor(private readonly client: SNSClient) {}

  async publish(topicArn: string, subject: string, message: string): Promise<void> {
    await this.client.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
  }
}

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new ContractError(`${name} is not set: the failure recorder is misconfigured; redeploy the stack`);
  return value;
}

export const handler = async (event: unknown, context: Context): Promise<RecordResult> => {
  logger.addContext(context);
  const tableName = required('FAILURES_TABLE');
  const topics = { page: required('PAGE_TOPIC_ARN'), notice: required('NOTICE_TOPIC_ARN') };
  const parsed = executionStatusChangeSchema.safeParse(event);
  if (!parsed.success)
    throw new ContractError(
      `The event is not a Step Functions "Execution Status Change" event for a FAILED, TIMED_OUT or ABORTED execution: ${parsed.error.message}. Check the alert rule's pattern.`,
    );
  try {
    return await recordFailure(parsed.data as ExecutionStatusChange, {
      history: new SfnExecutionHistory(sfn),
      store: new DynamoFailureStore(dynamo, tableName),
      alerts: new SnsAlerts(sns),
      topics,
      log,
      metrics: metricsSink,
      clock: { now: () => new Date() },
      slots: slotsFromEnv(process.env),
      regionMerges: recorderRegionMerges(process.env),
    });
  } catch (e) {
    logger.error('could not record a failed execution; EventBridge retries the event', e as Error);
    throw e;
  } finally {
    metrics.publishStoredMetrics();
  }
};
