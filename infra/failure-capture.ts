/**
 * Failure capture outside the workflow (so that a failed execution stays FAILED at the state that
 * failed, ready for redrive): every FAILED, TIMED_OUT or ABORTED execution of this state machine goes
 * through EventBridge to record-failure, which writes it to the failures table and pages or notifies.
 */
import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { AlertTopics } from './alert-topics';
import { LAKE_DEFAULTS } from './config';
import { DeadLetterQueue } from './dead-letter-queue';
import { addStatementWithWildcards } from './nag';
import type { PipelineFunction } from './pipeline-function';

/** Execution statuses that end an execution without success. */
export const FAILED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/**
 * Key schema of the failures table: one item per execution (handlers/core/record-failure.ts writes
 * `executionArn`). An item with `expiresAt` (epoch seconds) expires; without it, it is kept.
 */
export const FAILURES_TABLE_KEY = { partitionKey: 'executionArn', timeToLiveAttribute: 'expiresAt' } as const;

export function executionFailedPattern(stateMachineArn: string): events.EventPattern {
  return {
    source: ['aws.states'],
    detailType: ['Step Functions Execution Status Change'],
    detail: { status: [...FAILED_STATUSES], stateMachineArn: [stateMachineArn] },
  };
}

export interface FailureCaptureProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly stateMachineName: string;
  readonly topics: AlertTopics;
  /** handlers/record-failure.ts; this construct sets its environment and grants. */
  readonly recorder: PipelineFunction;
  readonly removal: 'destroy' | 'retain';
}

export class FailureCapture extends Construct {
  public readonly table: dynamodb.Table;
  public readonly rule: events.Rule;
  public readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: FailureCaptureProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Failures', {
      partitionKey: { name: FAILURES_TABLE_KEY.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: FAILURES_TABLE_KEY.timeToLiveAttribute,
      removalPolicy: props.removal === 'destroy' ? cdk.RemovalPolicy.DESTROY : cdk.RemovalPolicy.RETAIN,
    });

    const recorder = props.recorder.function;
    recorder.addEnvironment('FAILURES_TABLE', this.table.tableName);
    recorder.addEnvironment('PAGE_TOPIC_ARN', props.topics.pages.topicArn);
    recorder.addEnvironment('NOTICE_TOPIC_ARN', props.topics.notices.topicArn);
    recorder.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.table.tableArn] }),
    );
    props.topics.grantPublish(recorder);
    addStatementWithWildcards(
      props.recorder,
      recorder,
      new iam.PolicyStatement({
        actions: ['states:GetExecutionHistory'],
        resources: [
          cdk.Stack.of(this).formatArn({
            service: 'states',
            resource: 'execution',
            resourceName: `${props.stateMachineName}:*`,
            arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
      'Reads the history of the failed execution to name the failing state and error; execution names are per landed object, so the grant covers the executions of this one state machine',
    );

    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      holds: 'failure events EventBridge could not deliver to record-failure',
    });
    this.rule = new events.Rule(this, 'Rule', {
      description: 'lakestep: an execution failed, timed out or was aborted; record it and alert',
      eventPattern: executionFailedPattern(props.stateMachine.stateMachineArn),
    });
    this.rule.addTarget(
      new targets.LambdaFunction(recorder, {
        deadLetterQueue: this.deadLetters.queue,
        retryAttempts: LAKE_DEFAULTS.eventRetryAttempts,
        maxEventAge: cdk.Duration.hours(LAKE_DEFAULTS.eventMaxAgeHours),
      }),
    );
  }
}
