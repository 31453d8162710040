/**
 * The analytics API's alarms, as data like every step's: 5xx answers, p99 latency and throttled
 * requests. alarms.ts adds them to the workflow's list, so CloudWatch alarms, dashboard rows and
 * runbooks are generated for them by the same code. Pure: no I/O, no aws-cdk-lib.
 */
import type { MetricAlarmSpec } from './alarms';
import type { AlarmThreshold } from './types';

/** The REST API's name (the ApiName dimension of AWS/ApiGateway metrics). */
export const analyticsApiName = (prefix: string) => `${prefix}-analytics`;
/** Counted from the API's access logs (a metric filter on status 429) in the stage's namespace. */
export const API_THROTTLED_METRIC = 'ApiThrottled';

export type ApiAlarmKind = 'api5xx' | 'apiLatencyP99' | 'apiThrottles';

export const API_ALARM_DEFAULTS: Readonly<Record<ApiAlarmKind, AlarmThreshold>> = {
  /** Answers with a 5xx status (count): the Lambda or Athena failed; bad input is a 4xx, never a 5xx. */
  api5xx: { threshold: 1, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
  /** p99 of API Gateway's latency (milliseconds): Athena queries queue or scan too much. */
  apiLatencyP99: { threshold: 5000, periodMinutes: 5, evaluationPeriods: 3, severity: 'notice' },
  /** Requests refused with 429 by the usage plan's throttle or quota (count). */
  apiThrottles: { threshold: 10, periodMinutes: 5, evaluationPeriods: 1, severity: 'notice' },
};

/** What the runbook says per kind (the page structure is monitoring-runbooks.ts'). */
export const API_RUNBOOK: Readonly<
  Record<ApiAlarmKind, { meaning: string; checks: string[]; diagnose: string[]; fix: string[] }>
> = {
  api5xx: {
    meaning:
      'The analytics API answered 5xx: the Lambda threw (Athena failed a query, S3 or Secrets Manager refused) or timed out. Bad parameters are 400s and never count here.',
    checks: [
      "Read the API Lambda's errors (below): an Athena `FAILED` reason names the cause (a missing table after a fresh deploy, the workgroup's scan cutoff).",
      'Is `materialize-category-daily` (Athena) also failing? Then the table itself is in trouble: follow that runbook first.',
    ],
    diagnose: [
      'npx lakestep status   # locally: are the materializations behind the API succeeding?',
      'LOG_GROUP=$(aws lambda get-function-configuration --function-name $PREFIX-api --query LoggingConfig.LogGroup --output text)',
      'aws logs filter-log-events --log-group-name "$LOG_GROUP" --start-time $(( ($(date +%s) - 3600) * 1000 )) --filter-pattern \'{ $.level = "ERROR" }\'',
      'aws athena list-query-executions --work-group $PREFIX-workgroup --max-results 20',
    ],
    fix: [
      '# a deploy mismatch: redeploy (npx cdk deploy); an Athena limit: see docs/api.md "Cost and limits"',
    ],
  },
  apiLatencyP99: {
    meaning:
      "The slowest 1% of API requests take longer than the threshold: Athena queues the queries (the workgroup's concurrency), or a query scans far more than one region's rows.",
    checks: [
      'Is a backfill running? Its materializations share the workgroup with the API.',
      'Are callers paging with a cursor, or asking for the whole table at once (limit=1000 over years)?',
    ],
    diagnose: [
      'npx lakestep status   # a backfill running? its materializations share the workgroup',
      'aws athena list-query-executions --work-group $PREFIX-workgroup --max-results 20',
      'aws athena get-query-execution --query-execution-id <id> --query "QueryExecution.Statistics"',
    ],
    fix: ['# identical requests reuse results for 60 minutes: point dashboards at the same ranges'],
  },
  apiThrottles: {
    meaning:
      "Requests were refused with 429 by the usage plan: a client exceeds its key's rate, burst or daily quota (cdk.json `apiThrottleRateLimit`, `apiThrottleBurstLimit`, `apiQuotaPerDay`).",
    checks: [
      'Which key? `aws apigateway get-usage --usage-plan-id <id> --start-date <day> --end-date <day>` lists use per key.',
      'A dashboard refreshing too often, or a client retrying without back-off?',
    ],
    diagnose: [
      'npx lakestep status   # the pipeline itself is unaffected: throttling only refuses API callers',
      'aws apigateway get-usage-plans --query "items[?name==\'$PREFIX-analytics\']"',
    ],
    fix: [
      "# raise the stage's limits in cdk.json (lakestep:stages) and `npx cdk deploy`, or slow the client down",
    ],
  },
};

const windowText = (t: AlarmThreshold) =>
  t.evaluationPeriods === 1
    ? `in ${t.periodMinutes} minutes`
    : `in each of ${t.evaluationPeriods} periods of ${t.periodMinutes} minutes`;

/** The API's alarm specs (alarms.ts passes its runbook path so the two never disagree). */
export function apiAlarms(runbookPath: (id: string) => string): MetricAlarmSpec[] {
  const ApiName = { ref: 'restApi' } as const;
  const spec = (
    id: string,
    kind: ApiAlarmKind,
    title: string,
    summary: string,
    metric: MetricAlarmSpec['metric'],
    condition: (t: AlarmThreshold) => string,
    comparison: MetricAlarmSpec['comparison'] = 'GreaterThanOrEqualToThreshold',
  ): MetricAlarmSpec => {
    const t = API_ALARM_DEFAULTS[kind];
    return {
      type: 'metric',
      id,
      kind,
      title,
      summary,
      severity: t.severity,
      runbook: runbookPath(id),
      scope: { type: 'api' },
      metric,
      comparison,
      threshold: t.threshold,
      condition: condition(t),
      periodSeconds: t.periodMinutes * 60,
      evaluationPeriods: t.evaluationPeriods,
      datapointsToAlarm: t.evaluationPeriods,
      treatMissingData: 'notBreaching',
      local: { type: 'none', why: 'locally `lakestep serve` has no API Gateway in front of it' },
    };
  };
  return [
    spec(
      'api-5xx',
      'api5xx',
      'Analytics API: 5xx answers',
      'The analytics API answered with server errors: its Lambda or Athena failed; callers got {"error": {"code": "internal"}}.',
      { namespace: 'AWS/ApiGateway', name: '5XXError', dimensions: { ApiName }, statistic: 'Sum' },
      (t) => `≥ ${t.threshold} 5xx answer${t.threshold === 1 ? '' : 's'} ${windowText(t)}`,
    ),
    spec(
      'api-latency-p99',
      'apiLatencyP99',
      'Analytics API: slow (p99 latency)',
      'The 99th percentile of the analytics API latency is high: Athena queues or scans too much.',
      { namespace: 'AWS/ApiGateway', name: 'Latency', dimensions: { ApiName }, statistic: 'p99' },
      (t) => `p99 latency > ${t.threshold} ms ${windowText(t)}`,
      'GreaterThanThreshold',
    ),
    spec(
      'api-throttles',
      'apiThrottles',
      'Analytics API: requests throttled',
      "Requests were refused with 429 by the usage plan's throttle or quota.",
      { namespace: 'pipeline', name: API_THROTTLED_METRIC, dimensions: {}, statistic: 'Sum' },
      (t) => `≥ ${t.threshold} throttled requests ${windowText(t)}`,
    ),
  ];
}
