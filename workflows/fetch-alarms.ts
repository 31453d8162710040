/**
 * Pure derivation: a REST source → the alarms that watch its fetch (failed, quota exhausted, schedule
 * undelivered, and one staleness alarm per scheduled region sharing one runbook). Notices only: the
 * dataset's own freshness alarm pages when analytics actually go stale.
 */
import { METRICS_SERVICE, type MetricAlarmSpec, runbookPath } from './alarms';
import type { RestSource } from './sources';
import type { Workflow } from './types';

/** Metric names the fetch Lambda emits (EMF, dimension `source`; FilesFetched also by `region`). */
export const FETCH_METRIC = {
  apiCalls: 'FetchApiCalls',
  videosFetched: 'VideosFetched',
  videosSkipped: 'VideosSkipped',
  filesFetched: 'FilesFetched',
  fetchesFailed: 'FetchesFailed',
  quotaExhausted: 'FetchQuotaExhausted',
} as const;

export type SourceAlarmKind = 'fetchFailed' | 'fetchQuotaExhausted' | 'fetchUndelivered' | 'fetchStale';

const NO_LOCAL = {
  type: 'none',
  why: '`lakestep fetch` runs in the foreground and prints each failure itself',
} as const;

const base = (source: RestSource) => ({
  severity: 'notice' as const,
  comparison: 'GreaterThanOrEqualToThreshold' as const,
  threshold: 1,
  periodSeconds: 300,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  treatMissingData: 'notBreaching' as const,
  scope: { type: 'source' as const, sourceId: source.id, region: null },
  local: NO_LOCAL,
});

const metric = (name: string, dimensions: Record<string, string>) => ({
  namespace: 'pipeline' as const,
  name,
  dimensions: { service: METRICS_SERVICE, ...dimensions },
  statistic: 'Sum' as const,
});

/** The id of the runbook every region's staleness alarm links to. */
export const staleRunbookId = (source: RestSource) => `${source.id}-fetch-stale`;

export function fetchAlarmsFor(
  source: RestSource,
  regions: readonly string[] = source.regions,
): MetricAlarmSpec[] {
  for (const r of regions)
    if (!source.regions.includes(r))
      throw new Error(
        `source ${source.id}: region ${r} is not one of its regions (${source.regions.join(', ')}); add it to workflows/sources.ts so that its alarm and runbook exist`,
      );
  const hours = source.freshnessHours;
  if (!Number.isInteger(hours) || hours < 1 || hours > 168)
    throw new Error(`source ${source.id}: freshnessHours must be an integer from 1 to 168`);
  const id = (suffix: string) => `${source.id}-${suffix}`;
  return [
    {
      ...base(source),
      type: 'metric',
      id: id('fetch-failed'),
      kind: 'fetchFailed',
      title: `${source.title}: fetch failed`,
      summary: `A scheduled fetch from the ${source.title} failed after its retries: that region's files for the day did not land.`,
      runbook: runbookPath(id('fetch-failed')),
      metric: metric(FETCH_METRIC.fetchesFailed, { source: source.id }),
      condition: '≥ 1 failed fetch in 5 minutes',
    },
    {
      ...base(source),
      type: 'metric',
      id: id('fetch-quota-exhausted'),
      kind: 'fetchQuotaExhausted',
      title: `${source.title}: API quota exhausted`,
      summary: `The ${source.title}'s daily quota is exhausted: no region fetches until it resets at midnight Pacific Time.`,
      runbook: runbookPath(id('fetch-quota-exhausted')),
      metric: metric(FETCH_METRIC.quotaExhausted, { source: source.id }),
      condition: '≥ 1 fetch refused for quota in 5 minutes',
    },
    {
      ...base(source),
      type: 'metric',
      id: id('fetch-undelivered'),
      kind: 'fetchUndelivered',
      title: `${source.title}: scheduled fetch never ran`,
      summary: `The scheduler could not invoke the ${source.function.id} function (throttled, deleted, or not permitted): the event is in the schedule's dead-letter queue.`,
      runbook: runbookPath(id('fetch-undelivered')),
      metric: {
        namespace: 'AWS/SQS',
        name: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: { ref: 'queue', queue: 'fetchSchedule' } },
        statistic: 'Maximum',
      },
      condition: '≥ 1 message in the dead-letter queue in 5 minutes',
    },
    ...regions.map(
      (region): MetricAlarmSpec => ({
        ...base(source),
        type: 'metric',
        id: id(`fetch-stale-${region.toLowerCase()}`),
        kind: 'fetchStale',
        title: `${source.title}: no new file for ${region} in ${hours} hours`,
        summary: `No statistics file for ${region} was fetched and landed in the last ${hours} hours: the schedule, the key or the API is failing for that region.`,
        runbook: runbookPath(staleRunbookId(source)),
        scope: { type: 'source', sourceId: source.id, region },
        metric: metric(FETCH_METRIC.filesFetched, { source: source.id, region: region.toLowerCase() }),
        comparison: 'LessThanThreshold',
        periodSeconds: 3600,
        evaluationPeriods: hours,
        datapointsToAlarm: hours,
        // No data at all is exactly what this alarm is about.
        treatMissingData: 'breaching',
        condition: `no statistics file landed in ${hours} hours`,
      }),
    ),
  ];
}

/** The fetch alarms of every source of a workflow, for the regions the workflow declares. */
export function sourceAlarmsFor(workflow: Workflow): MetricAlarmSpec[] {
  return (workflow.sources ?? []).flatMap((s) => fetchAlarmsFor(s));
}
