/**
 * The scheduled REST ingest of a source: the fetch Lambda, the API key's secret (created without a
 * value, encrypted with its own customer key), one EventBridge Scheduler schedule per region with a
 * retry policy and a dead-letter queue, and the fetch alarms of workflows/fetch-alarms.ts.
 */
import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alarmDescription, type ResourceRef } from '../workflows/alarms';
import { YOUTUBE_DATASETS } from '../workflows/datasets';
import { fetchAlarmsFor } from '../workflows/fetch-alarms';
import type { RestSource } from '../workflows/sources';
import type { PowertoolsLogLevel } from './config';
import { DeadLetterQueue } from './dead-letter-queue';
import { acknowledge, addStatementWithWildcards } from './nag';
import { alarmName, toCloudWatchMetric } from './pipeline-alarms';
import { PipelineFunction } from './pipeline-function';
import { resourceNames } from './substitutions';

export interface TrendingFetchProps {
  readonly source: RestSource;
  readonly namePrefix: string;
  /** Uppercase region codes, each one of the source's regions: one schedule and one staleness alarm each. */
  readonly regions: readonly string[];
  /** `HH:MM` in UTC. */
  readonly timeUtc: string;
  readonly landingBucket: s3.IBucket;
  readonly logLevel: PowertoolsLogLevel;
  readonly logRetentionDays: number;
  readonly removal: 'destroy' | 'retain';
  readonly metricsNamespace: string;
  readonly notices: sns.ITopic;
  readonly runbookBaseUrl: string;
}

/** Scheduler retries a failed invocation this often within the hour, then dead-letters the event. */
const SCHEDULE_RETRIES = 3;
const SCHEDULE_MAX_EVENT_AGE_SECONDS = 3600;

export const fetchScheduleName = (prefix: string, sourceId: string, region: string) =>
  `${prefix}-${sourceId}-${region.toLowerCase()}`;
export const apiKeySecretName = (prefix: string, sourceId: string) => `${prefix}/${sourceId}-api-key`;

export class TrendingFetch extends Construct {
  public readonly function: PipelineFunction;
  public readonly secret: secretsmanager.Secret;
  public readonly key: kms.Key;
  public readonly deadLetters: DeadLetterQueue;
  public readonly schedules: readonly scheduler.CfnSchedule[];
  public readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: TrendingFetchProps) {
    super(scope, id);
    const { source, namePrefix: prefix } = props;
    const destroy = props.removal === 'destroy';
    // Validates the regions against the source (so every alarm has its runbook) before anything is built.
    const specs = fetchAlarmsFor(source, props.regions);
    const [hh, mm] = props.timeUtc.split(':');

    this.key = new kms.Key(this, 'Key', {
      description: `${prefix}: the ${source.id} API key`,
      enableKeyRotation: true,
      removalPolicy: destroy ? cdk.RemovalPolicy.DESTROY : cdk.RemovalPolicy.RETAIN,
      pendingWindow: cdk.Duration.days(7),
    });
    this.secret = new secretsmanager.Secret(this, 'ApiKey', {
      secretName: apiKeySecretName(prefix, source.id),
      description: `${source.title} key for ${prefix}: set its value after deploying (docs/fetch.md)`,
      encryptionKey: this.key,
      removalPolicy: destroy ? cdk.RemovalPolicy.DESTROY : cdk.RemovalPolicy.RETAIN,
    });
    // No value from the stack: CloudFormation creates an empty secret and the operator puts the key.
    (this.secret.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride(
      'GenerateSecretString',
    );
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      'The secret holds an API key issued in the Google Cloud console: it is rotated there by the operator and put here (docs/fetch.md); no rotation Lambda can issue one.',
    );

    this.function = new PipelineFunction(this, 'Fetch', {
      functionName: resourceNames.function(prefix, source.function.id),
      handlerFile: source.function.handlerFile,
      description: source.function.description,
      memoryMb: source.function.memoryMb,
      timeoutSeconds: source.function.timeoutSeconds,
      environment: {
        API_KEY_SECRET_ID: this.secret.secretArn,
        LANDING_BUCKET: props.landingBucket.bucketName,
      },
      logLevel: props.logLevel,
      logRetentionDays: props.logRetentionDays,
      removal: props.removal,
      metricsNamespace: props.metricsNamespace,
    });
    const role = this.function.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.secret.secretArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${cdk.Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
    // Only the keys a fetch lands: `<dataset prefix>/region=<cc>/<file>`.
    addStatementWithWildcards(
      role,
      role,
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: YOUTUBE_DATASETS.map(({ route }) =>
          props.landingBucket.arnForObjects(`${route.landingPrefix}/region=*`),
        ),
      }),
      "The fetch lands each region's files under <dataset prefix>/region=<cc>/ of the landing bucket and nothing else.",
    );

    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      holds: 'scheduled fetches the scheduler could not deliver to the function',
    });
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': cdk.Stack.of(this).account } },
      }),
      description: `${prefix}: EventBridge Scheduler invokes the ${source.id} fetch`,
    });
    schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.function.function.functionArn],
      }),
    );
    schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetters.queue.queueArn] }),
    );

    this.schedules = props.regions.map(
      (region) =>
        new scheduler.CfnSchedule(this, `Schedule${region}`, {
          name: fetchScheduleName(prefix, source.id, region),
          description: `Daily fetch of the ${region} trending chart and categories`,
          scheduleExpression: `cron(${Number(mm)} ${Number(hh)} * * ? *)`,
          scheduleExpressionTimezone: 'UTC',
          flexibleTimeWindow: { mode: 'OFF' },
          state: 'ENABLED',
          target: {
            arn: this.function.function.functionArn,
            roleArn: schedulerRole.roleArn,
            input: JSON.stringify({ region }),
            retryPolicy: {
              maximumRetryAttempts: SCHEDULE_RETRIES,
              maximumEventAgeInSeconds: SCHEDULE_MAX_EVENT_AGE_SECONDS,
            },
            deadLetterConfig: { arn: this.deadLetters.queue.queueArn },
          },
        }),
    );

    const resolve = (ref: ResourceRef): string => {
      if (ref.ref === 'function') return resourceNames.function(prefix, ref.functionId);
      if (ref.ref === 'queue' && ref.queue === 'fetchSchedule') return this.deadLetters.queue.queueName;
      throw new Error(`fetch alarm metric names ${JSON.stringify(ref)}, which TrendingFetch does not own`);
    };
    const alarms = new Map<string, cloudwatch.Alarm>();
    for (const spec of specs) {
      const alarm = new cloudwatch.Alarm(this, spec.id, {
        alarmName: alarmName(prefix, spec.id),
        alarmDescription: alarmDescription(spec, props.runbookBaseUrl),
        metric: toCloudWatchMetric(spec.metric, props.metricsNamespace, resolve, spec.periodSeconds),
        threshold: spec.threshold,
        comparisonOperator:
          spec.comparison === 'LessThanThreshold'
            ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
            : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        treatMissingData:
          spec.treatMissingData === 'breaching'
            ? cloudwatch.TreatMissingData.BREACHING
            : cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new actions.SnsAction(props.notices));
      alarms.set(spec.id, alarm);
    }
    this.alarms = alarms;
  }
}
