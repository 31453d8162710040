/**
 * The trigger: every S3 "Object Created" event of the landing bucket (the whole bucket, so unknown
 * objects are rejected visibly too) goes through EventBridge to the starter Lambda, which starts one
 * execution with a deterministic name (docs/decisions/0006). Undeliverable or failed events end in a DLQ.
 */
import * as cdk from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LAKE_DEFAULTS } from './config';
import { DeadLetterQueue } from './dead-letter-queue';
import type { PipelineFunction } from './pipeline-function';

export interface ObjectTriggerProps {
  readonly landingBucket: s3.IBucket;
  readonly stateMachine: sfn.IStateMachine;
  /** handlers/start-execution.ts; this construct sets its target, grants and failure destination. */
  readonly starter: PipelineFunction;
}

/** The event pattern: Object Created in the landing bucket, any key. */
export function objectCreatedPattern(bucketName: string): events.EventPattern {
  return { source: ['aws.s3'], detailType: ['Object Created'], detail: { bucket: { name: [bucketName] } } };
}

export class ObjectTrigger extends Construct {
  public readonly rule: events.Rule;
  public readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: ObjectTriggerProps) {
    super(scope, id);
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      holds:
        'landing events EventBridge could not deliver to the starter, or the starter failed on after its retries',
    });
    const starter = props.starter.function;
    starter.addEnvironment('STATE_MACHINE_ARN', props.stateMachine.stateMachineArn);
    starter.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [props.stateMachine.stateMachineArn],
      }),
    );
    // Asynchronous invocations that still fail after Lambda's own retries land in the same queue.
    starter.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: cdk.Duration.hours(LAKE_DEFAULTS.eventMaxAgeHours),
      onFailure: new destinations.SqsDestination(this.deadLetters.queue),
    });

    this.rule = new events.Rule(this, 'Rule', {
      description: 'lakestep: an object landed; start its execution',
      eventPattern: objectCreatedPattern(props.landingBucket.bucketName),
    });
    this.rule.addTarget(
      new targets.LambdaFunction(starter, {
        deadLetterQueue: this.deadLetters.queue,
        retryAttempts: LAKE_DEFAULTS.eventRetryAttempts,
        maxEventAge: cdk.Duration.hours(LAKE_DEFAULTS.eventMaxAgeHours),
      }),
    );
  }
}
