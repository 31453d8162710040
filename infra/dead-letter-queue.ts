/**
 * A dead-letter queue for events that could not be delivered or handled: SQS-managed encryption (which
 * EventBridge and Lambda can write without a key policy), TLS only, kept for the longest SQS allows.
 */
import * as cdk from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAKE_DEFAULTS } from './config';
import { acknowledge } from './nag';

export interface DeadLetterQueueProps {
  /** What ends up here: it becomes the acknowledgement that this queue has no DLQ of its own. */
  readonly holds: string;
}

export class DeadLetterQueue extends Construct {
  public readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: cdk.Duration.days(LAKE_DEFAULTS.deadLetterRetentionDays),
    });
    acknowledge(
      this.queue,
      'AwsSolutions-SQS3',
      `This queue is itself a dead-letter queue (${props.holds}); a DLQ of a DLQ would only move the messages nobody reads.`,
    );
  }
}
