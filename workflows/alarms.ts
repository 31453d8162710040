/**
 * Pure derivation: Workflow → the alarms that watch it (AlarmSpec[]). Each task step gets the alarms
 * that fit its kind, the state machine and the data get theirs, and one composite pages on-call. The
 * CDK app (infra/pipeline-alarms.ts) turns the specs into CloudWatch alarms; `lakestep status`
 * (local/health.ts) evaluates the same specs, with the same thresholds, over the local execution store.
 * No I/O, no aws-cdk-lib.
 */
import {
  ANALYTICS_CHECK_ALARM_DEFAULTS,
  ANALYTICS_CHECK_METRIC,
  type AnalyticsCheckAlarmKind,
  CHECK_ANALYTICS_STEP_ID,
  checksOf,
} from './analytics-checks';
import { type ApiAlarmKind, apiAlarms } from './api-alarms';
import type { SourceAlarmKind } from './fetch-alarms';
import type {
  AlarmOverride,
  AlarmSeverity,
  AlarmThreshold,
  DataAlarmKind,
  FailStep,
  StateMachineAlarmKind,
  Step,
  StepAlarmKind,
  TaskStep,
  Workflow,
} from './types';
import { isTask } from './types';

/** POWERTOOLS_SERVICE_NAME of every function: the `service` dimension of every pipeline metric. */
export const METRICS_SERVICE = 'lakestep';

/** Metric names the handlers emit (Powertools EMF); alarms and the dashboard read them by these names. */
export const METRIC = {
  objectsAccepted: 'ObjectsAccepted',
  objectsRejected: 'ObjectsRejected',
  rowsRead: 'RowsRead',
  rowsCleansed: 'RowsCleansed',
  rowsQuarantined: 'RowsQuarantined',
  rowsDuplicate: 'RowsDuplicate',
  quarantinedShare: 'QuarantinedShare',
  batchesPassed: 'BatchesPassed',
  batchesFailedDq: 'BatchesFailedDQ',
  batchesQuarantined: 'BatchesQuarantined',
  rowsPromoted: 'RowsPromoted',
  runsSucceeded: 'RunsSucceeded',
  failuresRecorded: 'FailuresRecorded',
  duplicateObjectEvents: 'DuplicateObjectEvents',
  /** Admission gates (dimension `gate`): answers that admitted, answers that said wait, and how long the object had waited. */
  slotsAcquired: 'SlotsAcquired',
  slotWaits: 'SlotWaits',
  slotWaitSeconds: 'SlotWaitSeconds',
  /** Region MERGEs (dimension `materialization`): runs claimed, executions a run covered, answers that said wait. */
  regionMergesRun: 'RegionMergesRun',
  regionMergesCovered: 'RegionMergesCovered',
  regionMergeWaits: 'RegionMergeWaits',
} as const;

/** One metric per batch DQ rule and outcome (`DQ_quarantined_share_failed`): two rules, low cardinality. */
export const dqRuleMetric = (rule: string, passed: boolean) => `DQ_${rule}_${passed ? 'passed' : 'failed'}`;

/** A resource whose physical name (or ARN) the deployment knows: infra resolves it. */
export type ResourceRef =
  | { readonly ref: 'function'; readonly functionId: string }
  | { readonly ref: 'glueJob'; readonly jobId: string }
  | { readonly ref: 'crawler'; readonly crawlerId: string }
  | { readonly ref: 'workGroup' }
  | { readonly ref: 'stateMachine' }
  | { readonly ref: 'eventRule'; readonly signal: string }
  | { readonly ref: 'queue'; readonly queue: 'failureCapture' | 'trigger' | 'fetchSchedule' }
  | { readonly ref: 'restApi' };

export type DimensionValue = string | ResourceRef;

export type Statistic = 'Sum' | 'Maximum' | 'Average' | 'SampleCount' | 'p99';

/** A CloudWatch metric: an AWS service's own, or one the pipeline's handlers emit (the stage's namespace). */
export interface MetricRef {
  /** `pipeline`: the stage's Powertools namespace (its name prefix); otherwise an AWS namespace. */
  readonly namespace: 'pipeline' | `AWS/${string}`;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, DimensionValue>>;
  readonly statistic: Statistic;
}

/** Metric math over named metrics (ids are lowercase letters and digits). */
export interface MathRef {
  readonly expression: string;
  readonly label: string;
  readonly metrics: Readonly<Record<string, MetricRef>>;
}

/**
 * A Glue state-change event rule: Glue's own job metrics miss runs that fail before the script starts
 * (bad arguments, missing script, capacity), while the job-state events name every ending. Infra makes
 * the rule `<prefix>-<id>` (the events go to a log group on-call can read) and the alarm counts
 * the rule's AWS/Events TriggeredRules.
 */
export interface EventSignal {
  readonly id: string;
  readonly resource:
    | { readonly ref: 'glueJob'; readonly jobId: string }
    | { readonly ref: 'crawler'; readonly crawlerId: string };
  /** Job states (`FAILED`, `TIMEOUT`, …) or crawler states (`Failed`) the rule matches. */
  readonly states: readonly string[];
}

/** How `lakestep status` computes the alarm's value from the local execution store. */
export type LocalCheck =
  /** Task attempts at these states that ended in an error (only `errors`, or all but `except`). */
  | {
      readonly type: 'taskErrors';
      readonly states: readonly string[];
      readonly errors?: readonly string[];
      readonly except?: readonly string[];
    }
  /** The longest task attempt at these states, in milliseconds. */
  | { readonly type: 'taskDurationMax'; readonly states: readonly string[] }
  /** The largest number found at `path` in these states' task results. */
  | { readonly type: 'taskResultMax'; readonly states: readonly string[]; readonly path: readonly string[] }
  /**
   * Times an execution attempt ended with one of these statuses (and this classification, as the failure
   * recorder classifies it), counted when they happened: a redriven execution's earlier failure still
   * counts in its window, as its datapoint does in CloudWatch.
   */
  | {
      readonly type: 'executions';
      readonly statuses: readonly ('FAILED' | 'TIMED_OUT' | 'ABORTED')[];
      readonly classification?: 'system' | 'data';
    }
  /** p99 of the durations of the executions that ended, in milliseconds. */
  | { readonly type: 'executionDurationP99' }
  /** The sum of an EMF metric (optionally for one dataset). */
  | { readonly type: 'emfSum'; readonly metric: string; readonly dataset?: string }
  /** 100 × sum(numerator) / sum(denominator) of EMF metrics for one dataset. */
  | {
      readonly type: 'emfPercent';
      readonly numerator: string;
      readonly denominator: string;
      readonly dataset: string;
    }
  /** Hours since the dataset's last successful run (its RunsSucceeded metric), as of the evaluation. */
  | { readonly type: 'hoursSinceSuccess'; readonly dataset: string }
  /** No local equivalent (the service or the resource does not exist locally). */
  | { readonly type: 'none'; readonly why: string };

export type AlarmKind =
  | StepAlarmKind
  | StateMachineAlarmKind
  | DataAlarmKind
  | SourceAlarmKind
  | ApiAlarmKind
  | AnalyticsCheckAlarmKind;

export type AlarmScope =
  | { readonly type: 'step'; readonly stepIds: readonly string[]; readonly stateNames: readonly string[] }
  | { readonly type: 'stateMachine' }
  | { readonly type: 'data'; readonly dataset: string | null; readonly stepIds: readonly string[] }
  /** A REST source's fetch (workflows/fetch-alarms.ts), for one region or all. */
  | { readonly type: 'source'; readonly sourceId: string; readonly region: string | null }
  | { readonly type: 'api' };

export type Comparison = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold';

interface AlarmSpecBase {
  /** kebab-case, unique in the workflow: the alarm is `<prefix>-<id>`, its runbook `docs/runbooks/<id>.md`. */
  readonly id: string;
  /** What a person reads first: "Ingest object: Lambda errors". */
  readonly title: string;
  /** One line: what broke, in the terms on-call acts on. */
  readonly summary: string;
  readonly severity: AlarmSeverity;
  readonly runbook: string;
}

export interface MetricAlarmSpec extends AlarmSpecBase {
  readonly type: 'metric';
  readonly kind: AlarmKind;
  readonly scope: AlarmScope;
  readonly metric: MetricRef | MathRef;
  readonly comparison: Comparison;
  /** In the metric's unit (count, milliseconds, bytes, percent). */
  readonly threshold: number;
  /** How the threshold reads to a person ("≥ 1 error in 5 minutes"). */
  readonly condition: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: 'notBreaching' | 'breaching';
  /** The Glue event rule the metric counts, when it counts one. */
  readonly signal?: EventSignal;
  readonly local: LocalCheck;
}

/** The one alarm that pages: any `page` alarm in ALARM. */
export interface CompositeAlarmSpec extends AlarmSpecBase {
  readonly type: 'composite';
  readonly anyOf: readonly string[];
}

export type AlarmSpec = MetricAlarmSpec | CompositeAlarmSpec;

export const COMPOSITE_ALARM_ID = 'pipeline-unhealthy';
export const RUNBOOK_DIR = 'docs/runbooks';
export const runbookPath = (alarmId: string) => `${RUNBOOK_DIR}/${alarmId}.md`;

/** Defaults per alarm kind: the unit of `threshold` is the kind's own (see each comment). */
export const STEP_ALARM_DEFAULTS: Readonly<Record<StepAlarmKind, AlarmThreshold>> = {
  /** Function errors (count). Retries often hide them from the execution: someone should still know. */
  lambdaErrors: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
  /** Throttled invocations (count); the task's Retry absorbs a few. */
  lambdaThrottles: { threshold: 5, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
  /** Longest invocation as a share of the function's timeout (0–1). */
  lambdaDurationNearTimeout: { threshold: 0.8, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
  /**
   * The longest an object had waited for an admission slot when it asked (minutes). Two hours of a
   * six-hour execution timeout: the backlog will time executions out unless capacity or pacing changes.
   */
  slotWaitTooLong: { threshold: 24 * 60, periodMinutes: 15, evaluationPeriods: 1, severity: 'page' },
  /** Job runs that ended FAILED or ERROR (count, from job-state events). */
  glueJobFailed: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'page' },
  /** Job runs that ended TIMEOUT (count, from job-state events). */
  glueJobTimedOut: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'page' },
  /** Crawls that ended Failed (count, from crawler-state events): the catalog silently goes stale. */
  crawlerFailed: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'page' },
  /** Failed queries of the workgroup (count); the Iceberg-conflict retry absorbs some. */
  athenaQueryFailed: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
  /** The largest query scan (bytes). */
  athenaBytesScanned: { threshold: 1024 ** 3, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
};

export const STATE_MACHINE_ALARM_DEFAULTS: Readonly<Record<StateMachineAlarmKind, AlarmThreshold>> = {
  /** Executions that failed with a system fault, counted by the failure recorder (count). */
  systemFaults: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'page' },
  executionsTimedOut: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'page' },
  /** Someone stopped an execution (count). */
  executionsAborted: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
  /** StartExecution calls throttled (count); the trigger's retry and DLQ absorb them. */
  executionsThrottled: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
  /** p99 execution duration (minutes). */
  executionDurationP99: { threshold: 60, periodMinutes: 60, evaluationPeriods: 1, severity: 'notice' },
  /** Failure events the recorder never got (messages in its dead-letter queue). */
  failureCaptureUndelivered: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'page' },
  /** Landed objects whose execution was never started (messages in the trigger's dead-letter queue). */
  triggerUndelivered: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'page' },
};

export const DATA_ALARM_DEFAULTS: Readonly<Record<Exclude<DataAlarmKind, 'freshness'>, AlarmThreshold>> & {
  readonly freshness: { readonly severity: AlarmSeverity };
} = {
  /** Batches of the dataset that failed data quality (count). */
  dqFailedBatches: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
  /** Quarantined rows among rows read by the dataset's batches (percent): a warning below the DQ gate. */
  quarantinedRowShare: { threshold: 2, periodMinutes: 60, evaluationPeriods: 1, severity: 'notice' },
  /** Objects rejected whole (count). */
  rejectedObjects: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
  /** No successful run for the dataset's window: the data stopped arriving or stopped getting through. */
  freshness: { severity: 'page' },
};

/** Default freshness window for a dataset the workflow's monitoring does not mention. */
export const DEFAULT_FRESHNESS_HOURS = 26;

const MINUTE = 60;
const kebab = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();

function merge(defaults: AlarmThreshold, override: AlarmOverride | undefined): AlarmThreshold | null {
  if (override === false) return null;
  return { ...defaults, ...(override ?? {}) };
}

/** CloudWatch's limits on an alarm's window, checked here so that synth never deploys a rejected alarm. */
function checkWindow(where: string, t: AlarmThreshold): void {
  const p = t.periodMinutes;
  if (
    !Number.isInteger(p) ||
    p < 1 ||
    (p > 1 && p < 60 && ![5, 10, 15, 30].includes(p)) ||
    (p >= 60 && p % 60)
  )
    throw new Error(`${where}: periodMinutes ${p} must be 1, 5, 10, 15, 30 or a multiple of 60`);
  if (!Number.isInteger(t.evaluationPeriods) || t.evaluationPeriods < 1)
    throw new Error(`${where}: evaluationPeriods must be a positive integer`);
  const limitMinutes = p >= 60 ? 7 * 24 * 60 : 24 * 60;
  if (p * t.evaluationPeriods > limitMinutes)
    throw new Error(
      `${where}: ${t.evaluationPeriods} periods of ${p} minutes exceed CloudWatch's ${limitMinutes / 60} hours for such periods`,
    );
  if (!(t.threshold >= 0)) throw new Error(`${where}: threshold must be a number ≥ 0`);
}

/** The steps reachable from StartAt, in the order an execution meets them (breadth first). */
export function executionOrder(workflow: Workflow): Step[] {
  const byId = new Map(workflow.steps.map((s) => [s.id, s]));
  const order: Step[] = [];
  const seen = new Set<string>();
  const queue = [workflow.startAt];
  while (queue.length) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    const step = byId.get(id);
    if (!step) throw new Error(`workflow ${workflow.name}: no step with id '${id}'`);
    seen.add(id);
    order.push(step);
    const next: string[] = [];
    if (step.kind === 'choice')
      next.push(...step.rules.map((r) => r.next), ...(step.default ? [step.default] : []));
    else if (step.kind === 'wait') next.push(step.next);
    else if (isTask(step))
      next.push(...(step.catch ?? []).map((c) => c.next), ...(step.next ? [step.next] : []));
    queue.push(...next);
  }
  return order;
}

/** The datasets the workflow's data alarms cover: every dataset a landed object can route to. */
export function monitoredDatasets(workflow: Workflow): string[] {
  const routed = workflow.datasets.map((d) => d.name);
  for (const d of Object.keys(workflow.monitoring?.datasets ?? {}))
    if (!routed.includes(d))
      throw new Error(
        `workflow ${workflow.name}: monitoring names dataset '${d}', which no object routes to`,
      );
  return routed;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const window = (t: AlarmThreshold) =>
  t.evaluationPeriods === 1
    ? `in ${t.periodMinutes % 60 ? `${t.periodMinutes} minutes` : count(t.periodMinutes / 60, 'hour')}`
    : `in each of ${t.evaluationPeriods} periods of ${t.periodMinutes} minutes`;

interface Draft {
  readonly id: string;
  readonly kind: AlarmKind;
  readonly title: string;
  readonly summary: string;
  readonly scope: AlarmScope;
  readonly values: AlarmThreshold;
  readonly metric: MetricRef | MathRef;
  readonly comparison?: Comparison;
  /** The threshold in the metric's unit, when it differs from the configured value. */
  readonly threshold?: number;
  readonly condition: string;
  readonly treatMissingData?: 'notBreaching' | 'breaching';
  readonly signal?: EventSignal;
  readonly local: LocalCheck;
}

function finish(d: Draft): MetricAlarmSpec {
  checkWindow(`alarm ${d.id}`, d.values);
  return {
    type: 'metric',
    id: d.id,
    kind: d.kind,
    title: d.title,
    summary: d.summary,
    severity: d.values.severity,
    runbook: runbookPath(d.id),
    scope: d.scope,
    metric: d.metric,
    comparison: d.comparison ?? 'GreaterThanOrEqualToThreshold',
    threshold: d.threshold ?? d.values.threshold,
    condition: d.condition,
    periodSeconds: d.values.periodMinutes * MINUTE,
    evaluationPeriods: d.values.evaluationPeriods,
    datapointsToAlarm: d.values.evaluationPeriods,
    treatMissingData: d.treatMissingData ?? 'notBreaching',
    ...(d.signal ? { signal: d.signal } : {}),
    local: d.local,
  };
}

const aws = (
  namespace: `AWS/${string}`,
  name: string,
  dimensions: MetricRef['dimensions'],
  statistic: Statistic,
): MetricRef => ({
  namespace,
  name,
  dimensions,
  statistic,
});
const pipeline = (
  name: string,
  dimensions: Record<string, string>,
  statistic: Statistic = 'Sum',
): MetricRef => ({
  namespace: 'pipeline',
  name,
  dimensions: { service: METRICS_SERVICE, ...dimensions },
  statistic,
});

/** The drafts one task step asks for (alarms shared by steps, such as a crawler's, are merged later). */
function stepDrafts(step: TaskStep): Draft[] {
  const o = step.alarms ?? {};
  const scope: AlarmScope = { type: 'step', stepIds: [step.id], stateNames: [step.stateName] };
  const states = [step.stateName];
  const out: Draft[] = [];
  const add = (
    kind: StepAlarmKind,
    make: (t: AlarmThreshold) => Omit<Draft, 'kind' | 'values' | 'scope'>,
  ) => {
    const t = merge(STEP_ALARM_DEFAULTS[kind], o[kind]);
    if (t) out.push({ kind, values: t, scope, ...make(t) });
  };
  switch (step.kind) {
    case 'lambda': {
      const fn = step.function;
      const FunctionName: ResourceRef = { ref: 'function', functionId: fn.id };
      const base = kebab(fn.id);
      add('lambdaErrors', (t) => ({
        id: `${base}-errors`,
        title: `${step.stateName}: Lambda errors`,
        summary: `The ${fn.id} function (state "${step.stateName}") threw errors; retries may have hidden them from the executions.`,
        metric: aws('AWS/Lambda', 'Errors', { FunctionName }, 'Sum'),
        condition: `≥ ${count(t.threshold, 'error')} ${window(t)}`,
        local: { type: 'taskErrors', states, except: ['Lambda.TooManyRequestsException'] },
      }));
      add('lambdaThrottles', (t) => ({
        id: `${base}-throttles`,
        title: `${step.stateName}: Lambda throttles`,
        summary: `Invocations of the ${fn.id} function (state "${step.stateName}") are throttled: the account or function concurrency is exhausted.`,
        metric: aws('AWS/Lambda', 'Throttles', { FunctionName }, 'Sum'),
        condition: `≥ ${count(t.threshold, 'throttled invocation')} ${window(t)}`,
        local: { type: 'taskErrors', states, errors: ['Lambda.TooManyRequestsException'] },
      }));
      add('lambdaDurationNearTimeout', (t) => {
        if (t.threshold <= 0 || t.threshold > 1)
          throw new Error(
            `step ${step.id}: lambdaDurationNearTimeout.threshold is a share of the timeout, in (0, 1]`,
          );
        const ms = Math.round(t.threshold * fn.timeoutSeconds * 1000);
        return {
          id: `${base}-duration-near-timeout`,
          title: `${step.stateName}: Lambda duration near its timeout`,
          summary: `An invocation of the ${fn.id} function (state "${step.stateName}") ran ${Math.round(t.threshold * 100)}% of its ${fn.timeoutSeconds} s timeout: the next larger object may time out.`,
          metric: aws('AWS/Lambda', 'Duration', { FunctionName }, 'Maximum'),
          threshold: ms,
          condition: `longest invocation ≥ ${ms} ms (${Math.round(t.threshold * 100)}% of ${fn.timeoutSeconds} s) ${window(t)}`,
          local: { type: 'taskDurationMax', states },
        };
      });
      // Only a step that asks an admission gate for a slot opts in (`alarms: { slotWaitTooLong: {} }`).
      if (o.slotWaitTooLong !== undefined)
        add('slotWaitTooLong', (t) => {
          const gate = String(step.payload.gate);
          return {
            id: `${kebab(gate)}-slot-wait-too-long`,
            title: `${step.stateName}: objects waiting too long for a slot`,
            summary: `An object has waited ${t.threshold} minutes or more for a slot of the ${gate} gate (state "${step.stateName}"): the backlog outgrows the gate's slots, and executions still waiting at their timeout will time out.`,
            metric: pipeline(METRIC.slotWaitSeconds, { gate }, 'Maximum'),
            threshold: t.threshold * 60,
            condition: `longest wait ≥ ${t.threshold} minutes ${window(t)}`,
            local: { type: 'taskResultMax', states, path: ['Payload', 'waitedSeconds'] },
          };
        });
      break;
    }
    case 'glueJob': {
      const base = kebab(step.jobId);
      const resource = { ref: 'glueJob', jobId: step.jobId } as const;
      add('glueJobFailed', (t) => {
        const signal: EventSignal = { id: `${base}-job-failed`, resource, states: ['FAILED', 'ERROR'] };
        return {
          id: `${base}-job-failed`,
          title: `${step.stateName}: Glue job run failed`,
          summary: `A run of the ${step.jobId} Glue job (state "${step.stateName}") ended FAILED or ERROR.`,
          metric: aws(
            'AWS/Events',
            'TriggeredRules',
            { RuleName: { ref: 'eventRule', signal: signal.id } },
            'Sum',
          ),
          condition: `≥ ${count(t.threshold, 'failed run')} ${window(t)}`,
          signal,
          local: { type: 'taskErrors', states, except: ['States.Timeout'] },
        };
      });
      add('glueJobTimedOut', (t) => {
        const signal: EventSignal = { id: `${base}-job-timed-out`, resource, states: ['TIMEOUT'] };
        return {
          id: `${base}-job-timed-out`,
          title: `${step.stateName}: Glue job run timed out`,
          summary: `A run of the ${step.jobId} Glue job (state "${step.stateName}") hit its ${Math.round(step.timeoutSeconds / 60)}-minute timeout.`,
          metric: aws(
            'AWS/Events',
            'TriggeredRules',
            { RuleName: { ref: 'eventRule', signal: signal.id } },
            'Sum',
          ),
          condition: `≥ ${count(t.threshold, 'timed-out run')} ${window(t)}`,
          signal,
          local: { type: 'taskErrors', states, errors: ['States.Timeout'] },
        };
      });
      break;
    }
    case 'crawlerStart':
    case 'crawlerStatus': {
      const base = `${kebab(step.crawlerId)}-crawler`;
      add('crawlerFailed', (t) => {
        const signal: EventSignal = {
          id: `${base}-failed`,
          resource: { ref: 'crawler', crawlerId: step.crawlerId },
          states: ['Failed'],
        };
        return {
          id: `${base}-failed`,
          title: `${step.crawlerId} crawler failed`,
          summary: `A crawl of the ${step.crawlerId} crawler failed: new partitions are missing from the catalog, so analytics may be stale.`,
          metric: aws(
            'AWS/Events',
            'TriggeredRules',
            { RuleName: { ref: 'eventRule', signal: signal.id } },
            'Sum',
          ),
          condition: `≥ ${count(t.threshold, 'failed crawl')} ${window(t)}`,
          signal,
          // A crawler already running is an outcome the workflow catches on purpose, not a failure.
          local: { type: 'taskErrors', states, except: ['Glue.CrawlerRunningException'] },
        };
      });
      break;
    }
    case 'athenaQuery': {
      const WorkGroup: ResourceRef = { ref: 'workGroup' };
      add('athenaQueryFailed', (t) => ({
        id: 'athena-queries-failed',
        title: 'Athena queries failed',
        summary: `Queries of the pipeline's Athena workgroup failed (materialization state "${step.stateName}").`,
        metric: aws(
          'AWS/Athena',
          'TotalExecutionTime',
          { WorkGroup, QueryState: 'FAILED', QueryType: 'DML' },
          'SampleCount',
        ),
        condition: `≥ ${count(t.threshold, 'failed query')} ${window(t)}`,
        local: { type: 'taskErrors', states },
      }));
      add('athenaBytesScanned', (t) => ({
        id: 'athena-bytes-scanned',
        title: 'Athena query scanned too much',
        summary: `A query of the pipeline's Athena workgroup (materialization state "${step.stateName}") scanned more than ${t.threshold} bytes: cost grows, and the workgroup's cutoff will cancel it.`,
        metric: aws(
          'AWS/Athena',
          'ProcessedBytes',
          { WorkGroup, QueryState: 'SUCCEEDED', QueryType: 'DML' },
          'Maximum',
        ),
        comparison: 'GreaterThanThreshold',
        condition: `largest scan > ${t.threshold} bytes ${window(t)}`,
        local: {
          type: 'taskResultMax',
          states,
          path: ['QueryExecution', 'Statistics', 'DataScannedInBytes'],
        },
      }));
      break;
    }
  }
  return out;
}

/** A step alarm several steps share (a crawler's, the workgroup's): one alarm, every step in its scope. */
function mergeShared(drafts: Draft[]): Draft[] {
  const byId = new Map<string, Draft>();
  for (const d of drafts) {
    const prev = byId.get(d.id);
    if (!prev) {
      byId.set(d.id, d);
      continue;
    }
    if (JSON.stringify(prev.values) !== JSON.stringify(d.values) || prev.threshold !== d.threshold)
      throw new Error(
        `alarm ${d.id} is shared by steps that set different thresholds (${JSON.stringify(prev.values)} vs ${JSON.stringify(d.values)}): set them alike`,
      );
    const a = prev.scope as Extract<AlarmScope, { type: 'step' }>;
    const b = d.scope as Extract<AlarmScope, { type: 'step' }>;
    const scope: AlarmScope = {
      type: 'step',
      stepIds: [...a.stepIds, ...b.stepIds],
      stateNames: [...a.stateNames, ...b.stateNames],
    };
    const local = prev.local;
    byId.set(d.id, {
      ...prev,
      scope,
      local: 'states' in local ? { ...local, states: scope.stateNames } : local,
    });
  }
  return [...byId.values()];
}

function stateMachineDrafts(workflow: Workflow): Draft[] {
  const o = workflow.monitoring?.stateMachine ?? {};
  const scope: AlarmScope = { type: 'stateMachine' };
  const StateMachineArn: ResourceRef = { ref: 'stateMachine' };
  const out: Draft[] = [];
  const add = (
    kind: StateMachineAlarmKind,
    make: (t: AlarmThreshold) => Omit<Draft, 'kind' | 'values' | 'scope'>,
  ) => {
    const t = merge(STATE_MACHINE_ALARM_DEFAULTS[kind], o[kind]);
    if (t) out.push({ kind, values: t, scope, ...make(t) });
  };
  add('systemFaults', (t) => ({
    id: 'executions-failed-system',
    title: 'Executions failed with a system fault',
    summary:
      'Executions ended with a system fault (FAILED other than a rejected object or a DQ failure, or timed out, or aborted): they wait at the state that did not finish for a fix and a replay.',
    // Step Functions' ExecutionsFailed also counts the workflow's own Fail states (data outcomes); the
    // failure recorder classifies each failed execution and counts system faults on their own.
    metric: pipeline(METRIC.failuresRecorded, { classification: 'system' }),
    condition: `≥ ${count(t.threshold, 'execution')} ${window(t)}`,
    // The recorder counts every unsuccessful ending that is not a data outcome as a system fault: a
    // timeout and an abort too (handlers/core/record-failure.ts classify()).
    local: { type: 'executions', statuses: ['FAILED', 'TIMED_OUT', 'ABORTED'], classification: 'system' },
  }));
  add('executionsTimedOut', (t) => ({
    id: 'executions-timed-out',
    title: 'Executions timed out',
    summary: `Executions hit the workflow's ${Math.round(workflow.timeoutSeconds / 3600)}-hour timeout: a task hung or a wait never ended.`,
    metric: aws('AWS/States', 'ExecutionsTimedOut', { StateMachineArn }, 'Sum'),
    condition: `≥ ${count(t.threshold, 'execution')} ${window(t)}`,
    local: { type: 'executions', statuses: ['TIMED_OUT'] },
  }));
  add('executionsAborted', (t) => ({
    id: 'executions-aborted',
    title: 'Executions aborted',
    summary: 'Executions were stopped by hand (StopExecution): their objects were not processed to the end.',
    metric: aws('AWS/States', 'ExecutionsAborted', { StateMachineArn }, 'Sum'),
    condition: `≥ ${count(t.threshold, 'execution')} ${window(t)}`,
    local: { type: 'executions', statuses: ['ABORTED'] },
  }));
  add('executionsThrottled', (t) => ({
    id: 'executions-throttled',
    title: 'Execution starts throttled',
    summary:
      'StartExecution calls were throttled: a burst of uploads exceeds the account quota; the trigger retries, then dead-letters.',
    metric: aws('AWS/States', 'ExecutionThrottled', { StateMachineArn }, 'Sum'),
    condition: `≥ ${count(t.threshold, 'throttled start')} ${window(t)}`,
    local: { type: 'none', why: 'locally executions start in process: nothing throttles them' },
  }));
  add('executionDurationP99', (t) => ({
    id: 'execution-duration-p99',
    title: 'Executions slow (p99 duration)',
    summary: `The 99th percentile of execution durations exceeds ${t.threshold} minutes: objects take longer to reach analytics.`,
    metric: aws('AWS/States', 'ExecutionTime', { StateMachineArn }, 'p99'),
    comparison: 'GreaterThanThreshold',
    threshold: t.threshold * 60 * 1000,
    condition: `p99 duration > ${t.threshold} minutes ${window(t)}`,
    local: { type: 'executionDurationP99' },
  }));
  add('failureCaptureUndelivered', (t) => ({
    id: 'failure-capture-undelivered',
    title: 'Failed executions not recorded',
    summary:
      'Failure events could not be delivered to the failure recorder: failed executions are neither recorded nor paged individually.',
    metric: aws(
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      { QueueName: { ref: 'queue', queue: 'failureCapture' } },
      'Maximum',
    ),
    condition: `≥ ${count(t.threshold, 'message')} in the dead-letter queue`,
    local: { type: 'none', why: 'locally failures are recorded in the execution store directly' },
  }));
  add('triggerUndelivered', (t) => ({
    id: 'trigger-undelivered',
    title: 'Landed objects not started',
    summary:
      'Object Created events could not start an execution (after retries): those objects sit in landing unprocessed.',
    metric: aws(
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      { QueueName: { ref: 'queue', queue: 'trigger' } },
      'Maximum',
    ),
    condition: `≥ ${count(t.threshold, 'message')} in the dead-letter queue`,
    local: { type: 'none', why: 'locally `lakestep run` starts every execution itself' },
  }));
  return out;
}

function dataDrafts(workflow: Workflow): Draft[] {
  const monitoring = workflow.monitoring ?? {};
  const failSteps = workflow.steps.filter((s): s is FailStep => s.kind === 'fail');
  const failStepOf = (error: string) => failSteps.filter((s) => s.error === error).map((s) => s.id);
  const out: Draft[] = [];
  const rejected = merge(DATA_ALARM_DEFAULTS.rejectedObjects, monitoring.rejectedObjects);
  const datasets = monitoredDatasets(workflow);
  if (rejected) {
    // Ingest counts rejections per dataset ('unknown' for a name no dataset matches): sum them all.
    const ids = [...datasets, 'unknown'];
    const metrics = Object.fromEntries(
      ids.map((d, i) => [`r${i}`, pipeline(METRIC.objectsRejected, { dataset: d })]),
    );
    out.push({
      id: 'objects-rejected',
      kind: 'rejectedObjects',
      title: 'Objects rejected',
      summary:
        'Landed objects were rejected whole (unknown name, empty, not UTF-8, wrong header or shape): they are in quarantine with a reason.',
      scope: { type: 'data', dataset: null, stepIds: failStepOf('ObjectRejected') },
      values: rejected,
      metric: {
        expression: Object.keys(metrics)
          .map((k) => `FILL(${k}, 0)`)
          .join(' + '),
        label: 'Objects rejected',
        metrics,
      },
      condition: `≥ ${count(rejected.threshold, 'object')} ${window(rejected)}`,
      local: { type: 'emfSum', metric: METRIC.objectsRejected },
    });
  }
  for (const dataset of datasets) {
    const conf = monitoring.datasets?.[dataset];
    const scope: AlarmScope = { type: 'data', dataset, stepIds: failStepOf('DataQualityFailed') };
    const dq = merge(DATA_ALARM_DEFAULTS.dqFailedBatches, conf?.alarms?.dqFailedBatches);
    if (dq)
      out.push({
        id: `${kebab(dataset)}-dq-failed-batches`,
        kind: 'dqFailedBatches',
        title: `${dataset}: batches failed data quality`,
        summary: `Batches of ${dataset} failed a data-quality rule and went to quarantine whole; nothing of them was promoted.`,
        scope,
        values: dq,
        metric: pipeline(METRIC.batchesFailedDq, { dataset }),
        condition: `≥ ${count(dq.threshold, 'batch')} ${window(dq)}`,
        local: { type: 'emfSum', metric: METRIC.batchesFailedDq, dataset },
      });
    const share = merge(DATA_ALARM_DEFAULTS.quarantinedRowShare, conf?.alarms?.quarantinedRowShare);
    if (share)
      out.push({
        id: `${kebab(dataset)}-quarantined-row-share`,
        kind: 'quarantinedRowShare',
        title: `${dataset}: quarantined-row share high`,
        summary: `More than ${share.threshold}% of the ${dataset} rows read were quarantined by the row rules: the source's data is degrading.`,
        scope: { type: 'data', dataset, stepIds: [] },
        values: share,
        metric: {
          expression: 'IF(FILL(r, 0) > 0, 100 * FILL(q, 0) / FILL(r, 0), 0)',
          label: `${dataset}: quarantined rows (%)`,
          metrics: {
            q: pipeline(METRIC.rowsQuarantined, { dataset }),
            r: pipeline(METRIC.rowsRead, { dataset }),
          },
        },
        comparison: 'GreaterThanThreshold',
        condition: `quarantined rows > ${share.threshold}% of rows read ${window(share)}`,
        local: {
          type: 'emfPercent',
          numerator: METRIC.rowsQuarantined,
          denominator: METRIC.rowsRead,
          dataset,
        },
      });
    const hours = conf ? conf.freshnessHours : DEFAULT_FRESHNESS_HOURS;
    if (hours !== null) {
      if (!Number.isInteger(hours) || hours < 1 || hours > 168)
        throw new Error(
          `dataset ${dataset}: freshnessHours must be an integer from 1 to 168 (CloudWatch's 7 days)`,
        );
      const values: AlarmThreshold = {
        threshold: 1,
        periodMinutes: 60,
        evaluationPeriods: hours,
        severity: conf?.alarms?.freshness?.severity ?? DATA_ALARM_DEFAULTS.freshness.severity,
      };
      out.push({
        id: `${kebab(dataset)}-freshness`,
        kind: 'freshness',
        title: `${dataset}: no successful run for ${hours} hours`,
        summary: `No ${dataset} object ran through to analytics in the last ${hours} hours: uploads stopped, or every run fails.`,
        scope: { type: 'data', dataset, stepIds: [] },
        values,
        metric: pipeline(METRIC.runsSucceeded, { dataset }),
        comparison: 'LessThanThreshold',
        condition: `no successful run in ${hours} hours`,
        // No data at all is exactly what this alarm is about.
        treatMissingData: 'breaching',
        local: { type: 'hoursSinceSuccess', dataset },
      });
    }
  }
  return out;
}

/**
 * The alarms of the materializations' checks (decision 0032), when the workflow has the Check analytics
 * step: warn checks that found rows, and fail checks that failed an execution, summed over the checks.
 */
function analyticsCheckDrafts(workflow: Workflow): Draft[] {
  const step = workflow.steps.find((s) => s.id === CHECK_ANALYTICS_STEP_ID);
  if (!step) return [];
  const checks = checksOf(workflow.materializations);
  const scope: AlarmScope = { type: 'step', stepIds: [step.id], stateNames: [step.stateName] };
  const sumOf = (severity: 'warn' | 'fail', name: string, label: string): MathRef | null => {
    const of = checks.filter((c) => c.severity === severity);
    if (of.length === 0) return null;
    const metrics = Object.fromEntries(
      of.map((c, i) => [`c${i}`, pipeline(name, { materialization: c.materialization, check: c.name })]),
    );
    return {
      expression: Object.keys(metrics)
        .map((k) => `FILL(${k}, 0)`)
        .join(' + '),
      label,
      metrics,
    };
  };
  const out: Draft[] = [];
  const warnings = sumOf('warn', ANALYTICS_CHECK_METRIC.warnings, 'Rows found by warn checks');
  if (warnings) {
    const values = ANALYTICS_CHECK_ALARM_DEFAULTS.analyticsCheckWarnings;
    out.push({
      id: 'analytics-check-warnings',
      kind: 'analyticsCheckWarnings',
      title: 'Analytics checks found rows (warn)',
      summary: `A warn check of the materializations found violating rows at "${step.stateName}"; the executions succeeded and the tables hold what the data says.`,
      scope,
      values,
      metric: warnings,
      condition: `≥ ${count(values.threshold, 'violating row')} ${window(values)}`,
      local: { type: 'emfSum', metric: ANALYTICS_CHECK_METRIC.warnings },
    });
  }
  const failures = sumOf('fail', ANALYTICS_CHECK_METRIC.failures, 'Rows found by fail checks');
  if (failures) {
    const values = ANALYTICS_CHECK_ALARM_DEFAULTS.analyticsCheckFailures;
    out.push({
      id: 'analytics-check-failures',
      kind: 'analyticsCheckFailures',
      title: 'Analytics checks failed executions',
      summary: `A fail check of the materializations found violating rows: executions ended FAILED with DataQualityFailed at "${step.stateName}"; the tables hold what the data says, which the check says is wrong.`,
      scope,
      values,
      metric: failures,
      condition: `≥ ${count(values.threshold, 'violating row')} ${window(values)}`,
      local: { type: 'emfSum', metric: ANALYTICS_CHECK_METRIC.failures },
    });
  }
  return out;
}

/**
 * Every alarm of a workflow: per task step (by kind), per state machine, per dataset, and the
 * composite that pages. Adding a step adds its alarms; a step's `alarms` adjusts or turns them off.
 */
export function alarmsFor(workflow: Workflow): AlarmSpec[] {
  const tasks = executionOrder(workflow).filter(isTask);
  const metricAlarms = [
    ...mergeShared(tasks.flatMap(stepDrafts)),
    ...stateMachineDrafts(workflow),
    ...dataDrafts(workflow),
    ...analyticsCheckDrafts(workflow),
  ]
    .map(finish)
    // The analytics API in front of the workflow's tables, when it declares one.
    .concat(workflow.analyticsApi ? apiAlarms(runbookPath) : []);
  const ids = new Set<string>();
  for (const a of metricAlarms) {
    if (ids.has(a.id)) throw new Error(`workflow ${workflow.name}: two alarms are named ${a.id}`);
    ids.add(a.id);
  }
  const pages = metricAlarms.filter((a) => a.severity === 'page');
  const composite: CompositeAlarmSpec = {
    type: 'composite',
    id: COMPOSITE_ALARM_ID,
    title: 'Pipeline unhealthy',
    summary: `The ${workflow.name} pipeline is unhealthy: one of its ${pages.length} paging alarms is in ALARM (see which in the alarm's reason or on the dashboard).`,
    severity: 'page',
    runbook: runbookPath(COMPOSITE_ALARM_ID),
    anyOf: pages.map((a) => a.id),
  };
  return [...metricAlarms, composite];
}

/** The alarms that watch a step (task steps by kind; Fail states by the data outcome they end in). */
export function alarmsOfStep(alarms: readonly AlarmSpec[], stepId: string): MetricAlarmSpec[] {
  return alarms.filter(
    (a): a is MetricAlarmSpec =>
      a.type === 'metric' &&
      (a.scope.type === 'step' || a.scope.type === 'data') &&
      a.scope.stepIds.includes(stepId),
  );
}

/** CloudWatch's limit on an alarm description. */
export const MAX_ALARM_DESCRIPTION = 1024;

/** The runbook's address: under `baseUrl` when the stage sets one, else its path in the repository. */
export function runbookUrl(alarm: Pick<AlarmSpec, 'runbook'>, baseUrl: string): string {
  // Several alarms may share one runbook (a source's per-region staleness alarms).
  return baseUrl ? `${baseUrl}${alarm.runbook.slice(RUNBOOK_DIR.length + 1)}` : alarm.runbook;
}

/** What the alarm says when it fires: the one-line summary, the condition, and the runbook. */
export function alarmDescription(alarm: AlarmSpec, runbookBaseUrl: string): string {
  const condition = alarm.type === 'metric' ? ` Fires at ${alarm.condition}.` : '';
  const pages =
    alarm.type === 'composite'
      ? ' Pages on-call.'
      : alarm.severity === 'page'
        ? ` Pages through ${COMPOSITE_ALARM_ID}.`
        : '';
  const tail = ` Runbook: ${runbookUrl(alarm, runbookBaseUrl)}`;
  const head = `${alarm.summary}${condition}${pages}`;
  const room = MAX_ALARM_DESCRIPTION - tail.length;
  return (head.length > room ? `${head.slice(0, room - 1)}…` : head) + tail;
}
