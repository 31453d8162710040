/**
 * The alarm set is derived from the workflow: every step gets the alarms of its kind, adding a step adds
 * its alarms, thresholds come from the data next to the step, and the deployed stack has one CloudWatch
 * alarm per spec, each with an SNS action and a description that links its runbook.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { POWERTOOLS_SERVICE_NAME } from '../infra/pipeline-function';
import { PipelineStack } from '../infra/pipeline-stack';
import { capturedMetrics } from '../local/capture';
import {
  type AlarmSpec,
  alarmDescription,
  alarmsFor,
  alarmsOfStep,
  COMPOSITE_ALARM_ID,
  executionOrder,
  MAX_ALARM_DESCRIPTION,
  METRICS_SERVICE,
  type MetricAlarmSpec,
} from '../workflows/alarms';
import type { LambdaStep, Step, Workflow } from '../workflows/types';
import { isTask } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

const metricAlarms = (alarms: AlarmSpec[]) => alarms.filter((a): a is MetricAlarmSpec => a.type === 'metric');

/** The workflow with one more Lambda step between "Publish run summary" and "Done". */
function withExtraStep(): Workflow {
  const extra: LambdaStep = {
    id: 'notifyConsumers',
    kind: 'lambda',
    stateName: 'Notify consumers',
    function: {
      id: 'NotifyConsumers',
      handlerFile: 'notify-consumers.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      description: 'Tells downstream consumers that a region changed',
    },
    payload: {},
    resultFields: [],
    resultPath: null,
    timeoutSeconds: 40,
    retry: [],
    next: 'done',
    alarms: { lambdaThrottles: false, lambdaErrors: { threshold: 3 } },
  };
  const steps: Step[] = YOUTUBE_TRENDING.steps.map((s) =>
    s.id === 'publishRunSummary' ? { ...s, next: 'notifyConsumers' } : s,
  );
  return { ...YOUTUBE_TRENDING, steps: [...steps, extra] };
}

describe('alarms derived from the workflow', () => {
  const alarms = alarmsFor(YOUTUBE_TRENDING);

  it('gives every task step, and every Fail state a data outcome ends in, alarms that fit its kind', () => {
    const kinds: Record<string, string[]> = {
      lambda: ['lambdaErrors', 'lambdaThrottles', 'lambdaDurationNearTimeout', 'slotWaitTooLong'],
      glueJob: ['glueJobFailed', 'glueJobTimedOut'],
      crawlerStart: ['crawlerFailed'],
      crawlerStatus: ['crawlerFailed'],
      athenaQuery: ['athenaQueryFailed', 'athenaBytesScanned'],
      fail: ['rejectedObjects', 'dqFailedBatches'],
    };
    for (const step of YOUTUBE_TRENDING.steps.filter((s) => isTask(s) || s.kind === 'fail')) {
      const own = alarmsOfStep(alarms, step.id);
      expect([step.id, own.length > 0]).toEqual([step.id, true]);
      for (const a of own) expect(kinds[step.kind]).toContain(a.kind);
    }
  });

  it('adds the alarms of a new step, with the thresholds set next to it', () => {
    const before = new Set(alarmsFor(YOUTUBE_TRENDING).map((a) => a.id));
    const after = alarmsFor(withExtraStep());
    const added = after.filter((a) => !before.has(a.id)).map((a) => a.id);
    expect(added.sort()).toEqual(['notify-consumers-duration-near-timeout', 'notify-consumers-errors']);
    const errors = after.find((a) => a.id === 'notify-consumers-errors') as MetricAlarmSpec;
    expect(errors.threshold).toBe(3);
    expect(errors.scope).toEqual({
      type: 'step',
      stepIds: ['notifyConsumers'],
      stateNames: ['Notify consumers'],
    });
    const near = after.find((a) => a.id === 'notify-consumers-duration-near-timeout') as MetricAlarmSpec;
    expect(near.threshold).toBe(0.8 * 30 * 1000);
  });

  it('reads each threshold from the step it watches', () => {
    const ingestNear = alarms.find((a) => a.id === 'ingest-object-duration-near-timeout') as MetricAlarmSpec;
    expect(ingestNear.threshold).toBe(0.7 * 900 * 1000); // ingest sets 0.7 of its 900 s function timeout
    const bytes = alarms.find((a) => a.id === 'athena-bytes-scanned') as MetricAlarmSpec;
    expect(bytes.threshold).toBe(512 * 1024 ** 2);
    const p99 = alarms.find((a) => a.id === 'execution-duration-p99') as MetricAlarmSpec;
    expect(p99.threshold).toBe(30 * 60 * 1000);
    const fresh = alarms.find((a) => a.id === 'statistics-freshness') as MetricAlarmSpec;
    expect([fresh.evaluationPeriods, fresh.periodSeconds, fresh.treatMissingData]).toEqual([
      26,
      3600,
      'breaching',
    ]);
    expect(alarms.find((a) => a.id === 'categories-freshness')).toBeUndefined();
  });

  it('shares one crawler alarm between the crawler steps and refuses shared alarms set apart', () => {
    const crawler = alarms.find((a) => a.id === 'cleansed-crawler-failed') as MetricAlarmSpec;
    expect(crawler.scope).toMatchObject({ stepIds: ['startCrawler', 'getCrawlerStatus'] });
    const broken: Workflow = {
      ...YOUTUBE_TRENDING,
      steps: YOUTUBE_TRENDING.steps.map((s) =>
        s.id === 'getCrawlerStatus' && isTask(s) ? { ...s, alarms: { crawlerFailed: { threshold: 2 } } } : s,
      ),
    };
    expect(() => alarmsFor(broken)).toThrow(
      /cleansed-crawler-failed is shared by steps that set different thresholds/,
    );
  });

  it('pages on system faults through the recorder, not through ExecutionsFailed (which counts data outcomes)', () => {
    const all = metricAlarms(alarms);
    expect(all.some((a) => 'name' in a.metric && a.metric.name === 'ExecutionsFailed')).toBe(false);
    const system = all.find((a) => a.id === 'executions-failed-system') as MetricAlarmSpec;
    expect(system.metric).toMatchObject({
      name: 'FailuresRecorded',
      dimensions: { classification: 'system' },
    });
    expect(system.severity).toBe('page');
    for (const id of ['objects-rejected', 'statistics-dq-failed-batches']) {
      expect(all.find((a) => a.id === id)?.severity).toBe('notice');
    }
  });

  it('uses Glue job-state events for job failures, since the job metrics miss early script failures', () => {
    const failed = alarms.find((a) => a.id === 'transform-batch-job-failed') as MetricAlarmSpec;
    expect(failed.metric).toMatchObject({ namespace: 'AWS/Events', name: 'TriggeredRules' });
    expect(failed.signal).toMatchObject({
      resource: { ref: 'glueJob', jobId: 'TransformBatch' },
      states: ['FAILED', 'ERROR'],
    });
  });

  it('has one composite that pages on every page-severity alarm', () => {
    const composite = alarms.filter((a) => a.type === 'composite');
    expect(composite.map((a) => a.id)).toEqual([COMPOSITE_ALARM_ID]);
    expect(composite[0]?.type === 'composite' && [...composite[0].anyOf].sort()).toEqual(
      metricAlarms(alarms)
        .filter((a) => a.severity === 'page')
        .map((a) => a.id)
        .sort(),
    );
  });

  it('describes every alarm in one line, with its runbook, within CloudWatch limits', () => {
    const ids = alarms.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const a of alarms) {
      expect(a.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      const d = alarmDescription(a, 'https://example.org/runbooks/');
      expect(d.length).toBeLessThanOrEqual(MAX_ALARM_DESCRIPTION);
      expect(d).not.toContain('\n');
      expect(d.startsWith(a.summary)).toBe(true);
      expect(d.endsWith(`Runbook: https://example.org/runbooks/${a.id}.md`)).toBe(true);
      expect(alarmDescription(a, '')).toContain(`Runbook: docs/runbooks/${a.id}.md`);
    }
  });

  it('reads the service dimension the functions and the local capture both publish', () => {
    expect(POWERTOOLS_SERVICE_NAME).toBe(METRICS_SERVICE);
    const lines: Record<string, unknown>[] = [];
    const m = capturedMetrics('lakestep-check-data-quality', (l) => lines.push(l));
    m.addDimensions({ dataset: 'statistics' });
    m.addDimensions({ dataset: 'statistics', region: 'us' });
    m.addMetric('RowsRead', 'Count', 5);
    m.publishStoredMetrics();
    expect(lines[0]).toMatchObject({
      service: METRICS_SERVICE,
      dataset: 'statistics',
      region: 'us',
      RowsRead: 5,
      _aws: {
        CloudWatchMetrics: [
          {
            Dimensions: [
              ['service', 'dataset'],
              ['service', 'dataset', 'region'],
            ],
          },
        ],
      },
    });
  });

  it('orders steps as an execution meets them', () => {
    expect(
      executionOrder(YOUTUBE_TRENDING)
        .map((s) => s.stateName)
        .slice(0, 4),
    ).toEqual(['Ingest object', 'Which dataset?', 'Object rejected', 'Small object?']);
  });

  it('rejects a window CloudWatch would reject', () => {
    const bad: Workflow = {
      ...YOUTUBE_TRENDING,
      monitoring: { datasets: { statistics: { freshnessHours: 200 } } },
    };
    expect(() => alarmsFor(bad)).toThrow(/freshnessHours must be an integer from 1 to 168/);
    const badPeriod: Workflow = {
      ...YOUTUBE_TRENDING,
      monitoring: { stateMachine: { systemFaults: { periodMinutes: 7 } } },
    };
    expect(() => alarmsFor(badPeriod)).toThrow(/periodMinutes 7/);
  });
});

describe('the deployed alarms', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PipelineStack(app, 'AlarmsTest', {
    stage: 'dev',
    settings: { runbookBaseUrl: 'https://runbooks.example.org/' },
  });
  const template = Template.fromStack(stack);
  const specs = alarmsFor(YOUTUBE_TRENDING);
  const metric = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
    Properties: Record<string, unknown>;
  }[];
  const composite = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')) as {
    Properties: Record<string, unknown>;
  }[];
  const topicRef = (logicalPrefix: string) =>
    Object.keys(template.findResources('AWS::SNS::Topic')).find((k) => k.startsWith(logicalPrefix));

  it('has one CloudWatch alarm per spec, named after it', () => {
    const names = [...metric, ...composite].map((r) => r.Properties.AlarmName).sort();
    expect(names).toEqual(specs.map((a) => `lakestep-dev-${a.id}`).sort());
  });

  it('gives every alarm an SNS action: notices for each alarm, pages for the composite', () => {
    const notices = topicRef('AlertsNotices');
    const pages = topicRef('AlertsPages');
    expect(notices && pages).toBeTruthy();
    for (const r of metric) expect(r.Properties.AlarmActions).toEqual([{ Ref: notices }]);
    expect(composite).toHaveLength(1);
    expect(composite[0]?.Properties.AlarmActions).toEqual([{ Ref: pages }]);
    expect(composite[0]?.Properties.OKActions).toEqual([{ Ref: pages }]);
  });

  it("carries each alarm's summary and runbook link in its description", () => {
    for (const r of [...metric, ...composite]) {
      const id = String(r.Properties.AlarmName).replace('lakestep-dev-', '');
      expect(r.Properties.AlarmDescription).toEqual(
        expect.stringContaining(`Runbook: https://runbooks.example.org/${id}.md`),
      );
    }
  });

  it('makes a Glue state-change rule for each event-counted alarm, logging to a log group', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as {
      Properties: { Name?: string; EventPattern: { detail?: unknown } };
    }[];
    const failed = rules.find((r) => r.Properties.Name === 'lakestep-dev-transform-batch-job-failed');
    expect(failed?.Properties.EventPattern).toEqual({
      source: ['aws.glue'],
      'detail-type': ['Glue Job State Change'],
      detail: { jobName: ['lakestep-dev-transform-batch'], state: ['FAILED', 'ERROR'] },
    });
    const crawler = rules.find((r) => r.Properties.Name === 'lakestep-dev-cleansed-crawler-failed');
    expect(crawler?.Properties.EventPattern.detail).toEqual({
      crawlerName: ['lakestep-dev-cleansed-crawler'],
      state: ['Failed'],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/events/lakestep-dev-transform-batch-job-failed',
    });
  });

  it('lets CloudWatch publish to the encrypted topics', () => {
    const keys = Object.values(template.findResources('AWS::KMS::Key')) as {
      Properties: { KeyPolicy: { Statement: Record<string, unknown>[] } };
    }[];
    const statements = keys.flatMap((k) => k.Properties.KeyPolicy.Statement);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      ]),
    );
  });
});
