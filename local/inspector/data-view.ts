/**
 * The data a run produced, for the inspector's data panel: rows read / cleansed / quarantined /
 * duplicate, the batch DQ rules with their outcomes and details, rows quarantined per row rule, and every
 * EMF metric the run's tasks emitted. Read from the Check data quality task's result, the DQ report it
 * wrote beside the staged batch, and the run's metrics.
 */
import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { TaskRecord } from '../execution-store';

export interface RowCounts {
  read: number;
  cleansed: number;
  quarantined: number;
  duplicates: number;
}

export interface RuleOutcomeView {
  rule: string;
  severity: string | null;
  passed: boolean;
  detail: string | null;
}

export interface MetricView {
  name: string;
  unit: string | null;
  value: number | number[];
  service: string | null;
  dimensions: Record<string, string>;
  timestamp: number | null;
}

export interface RunDataView {
  /** The state whose result held the row counts (the DQ check), or null when the run never got there. */
  qualityState: string | null;
  rows: RowCounts | null;
  passed: boolean | null;
  reason: string | null;
  cause: string | null;
  rules: RuleOutcomeView[];
  quarantinedByRule: Record<string, number> | null;
  metrics: MetricView[];
  problems: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function rowCounts(v: unknown): RowCounts | null {
  if (!isRecord(v)) return null;
  const { read, cleansed, quarantined, duplicates } = v;
  if ([read, cleansed, quarantined].some((n) => typeof n !== 'number')) return null;
  return {
    read: read as number,
    cleansed: cleansed as number,
    quarantined: quarantined as number,
    duplicates: typeof duplicates === 'number' ? duplicates : 0,
  };
}

/** EMF documents → one entry per metric, with the dimensions declared for it. */
export function metricsFromEmf(lines: readonly Record<string, unknown>[]): MetricView[] {
  const out: MetricView[] = [];
  for (const line of lines) {
    const aws = line._aws;
    if (!isRecord(aws) || !Array.isArray(aws.CloudWatchMetrics)) continue;
    for (const directive of aws.CloudWatchMetrics as unknown[]) {
      if (!isRecord(directive) || !Array.isArray(directive.Metrics)) continue;
      const dimNames = new Set(
        Array.isArray(directive.Dimensions) ? (directive.Dimensions as unknown[]).flat().map(String) : [],
      );
      const dimensions: Record<string, string> = {};
      for (const d of dimNames) if (line[d] !== undefined) dimensions[d] = String(line[d]);
      for (const m of directive.Metrics as unknown[]) {
        if (!isRecord(m) || typeof m.Name !== 'string') continue;
        const value = line[m.Name];
        if (typeof value !== 'number' && !Array.isArray(value)) continue;
        out.push({
          name: m.Name,
          unit: typeof m.Unit === 'string' ? m.Unit : null,
          value: value as number | number[],
          service: typeof line.service === 'string' ? line.service : null,
          dimensions,
          timestamp: typeof aws.Timestamp === 'number' ? aws.Timestamp : null,
        });
      }
    }
  }
  return out;
}

/** The DQ verdict a task's result carries (row counts and pass/fail), or null. */
export function qualityPayload(task: TaskRecord): Record<string, unknown> | null {
  const result = task.result;
  const payload = isRecord(result) && isRecord(result.Payload) ? result.Payload : null;
  return payload && typeof payload.passed === 'boolean' && rowCounts(payload.rows) ? payload : null;
}

/** The DQ task: the latest task whose result payload carries row counts and a pass/fail verdict. */
function qualityTask(
  tasks: readonly TaskRecord[],
): { task: TaskRecord; payload: Record<string, unknown> } | null {
  for (let i = tasks.length - 1; i >= 0; i--) {
    const task = tasks[i] as TaskRecord;
    const payload = qualityPayload(task);
    if (payload) return { task, payload };
  }
  return null;
}

/** Where the DQ check wrote its report, inside the lake (null when the task input does not say). */
export function dqReportPath(lakeRoot: string, taskInput: unknown): string | null {
  const payload = isRecord(taskInput) && isRecord(taskInput.Payload) ? taskInput.Payload : taskInput;
  const batch = isRecord(payload) ? payload.batch : null;
  const staging = isRecord(batch) ? batch.staging : null;
  if (!isRecord(staging) || typeof staging.bucket !== 'string' || typeof staging.prefix !== 'string')
    return null;
  const root = resolve(lakeRoot);
  const path = resolve(root, staging.bucket, `${staging.prefix}dq-report.json`);
  return path.startsWith(root + sep) ? path : null;
}

export async function deriveDataView(
  lakeRoot: string,
  tasks: readonly TaskRecord[],
  metricLines: readonly Record<string, unknown>[],
): Promise<RunDataView> {
  const metrics = metricsFromEmf(metricLines);
  const problems: string[] = [];
  const found = qualityTask(tasks);
  const view: RunDataView = {
    qualityState: found?.task.statePath ?? null,
    rows: found ? rowCounts(found.payload.rows) : null,
    passed: found ? (found.payload.passed as boolean) : null,
    reason: typeof found?.payload.reason === 'string' ? found.payload.reason : null,
    cause: typeof found?.payload.cause === 'string' ? found.payload.cause : null,
    rules: [],
    quarantinedByRule: null,
    metrics,
    problems,
  };
  const reportPath = found ? dqReportPath(lakeRoot, found.task.input) : null;
  if (reportPath) {
    try {
      const report = JSON.parse(await readFile(reportPath, 'utf8')) as unknown;
      if (isRecord(report)) {
        if (Array.isArray(report.outcomes))
          view.rules = (report.outcomes as unknown[]).filter(isRecord).map((o) => ({
            rule: String(o.rule),
            severity: typeof o.severity === 'string' ? o.severity : null,
            passed: o.passed === true,
            detail: typeof o.detail === 'string' ? o.detail : null,
          }));
        if (isRecord(report.rules))
          view.quarantinedByRule = Object.fromEntries(
            Object.entries(report.rules).filter((kv): kv is [string, number] => typeof kv[1] === 'number'),
          );
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        problems.push(`The DQ report ${reportPath} is unreadable (${(e as Error).message})`);
    }
  }
  if (view.rules.length === 0) view.rules = rulesFromMetrics(metrics);
  if (!view.rows) view.rows = rowsFromMetrics(metrics);
  return view;
}

/** Without the report (cleaned up or never written), the DQ_<rule>_<passed|failed> metrics still tell. */
function rulesFromMetrics(metrics: readonly MetricView[]): RuleOutcomeView[] {
  const out: RuleOutcomeView[] = [];
  for (const m of metrics) {
    const match = /^DQ_(.+)_(passed|failed)$/.exec(m.name);
    if (match)
      out.push({ rule: match[1] as string, severity: null, passed: match[2] === 'passed', detail: null });
  }
  return out;
}

function rowsFromMetrics(metrics: readonly MetricView[]): RowCounts | null {
  const get = (name: string) => {
    const v = metrics.find((m) => m.name === name)?.value;
    return typeof v === 'number' ? v : null;
  };
  const read = get('RowsRead');
  if (read === null) return null;
  return {
    read,
    cleansed: get('RowsCleansed') ?? 0,
    quarantined: get('RowsQuarantined') ?? 0,
    duplicates: get('RowsDuplicate') ?? 0,
  };
}
