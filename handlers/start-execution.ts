/**
 * Lambda: the trigger's starter (target of the EventBridge rule on the landing bucket's "Object
 * Created" events). Env: STATE_MACHINE_ARN. Throttling and service errors are rethrown, so that the
 * rule's retry policy and dead-letter queue handle them.
 */
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { ContractError } from './core/errors';
import {
  type ExecutionStarter,
  type ObjectCreatedEvent,
  objectCreatedEventSchema,
  type StartOutcome,
  type StartResult,
  startExecutionForObject,
} from './core/start-execution';
import { log, logger, metrics, metricsSink } from './powertools';

const sfn = new SFNClient({});

export class SfnExecutionStarter implements ExecutionStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: string): Promise<StartOutcome> {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input }),
      );
      return { status: 'started', executionArn: out.executionArn ?? '' };
    } catch (e) {
      if (e instanceof ExecutionAlreadyExists || (e as { name?: string }).name === 'ExecutionAlreadyExists')
        return { status: 'duplicate' };
      throw e;
    }
  }
}

export const handler = async (event: unknown, context: Context): Promise<StartResult> => {
  logger.addContext(context);
  const stateMachineArn = process.env.STATE_MACHINE_ARN;
  if (!stateMachineArn)
    throw new ContractError(
      'STATE_MACHINE_ARN is not set: the starter function is misconfigured; redeploy the stack',
    );
  const parsed = objectCreatedEventSchema.safeParse(event);
  if (!parsed.success)
    throw new ContractError(
      `The event is not an S3 "Object Created" event from EventBridge: ${parsed.error.message}. Check the trigger rule's pattern.`,
    );
  try {
    // The input is the event as received (validated, not rebuilt), so a redelivery is byte-identical.
    return await startExecutionForObject(event as ObjectCreatedEvent, {
      starter: new SfnExecutionStarter(sfn, stateMachineArn),
      log,
      metrics: metricsSink,
    });
  } catch (e) {
    logger.error('could not start an execution; EventBridge retries the event', e as Error);
    throw e;
  } finally {
    metrics.publishStoredMetrics();
  }
};
