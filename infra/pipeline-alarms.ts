/**
 * The workflow's alarms, as workflows/alarms.ts derives them: one CloudWatch alarm per spec, each
 * notifying its topic with a description that carries the one-line summary and the runbook link, the
 * Glue job-state and crawler-state event rules some of them count, and the composite that pages.
 */

import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  type AlarmSpec,
  alarmDescription,
  alarmsFor,
  type EventSignal,
  type MathRef,
  type MetricAlarmSpec,
  type MetricRef,
  type ResourceRef,
} from '../workflows/alarms';
import { analyticsApiName } from '../workflows/api-alarms';
import type { Workflow } from '../workflows/types';
import type { AlertTopics } from './alert-topics';
import { resourceNames } from './substitutions';

export interface PipelineAlarmsProps {
  readonly workflow: Workflow;
  readonly namePrefix: string;
  /** The namespace the functions publish their EMF metrics under (POWERTOOLS_METRICS_NAMESPACE). */
  readonly metricsNamespace: string;
  readonly runbookBaseUrl: string;
  readonly stateMachine: sfn.IStateMachine;
  readonly topics: AlertTopics;
  readonly failureDeadLetters: sqs.IQueue;
  readonly triggerDeadLetters: sqs.IQueue;
  readonly logRetentionDays: number;
  readonly removal: 'destroy' | 'retain';
}

/** Log group that keeps the events of a state-change rule, for on-call to read. */
export const signalLogGroupName = (prefix: string, signal: EventSignal) =>
  `/aws/events/${prefix}-${signal.id}`;
export const signalRuleName = (prefix: string, signalId: string) => `${prefix}-${signalId}`;
export const alarmName = (prefix: string, alarmId: string) => `${prefix}-${alarmId}`;

export class PipelineAlarms extends Construct {
  public readonly specs: readonly AlarmSpec[];
  /** The CloudWatch alarms, by alarm id (the composite included). */
  public readonly alarms: ReadonlyMap<string, cloudwatch.IAlarm>;
  public readonly rules: ReadonlyMap<string, events.Rule>;
  /** The physical name (or ARN) behind a spec's resource reference. */
  public readonly resolve: (ref: ResourceRef) => string;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const prefix = props.namePrefix;
    this.specs = alarmsFor(props.workflow);
    const rules = new Map<string, events.Rule>();
    const alarms = new Map<string, cloudwatch.IAlarm>();

    const signals = this.specs.flatMap((a) => (a.type === 'metric' && a.signal ? [a.signal] : []));
    if (signals.length) this.signalLogPolicy(prefix);
    for (const signal of signals) rules.set(signal.id, this.signalRule(signal, props));

    const resolve = (ref: ResourceRef): string => {
      switch (ref.ref) {
        case 'function':
          return resourceNames.function(prefix, ref.functionId);
        case 'glueJob':
          return resourceNames.glueJob(prefix, ref.jobId);
        case 'crawler':
          return resourceNames.crawler(prefix, ref.crawlerId);
        case 'workGroup':
          return resourceNames.athenaWorkGroup(prefix);
        case 'stateMachine':
          return props.stateMachine.stateMachineArn;
        case 'eventRule':
          return signalRuleName(prefix, ref.signal);
        case 'queue':
          if (ref.queue === 'fetchSchedule')
            throw new Error("the fetch schedule's queue belongs to TrendingFetch, which makes its alarms");
          return (ref.queue === 'failureCapture' ? props.failureDeadLetters : props.triggerDeadLetters)
            .queueName;
        case 'restApi':
          return analyticsApiName(prefix);
      }
    };
    const metricOf = (spec: MetricAlarmSpec) =>
      toCloudWatchMetric(spec.metric, props.metricsNamespace, resolve, spec.periodSeconds);

    for (const spec of this.specs) {
      if (spec.type !== 'metric') continue;
      const alarm = new cloudwatch.Alarm(this, spec.id, {
        alarmName: alarmName(prefix, spec.id),
        alarmDescription: alarmDescription(spec, props.runbookBaseUrl),
        metric: metricOf(spec),
        threshold: spec.threshold,
        comparisonOperator:
          cloudwatch.ComparisonOperator[
            spec.comparison === 'GreaterThanOrEqualToThreshold'
              ? 'GREATER_THAN_OR_EQUAL_TO_THRESHOLD'
              : spec.comparison === 'GreaterThanThreshold'
                ? 'GREATER_THAN_THRESHOLD'
                : 'LESS_THAN_THRESHOLD'
          ],
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        treatMissingData:
          spec.treatMissingData === 'breaching'
            ? cloudwatch.TreatMissingData.BREACHING
            : cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      // Every alarm notifies the notices topic; what pages is the composite below.
      alarm.addAlarmAction(new actions.SnsAction(props.topics.notices));
      const rule = spec.signal ? rules.get(spec.signal.id) : undefined;
      if (rule) alarm.node.addDependency(rule);
      alarms.set(spec.id, alarm);
    }
    for (const spec of this.specs) {
      if (spec.type !== 'composite') continue;
      const children = spec.anyOf.map((childId) => {
        const child = alarms.get(childId);
        if (!child) throw new Error(`composite ${spec.id}: no alarm ${childId}`);
        return child;
      });
      const composite = new cloudwatch.CompositeAlarm(this, spec.id, {
        compositeAlarmName: alarmName(prefix, spec.id),
        alarmDescription: alarmDescription(spec, props.runbookBaseUrl),
        alarmRule: cloudwatch.AlarmRule.anyOf(...children),
      });
      composite.addAlarmAction(new actions.SnsAction(props.topics.pages));
      composite.addOkAction(new actions.SnsAction(props.topics.pages));
      alarms.set(spec.id, composite);
    }
    this.alarms = alarms;
    this.rules = rules;
    this.resolve = resolve;
  }

  /** EventBridge writes to the signal log groups through a resource policy (native: no custom resource). */
  private signalLogPolicy(prefix: string): void {
    const stack = cdk.Stack.of(this);
    new logs.ResourcePolicy(this, 'SignalLogsPolicy', {
      resourcePolicyName: `${prefix}-alarm-signal-events`,
      policyStatements: [
        new iam.PolicyStatement({
          principals: [
            new iam.ServicePrincipal('events.amazonaws.com'),
            new iam.ServicePrincipal('delivery.logs.amazonaws.com'),
          ],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [
            stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `/aws/events/${prefix}-*:*`,
              arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });
  }

  private signalRule(signal: EventSignal, props: PipelineAlarmsProps): events.Rule {
    const prefix = props.namePrefix;
    const logGroup = new logs.LogGroup(this, `${signal.id}-events`, {
      logGroupName: signalLogGroupName(prefix, signal),
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removal === 'destroy' ? cdk.RemovalPolicy.DESTROY : cdk.RemovalPolicy.RETAIN,
    });
    const pattern: events.EventPattern =
      signal.resource.ref === 'glueJob'
        ? {
            source: ['aws.glue'],
            detailType: ['Glue Job State Change'],
            detail: {
              jobName: [resourceNames.glueJob(prefix, signal.resource.jobId)],
              state: [...signal.states],
            },
          }
        : {
            source: ['aws.glue'],
            detailType: ['Glue Crawler State Change'],
            detail: {
              crawlerName: [resourceNames.crawler(prefix, signal.resource.crawlerId)],
              state: [...signal.states],
            },
          };
    const rule = new events.Rule(this, `${signal.id}-rule`, {
      ruleName: signalRuleName(prefix, signal.id),
      description: `lakestep: ${signal.resource.ref === 'glueJob' ? 'Glue job' : 'crawler'} runs ending ${signal.states.join('/')}; the alarm ${signal.id} counts them`,
      eventPattern: pattern,
    });
    // A log group target needs only the ARN (the resource policy above lets EventBridge write).
    rule.addTarget({
      bind: () => ({
        arn: cdk.Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroup.logGroupName,
          arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME,
        }),
      }),
    });
    return rule;
  }
}

/** A spec's metric (or metric math) as a CloudWatch metric with the alarm's period. */
export function toCloudWatchMetric(
  ref: MetricRef | MathRef,
  pipelineNamespace: string,
  resolve: (r: ResourceRef) => string,
  periodSeconds: number,
): cloudwatch.IMetric {
  const period = cdk.Duration.seconds(periodSeconds);
  const single = (m: MetricRef) =>
    new cloudwatch.Metric({
      namespace: m.namespace === 'pipeline' ? pipelineNamespace : m.namespace,
      metricName: m.name,
      dimensionsMap: Object.fromEntries(
        Object.entries(m.dimensions).map(([k, v]) => [k, typeof v === 'string' ? v : resolve(v)]),
      ),
      statistic: m.statistic,
      period,
    });
  if ('expression' in ref)
    return new cloudwatch.MathExpression({
      expression: ref.expression,
      label: ref.label,
      usingMetrics: Object.fromEntries(Object.entries(ref.metrics).map(([k, m]) => [k, single(m)])),
      period,
    });
  return single(ref);
}
