/**
 * The run report of one execution, as `lakestep run`, `status` and the inspector show it: its outcome,
 * the reason of a data outcome, the rows, and the path of states it took across its redrives.
 */
import type { ExecutionRecord, ExecutionStatus, StoredEvent, TaskRecord } from './execution-store';

export type Outcome = 'succeeded' | 'rejected' | 'dq_failed' | 'failed';

export interface StateRun {
  name: string;
  status: 'SUCCEEDED' | 'FAILED' | 'CAUGHT' | 'RUNNING';
  attempts: number;
  startedAt: string;
  durationMs: number | null;
  /** Set (1, 2, …) when the state ran in a redrive of the execution; absent in the first attempt. */
  redrive?: number;
}

export interface ExecutionSummary {
  name: string;
  objectKey: string;
  /** The dataset the ingest routed the object to (null when it never got that far). */
  dataset: string | null;
  region: string | null;
  status: Exclude<ExecutionStatus, 'RUNNING'>;
  outcome: Outcome;
  error: string | null;
  cause: string | null;
  reason: string | null;
  states: StateRun[];
  rows: { read: number; cleansed: number; quarantined: number; duplicates: number } | null;
  /**
   * The analytics checks that found violations and only warn (a failing one ends the execution
   * dq_failed with its cause): each with its count, e.g. jaffle-shop's orphan orders. Empty when none.
   */
  warnings: { materialization: string; check: string; violations: number }[];
  /** True when this object version had already been processed (a duplicate event) and was not run again. */
  duplicateEvent?: boolean;
}

/** The state names whose results the summary reads: the workflow's ingest and data quality steps. */
export interface SummaryStates {
  readonly ingest: string;
  readonly dataQuality: string;
  /** The Check analytics step's state, when the workflow has one. */
  readonly checkAnalytics?: string;
}

/** The summary of an execution from its record, events and task results. */
export function summarizeExecution(
  record: ExecutionRecord,
  events: readonly StoredEvent[],
  tasks: readonly TaskRecord[],
  states: SummaryStates,
): ExecutionSummary {
  const lastResult = (state: string) => {
    const t = tasks.filter((x) => x.statePath === state && x.result !== undefined).at(-1);
    return (t?.result as { Payload?: Record<string, unknown> } | undefined)?.Payload ?? null;
  };
  const ingest = lastResult(states.ingest);
  const quality = lastResult(states.dataQuality);
  const status = record.status === 'RUNNING' ? 'FAILED' : record.status;
  const outcome: Outcome =
    status === 'SUCCEEDED'
      ? 'succeeded'
      : record.error === 'ObjectRejected'
        ? 'rejected'
        : record.error === 'DataQualityFailed'
          ? 'dq_failed'
          : 'failed';
  const reason =
    outcome === 'rejected'
      ? ((ingest?.reason as string) ?? null)
      : outcome === 'dq_failed'
        ? ((quality?.reason as string) ?? null)
        : null;
  return {
    name: record.name,
    objectKey: record.objectKey,
    dataset: (ingest?.dataset as string | undefined) ?? null,
    region: (ingest?.region as string | undefined) ?? null,
    status,
    outcome,
    error: record.error,
    cause: record.cause,
    reason,
    states: stateRuns(events),
    rows: (quality?.rows as ExecutionSummary['rows']) ?? null,
    warnings: warningsOf(states.checkAnalytics ? lastResult(states.checkAnalytics) : null),
  };
}

/** The warn checks with violations in a Check analytics result (handlers/core/check-analytics.ts). */
function warningsOf(result: Record<string, unknown> | null): ExecutionSummary['warnings'] {
  const checks = Array.isArray(result?.checks) ? (result.checks as Record<string, unknown>[]) : [];
  return checks
    .filter((c) => c.severity === 'warn' && typeof c.violations === 'number' && c.violations > 0)
    .map((c) => ({
      materialization: String(c.materialization),
      check: String(c.name),
      violations: c.violations as number,
    }));
}

/**
 * The path of states an execution took, with attempts and durations (a loop's states appear per entry).
 * Across redrives it is the combined picture: the states an earlier attempt finished appear once, from
 * that attempt; the state it did not finish appears as it ended then, followed by its redriven run(s).
 */
export function stateRuns(events: readonly StoredEvent[]): StateRun[] {
  const runs: StateRun[] = [];
  const open = new Map<string, { run: StateRun; t0: number }>();
  for (const e of events) {
    if (e.type === 'ExecutionRedriven') open.clear();
    const name = e.stateName as string | undefined;
    if (!name) continue;
    if (e.type === 'StateEntered') {
      const run: StateRun = {
        name,
        status: 'RUNNING',
        attempts: 1,
        startedAt: new Date(e.timestamp).toISOString(),
        durationMs: null,
        ...(typeof e.redrive === 'number' && e.redrive > 0 ? { redrive: e.redrive } : {}),
      };
      runs.push(run);
      open.set(name, { run, t0: e.timestamp });
      continue;
    }
    const cur = open.get(name);
    if (!cur) continue;
    cur.run.durationMs = e.timestamp - cur.t0;
    // A StateFailed followed by StateRetried is an attempt, not the end of the state.
    if (e.type === 'StateRetried') {
      cur.run.attempts++;
      cur.run.status = 'RUNNING';
    } else if (e.type === 'StateFailed') cur.run.status = 'FAILED';
    else if (e.type === 'StateCaught') {
      cur.run.status = 'CAUGHT';
      open.delete(name);
    } else if (e.type === 'StateExited') {
      cur.run.status = 'SUCCEEDED';
      open.delete(name);
    }
  }
  for (const r of runs) if (r.status === 'RUNNING' && r.durationMs === null) r.status = 'FAILED';
  return runs;
}
