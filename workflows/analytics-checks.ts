/**
 * The "Check analytics" step (decision 0032): after the execution's MERGE, one Lambda evaluates every
 * check its workflow's materializations declare. The checks travel in the task's payload (their SQL
 * with the `${analytics}` / `${cleansed}` placeholders the deployment substitutes, as the MERGE's
 * are), so the function needs no copy of the workflow. A workflow without checks gets no such step.
 */
import { LAKE_TRANSIENT_RETRY, LAMBDA_SERVICE_RETRY } from './retry-policies';
import type { AlarmThreshold, LambdaFunctionSpec, LambdaStep, Materialization, RetryPolicy } from './types';

/** The error the query port raises when Athena queues or throttles the check's query: retried here. */
export const ANALYTICS_UNAVAILABLE = 'Analytics.Unavailable';

const ANALYTICS_QUERY_RETRY: RetryPolicy = {
  errors: [ANALYTICS_UNAVAILABLE],
  intervalSeconds: 10,
  maxAttempts: 6,
  backoffRate: 2,
  maxDelaySeconds: 120,
  jitter: 'FULL',
  why: "Athena's query-queue limits (TooManyRequests) and service errors while a check's query starts or runs",
};

/** The step's id, and where its report lands in the state's data. */
export const CHECK_ANALYTICS_STEP_ID = 'checkAnalytics';
export const CHECK_ANALYTICS_RESULT_PATH = '$.analyticsChecks';

/** Every check query runs in Athena one after another: a few seconds each, minutes for a large table. */
export const CHECK_ANALYTICS_FUNCTION: LambdaFunctionSpec = {
  id: 'CheckAnalytics',
  handlerFile: 'check-analytics.ts',
  memoryMb: 256,
  timeoutSeconds: 600,
  description: "Evaluates the materializations' data-quality checks on the analytics tables after the MERGE",
};

/** The metrics the step emits per check (dimensions `materialization`, `check`). */
export const ANALYTICS_CHECK_METRIC = {
  warnings: 'AnalyticsCheckWarnings',
  failures: 'AnalyticsCheckFailures',
} as const;

/** The alarms of the checks (workflows/alarms.ts): both notify, neither pages (as a failed batch's). */
export type AnalyticsCheckAlarmKind = 'analyticsCheckWarnings' | 'analyticsCheckFailures';
export const ANALYTICS_CHECK_ALARM_DEFAULTS: Readonly<Record<AnalyticsCheckAlarmKind, AlarmThreshold>> = {
  /** Rows found by warn checks (count): read in working hours; the data may still be on its way. */
  analyticsCheckWarnings: { threshold: 1, periodMinutes: 60, evaluationPeriods: 1, severity: 'notice' },
  /** Rows found by fail checks (count): each failed an execution with DataQualityFailed. */
  analyticsCheckFailures: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
};

/** One check as the task's payload carries it. */
export interface CheckPayload {
  readonly materialization: string;
  readonly table: string;
  readonly key: string[];
  readonly name: string;
  readonly description: string;
  readonly severity: 'fail' | 'warn';
  readonly sql: string;
}

/** The checks of the materializations, in declaration order, as the step's payload lists them. */
export function checksOf(materializations: readonly Materialization[]): CheckPayload[] {
  return materializations.flatMap((m) =>
    (m.checks ?? []).map((c) => ({
      materialization: m.name,
      table: m.table,
      key: [...m.key],
      name: c.name,
      description: c.description,
      severity: c.severity,
      sql: c.sql,
    })),
  );
}

/**
 * The steps a workflow's materializations add after "Finish region merge", and the `next` that step
 * takes: none and `next` itself when no materialization declares a check.
 */
export function analyticsCheckSteps(
  materializations: readonly Materialization[],
  next: string,
): { readonly steps: readonly LambdaStep[]; readonly next: string } {
  const checks = checksOf(materializations);
  if (checks.length === 0) return { steps: [], next };
  const step: LambdaStep = {
    id: CHECK_ANALYTICS_STEP_ID,
    kind: 'lambda',
    stateName: 'Check analytics',
    comment:
      "Evaluate the materializations' checks on the tables the MERGE wrote: warn is reported, fail ends the execution with DataQualityFailed (the table stays what the data says).",
    function: CHECK_ANALYTICS_FUNCTION,
    payload: {
      'objectKey.$': '$.ingest.objectKey',
      'region.$': '$.ingest.region',
      checks,
    },
    resultFields: ['passed', 'warnings', 'checks'],
    resultPath: CHECK_ANALYTICS_RESULT_PATH,
    timeoutSeconds: CHECK_ANALYTICS_FUNCTION.timeoutSeconds + 30,
    // DataQualityFailed is the data's outcome, not a fault: no retry matches it.
    retry: [LAMBDA_SERVICE_RETRY, LAKE_TRANSIENT_RETRY, ANALYTICS_QUERY_RETRY],
    alarms: { lambdaErrors: { threshold: 1 } },
    next,
  };
  return { steps: [step], next: step.id };
}

/** A table a check reads: `database` is the placeholder (`cleansed`, `analytics`), also its lake stage. */
export interface CheckedTable {
  readonly database: 'cleansed' | 'analytics';
  readonly table: string;
}

/** Every `${database}.table` the checks of the materializations read (what the function's grants cover). */
export function tablesCheckedBy(materializations: readonly Materialization[]): CheckedTable[] {
  const found = new Map<string, CheckedTable>();
  for (const check of checksOf(materializations))
    for (const [, database, table] of check.sql.matchAll(
      /\$\{(cleansed|analytics)\}\.([A-Za-z_][A-Za-z0-9_]*)/g,
    ))
      found.set(`${database}.${table}`, {
        database: database as CheckedTable['database'],
        table: table as string,
      });
  return [...found.values()].sort((a, b) =>
    `${a.database}.${a.table}`.localeCompare(`${b.database}.${b.table}`),
  );
}
