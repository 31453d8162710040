/**
 * The local health picture, as on-call sees it on AWS: recent executions, failures grouped by failed
 * state and error, DQ outcomes, and which of the generated alarms (workflows/alarms.ts) would be in
 * ALARM under the same thresholds, evaluated over the execution store and the captured EMF lines.
 * Reads files only (never the warehouse), so it works while another process runs the lake.
 */
import {
  type AlarmSpec,
  alarmsFor,
  dqRuleMetric,
  type LocalCheck,
  METRIC,
  type MetricAlarmSpec,
  monitoredDatasets,
} from '../workflows/alarms';
import { BATCH_DQ_RULES, type Dataset } from '../workflows/datasets';
import type { Workflow } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { type ExecutionRecord, ExecutionStore, type StoredEvent, type TaskRecord } from './execution-store';
import { stateRuns } from './execution-summary';
import { lakePaths } from './lake';
import { describeDamage } from './records-reader';
import { isDataOutcome, type ReplayAdvice, replayAdviceFor } from './replay-advice';

export type Classification = 'succeeded' | 'running' | 'data' | 'system';

export interface ExecutionHealth {
  name: string;
  objectKey: string;
  dataset: string | null;
  region: string | null;
  status: ExecutionRecord['status'];
  classification: Classification;
  error: string | null;
  cause: string | null;
  /** The state the execution's last attempt failed at (after its last redrive). */
  failedState: string | null;
  startDate: string;
  stopDate: string | null;
  durationMs: number | null;
  redriveCount: number;
  /** True when a later execution of the same object exists: this one is no longer the object's state. */
  superseded: boolean;
  replay: ReplayAdvice | null;
}

export interface FailureGroup {
  failedState: string | null;
  error: string | null;
  classification: 'data' | 'system';
  count: number;
  /** Newest first. */
  executions: string[];
}

export interface DatasetQuality {
  dataset: string;
  batchesPassed: number;
  batchesFailed: number;
  /** Per batch DQ rule: how many batches passed and failed it. */
  rules: Record<string, { passed: number; failed: number }>;
  rows: { read: number; cleansed: number; quarantined: number; duplicates: number };
  objectsRejected: number;
}

export type AlarmStateValue = 'ALARM' | 'OK' | 'NOT_EVALUATED';

export interface AlarmState {
  id: string;
  title: string;
  severity: AlarmSpec['severity'];
  state: AlarmStateValue;
  /** The value the local evaluation found (null: no data, or not evaluated). */
  value: number | null;
  /** The alarm's condition and what was found, in words. */
  detail: string;
  runbook: string;
}

export interface HealthReport {
  lake: string;
  /** The end of the evaluation window: the lake's last activity, or the clock with `now`. */
  asOf: string;
  totals: Record<'executions' | 'succeeded' | 'rejected' | 'dq_failed' | 'failed' | 'running', number>;
  /** Newest first, at most `limit`. */
  executions: ExecutionHealth[];
  failures: FailureGroup[];
  dataQuality: DatasetQuality[];
  alarms: AlarmState[];
  /** Failed executions that are still their object's latest: each with the command that fixes it. */
  unresolved: ExecutionHealth[];
  /** Damaged records that were skipped (a torn line, an unreadable execution.json), each by file and line. */
  damaged: string[];
}

export interface HealthOptions {
  readonly lake?: string;
  readonly workflow?: Workflow;
  /** How many recent executions to list (default 20). */
  readonly limit?: number;
  /** Evaluate the alarms as of this instant instead of the lake's last activity. */
  readonly asOf?: Date;
}

/** One execution as the store holds it. */
export interface Loaded {
  record: ExecutionRecord;
  events: StoredEvent[];
  tasks: TaskRecord[];
  metrics: Record<string, unknown>[];
}

const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN);

/** The events of the execution's last attempt: a redrive continues the history after ExecutionRedriven. */
function lastAttempt(events: readonly StoredEvent[]): StoredEvent[] {
  const i = events.map((e) => e.type).lastIndexOf('ExecutionRedriven');
  return i < 0 ? [...events] : events.slice(i + 1);
}

type Ending = { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; error: string | null; at: number };

const ENDINGS: Record<string, Ending['status']> = {
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/**
 * Every unsuccessful end of the execution's attempts, when it happened: on AWS each one is a status-change
 * event, counted by Step Functions' metrics and the failure recorder at that time, and a later successful
 * redrive does not take it back. A record that ended unsuccessfully without an event for it in its last
 * attempt (a process killed mid-run, recorded ABORTED afterwards) adds its own ending.
 */
function endings(l: Loaded): Ending[] {
  const out: Ending[] = [];
  for (const e of l.events) {
    const status = ENDINGS[e.type];
    if (status)
      out.push({ status, error: status === 'TIMED_OUT' ? 'States.Timeout' : text(e.error), at: e.timestamp });
  }
  const { record } = l;
  if (record.status === 'FAILED' || record.status === 'TIMED_OUT' || record.status === 'ABORTED') {
    const last = lastAttempt(l.events);
    if (!last.some((e) => ENDINGS[e.type] === record.status))
      out.push({ status: record.status, error: record.error, at: time(record.stopDate) });
  }
  return out;
}

const text = (v: unknown) => (typeof v === 'string' ? v : null);

function classify(record: Pick<ExecutionRecord, 'status' | 'error'>): Classification {
  if (record.status === 'SUCCEEDED') return 'succeeded';
  if (record.status === 'RUNNING') return 'running';
  return isDataOutcome(record) ? 'data' : 'system';
}

function metricValue(line: Record<string, unknown>, name: string): number {
  const v = line[name];
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.reduce((a: number, x) => a + (typeof x === 'number' ? x : 0), 0);
  return 0;
}

const emfTime = (line: Record<string, unknown>) =>
  Number((line._aws as { Timestamp?: unknown } | undefined)?.Timestamp ?? Number.NaN);

function health(
  l: Loaded,
  lake: string | undefined,
  superseded: boolean,
  datasets: readonly Dataset[],
): ExecutionHealth {
  const { record } = l;
  const dims = l.metrics.find((m) => typeof m.dataset === 'string');
  const classification = classify(record);
  const failed =
    classification === 'data' || classification === 'system'
      ? ([...stateRuns(lastAttempt(l.events))].reverse().find((s) => s.status === 'FAILED')?.name ?? null)
      : null;
  const stop = time(record.stopDate);
  return {
    name: record.name,
    objectKey: record.objectKey,
    dataset: dims && dims.dataset !== 'unknown' ? String(dims.dataset) : null,
    region: typeof dims?.region === 'string' ? dims.region : null,
    status: record.status,
    classification,
    error: record.error,
    cause: record.cause,
    failedState: failed,
    startDate: record.startDate,
    stopDate: record.stopDate,
    durationMs: Number.isNaN(stop) ? null : stop - time(record.startDate),
    redriveCount: record.redriveCount ?? 0,
    superseded,
    replay: replayAdviceFor(record, lake, datasets),
  };
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function atPath(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** The local value of an alarm's measure over [from, to]; null when there is nothing to measure. */
function measure(check: LocalCheck, loaded: readonly Loaded[], from: number, to: number): number | null {
  const inWindow = (t: number) => t >= from && t <= to;
  const tasksAt = (states: readonly string[]) =>
    loaded.flatMap((l) =>
      l.tasks.filter(
        (t) =>
          states.some((s) => t.statePath === s || t.statePath.endsWith(`/${s}`)) &&
          inWindow(time(t.startedAt) + t.durationMs),
      ),
    );
  const emf = (metric: string, dataset?: string) =>
    loaded
      .flatMap((l) => l.metrics)
      .filter((m) => metric in m && inWindow(emfTime(m)) && (dataset === undefined || m.dataset === dataset))
      .reduce((sum, m) => sum + metricValue(m, metric), 0);
  switch (check.type) {
    case 'taskErrors':
      return tasksAt(check.states).filter(
        (t) =>
          t.error &&
          (!check.errors || check.errors.includes(t.error.name)) &&
          !(check.except ?? []).includes(t.error.name),
      ).length;
    case 'taskDurationMax': {
      const d = tasksAt(check.states).map((t) => t.durationMs);
      return d.length ? Math.max(...d) : null;
    }
    case 'taskResultMax': {
      const v = tasksAt(check.states)
        .map((t) => Number(atPath(t.result, check.path)))
        .filter((n) => Number.isFinite(n));
      return v.length ? Math.max(...v) : null;
    }
    case 'executions':
      return loaded
        .flatMap(endings)
        .filter(
          (end) =>
            check.statuses.includes(end.status) &&
            inWindow(end.at) &&
            (!check.classification || classify(end) === check.classification),
        ).length;
    case 'executionDurationP99':
      return percentile(
        loaded
          .filter(({ record }) => record.status !== 'RUNNING' && inWindow(time(record.stopDate)))
          .map(({ record }) => time(record.stopDate) - time(record.startDate)),
        99,
      );
    case 'emfSum':
      return emf(check.metric, check.dataset);
    case 'emfPercent': {
      const d = emf(check.denominator, check.dataset);
      return d > 0 ? (100 * emf(check.numerator, check.dataset)) / d : 0;
    }
    case 'hoursSinceSuccess': {
      const last = loaded
        .flatMap((l) => l.metrics)
        .filter(
          (m) => m.dataset === check.dataset && metricValue(m, METRIC.runsSucceeded) > 0 && emfTime(m) <= to,
        )
        .reduce((t, m) => Math.max(t, emfTime(m)), Number.NEGATIVE_INFINITY);
      return Number.isFinite(last) ? (to - last) / 3_600_000 : null;
    }
    case 'none':
      return null;
  }
}

const round = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** Evaluates one metric alarm as CloudWatch would over the alarm's whole window (one aggregate). */
export function evaluateAlarm(alarm: MetricAlarmSpec, loaded: readonly Loaded[], asOf: number): AlarmState {
  const windowMs = alarm.periodSeconds * alarm.evaluationPeriods * 1000;
  const base = { id: alarm.id, title: alarm.title, severity: alarm.severity, runbook: alarm.runbook };
  if (alarm.local.type === 'none')
    return {
      ...base,
      state: 'NOT_EVALUATED',
      value: null,
      detail: `not evaluated locally: ${alarm.local.why}`,
    };
  const value = measure(alarm.local, loaded, asOf - windowMs, asOf);
  if (alarm.local.type === 'hoursSinceSuccess') {
    const hours = windowMs / 3_600_000;
    const firing = value === null || value >= hours;
    return {
      ...base,
      state: firing ? 'ALARM' : 'OK',
      value,
      detail:
        value === null
          ? `${alarm.condition}: no successful run at all`
          : `${alarm.condition}: the last one ended ${round(value)} hours before`,
    };
  }
  if (value === null)
    return { ...base, state: 'OK', value, detail: `${alarm.condition}: no data in the window` };
  const firing =
    alarm.comparison === 'GreaterThanOrEqualToThreshold'
      ? value >= alarm.threshold
      : alarm.comparison === 'GreaterThanThreshold'
        ? value > alarm.threshold
        : value < alarm.threshold;
  return {
    ...base,
    state: firing ? 'ALARM' : 'OK',
    value,
    detail: `${alarm.condition}: found ${round(value)}`,
  };
}

export function evaluateAlarms(
  alarms: readonly AlarmSpec[],
  loaded: readonly Loaded[],
  asOf: number,
): AlarmState[] {
  const states = new Map<string, AlarmState>();
  for (const a of alarms) if (a.type === 'metric') states.set(a.id, evaluateAlarm(a, loaded, asOf));
  for (const a of alarms) {
    if (a.type !== 'composite') continue;
    const firing = a.anyOf.filter((id) => states.get(id)?.state === 'ALARM');
    states.set(a.id, {
      id: a.id,
      title: a.title,
      severity: a.severity,
      runbook: a.runbook,
      state: firing.length ? 'ALARM' : 'OK',
      value: firing.length,
      detail: firing.length
        ? `in ALARM: ${firing.join(', ')}`
        : `none of its ${a.anyOf.length} alarms is in ALARM`,
    });
  }
  return alarms.map((a) => states.get(a.id) as AlarmState);
}

function dataQuality(loaded: readonly Loaded[], datasets: readonly string[]): DatasetQuality[] {
  const lines = loaded.flatMap((l) => l.metrics);
  return datasets.map((dataset) => {
    const mine = lines.filter((m) => m.dataset === dataset);
    const sum = (metric: string) => mine.reduce((s, m) => s + metricValue(m, metric), 0);
    return {
      dataset,
      batchesPassed: sum(METRIC.batchesPassed),
      batchesFailed: sum(METRIC.batchesFailedDq),
      rules: Object.fromEntries(
        BATCH_DQ_RULES.map((r) => [
          r.name,
          { passed: sum(dqRuleMetric(r.name, true)), failed: sum(dqRuleMetric(r.name, false)) },
        ]),
      ),
      rows: {
        read: sum(METRIC.rowsRead),
        cleansed: sum(METRIC.rowsCleansed),
        quarantined: sum(METRIC.rowsQuarantined),
        duplicates: sum(METRIC.rowsDuplicate),
      },
      objectsRejected: sum(METRIC.objectsRejected),
    };
  });
}

/** Reads the lake's execution store and builds the health report. */
export async function lakeHealth(options: HealthOptions = {}): Promise<HealthReport> {
  const workflow = options.workflow ?? YOUTUBE_TRENDING;
  const paths = lakePaths(options.lake);
  // Status only reads: it must work on a read-only lake, and it reports damage instead of printing it.
  const store = new ExecutionStore(paths.executionsDir, { readOnly: true, onDamage: () => undefined });
  const records = (await store.list()).filter((r) => r.stateMachine === workflow.name);
  const loaded: Loaded[] = await Promise.all(
    records.map(async (record) => ({
      record,
      events: await store.events(record.name),
      tasks: await store.tasks(record.name),
      metrics: await store.metrics(record.name),
    })),
  );
  const latestByObject = new Map<string, string>();
  for (const { record } of loaded) latestByObject.set(record.objectKey, record.name); // sorted by start
  const all = loaded.map((l) =>
    health(l, options.lake, latestByObject.get(l.record.objectKey) !== l.record.name, workflow.datasets),
  );

  const lastActivity = loaded.reduce(
    (t, { record }) => Math.max(t, time(record.stopDate) || 0, time(record.startDate) || 0),
    0,
  );
  const asOf = options.asOf?.getTime() ?? (lastActivity || Date.now());

  const groups = new Map<string, FailureGroup>();
  for (const e of [...all].reverse()) {
    if (e.classification !== 'data' && e.classification !== 'system') continue;
    const key = JSON.stringify([e.failedState, e.error, e.classification]);
    const g = groups.get(key) ?? {
      failedState: e.failedState,
      error: e.error,
      classification: e.classification,
      count: 0,
      executions: [],
    };
    g.count++;
    g.executions.push(e.name);
    groups.set(key, g);
  }
  const alarms = alarmsFor(workflow);
  const datasets = monitoredDatasets(workflow);
  const outcome = (e: ExecutionHealth) =>
    e.classification === 'data'
      ? e.error === 'ObjectRejected'
        ? 'rejected'
        : 'dq_failed'
      : e.classification;
  const by = (o: string) =>
    all.filter((e) => outcome(e) === o || (o === 'failed' && e.classification === 'system')).length;
  return {
    lake: paths.root,
    asOf: new Date(asOf).toISOString(),
    totals: {
      executions: all.length,
      succeeded: by('succeeded'),
      rejected: by('rejected'),
      dq_failed: by('dq_failed'),
      failed: by('failed'),
      running: by('running'),
    },
    executions: [...all].reverse().slice(0, options.limit ?? 20),
    failures: [...groups.values()].sort((a, b) => b.count - a.count),
    dataQuality: dataQuality(loaded, datasets),
    alarms: evaluateAlarms(alarms, loaded, asOf),
    unresolved: [...all]
      .reverse()
      .filter((e) => (e.classification === 'data' || e.classification === 'system') && !e.superseded),
    damaged: store.damage.map(describeDamage),
  };
}
