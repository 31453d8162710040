/**
 * Pure derivation: Workflow → the CloudWatch dashboard's layout. A header (links to the console and the
 * runbooks, the status of every alarm), the state machine, then one row per step in execution order —
 * each graph is an alarm's own metric with its threshold drawn on it — and a data row per dataset.
 * infra/pipeline-dashboard.ts renders it; no aws-cdk-lib here.
 */
import {
  type AlarmSpec,
  alarmsFor,
  alarmsOfStep,
  executionOrder,
  type MathRef,
  METRIC,
  METRICS_SERVICE,
  type MetricAlarmSpec,
  type MetricRef,
  monitoredDatasets,
  RUNBOOK_DIR,
} from './alarms';
import type { Workflow } from './types';

export interface GraphWidgetSpec {
  readonly type: 'graph';
  readonly title: string;
  readonly metrics: readonly (MetricRef | MathRef)[];
  /** A horizontal line at the alarm's threshold (the alarm drawn on its own metric). */
  readonly alarm?: string;
  readonly periodSeconds: number;
}

export type LinkTarget =
  | 'stateMachine'
  | 'failuresTable'
  | 'glueJobs'
  | 'crawlers'
  | 'athenaWorkGroup'
  | 'lambdaFunctions'
  | 'alarms';

export type WidgetSpec =
  | GraphWidgetSpec
  | { readonly type: 'alarmStatus'; readonly title: string; readonly alarms: readonly string[] }
  /** Markdown; the renderer resolves each `{link:<target>}` to a console address of the deployment. */
  | { readonly type: 'text'; readonly markdown: string };

export interface DashboardRow {
  readonly title: string;
  /** The step a row shows (absent for the header, state-machine and data rows). */
  readonly stepId?: string;
  readonly widgets: readonly WidgetSpec[];
}

const pipelineMetric = (name: string, dataset: string): MetricRef => ({
  namespace: 'pipeline',
  name,
  dimensions: { service: METRICS_SERVICE, dataset },
  statistic: 'Sum',
});

function graphOf(alarm: MetricAlarmSpec): GraphWidgetSpec {
  return {
    type: 'graph',
    title: alarm.title,
    metrics: [alarm.metric],
    alarm: alarm.id,
    periodSeconds: Math.min(alarm.periodSeconds, 3600),
  };
}

/** Beside a gate's wait alarm: how many asks were admitted and how many were told to wait. */
function gateGraphs(own: readonly MetricAlarmSpec[]): GraphWidgetSpec[] {
  return own.flatMap((a) => {
    if (a.kind !== 'slotWaitTooLong' || !('dimensions' in a.metric)) return [];
    const gate = String(a.metric.dimensions.gate);
    const metric = (name: string): MetricRef => ({
      namespace: 'pipeline',
      name,
      dimensions: { service: METRICS_SERVICE, gate },
      statistic: 'Sum',
    });
    return [
      {
        type: 'graph',
        title: `${gate} gate: slots acquired, asks told to wait`,
        metrics: [metric(METRIC.slotsAcquired), metric(METRIC.slotWaits)],
        periodSeconds: 300,
      },
    ];
  });
}

/** The links of the header: the console of each resource kind, and the runbooks. */
function headerMarkdown(workflow: Workflow, runbookIndex: string): string {
  return [
    `# lakestep · ${workflow.name}`,
    "One row per step in execution order; each graph is an alarm's own metric with its threshold. Runbooks: " +
      `[index](${runbookIndex}).`,
    '',
    '[State machine]({link:stateMachine}) · [Failed executions table]({link:failuresTable}) · ' +
      '[Lambda functions]({link:lambdaFunctions}) · [Glue jobs]({link:glueJobs}) · [Crawlers]({link:crawlers}) · ' +
      '[Athena workgroup]({link:athenaWorkGroup}) · [Alarms]({link:alarms})',
    '',
    'Redrive failed executions: `npx lakestep replay --aws --failed --since 24h --dry-run`, then without `--dry-run`.',
  ].join('\n');
}

export function dashboardFor(workflow: Workflow, runbookBaseUrl = ''): DashboardRow[] {
  const alarms = alarmsFor(workflow);
  const metricAlarms = alarms.filter((a): a is MetricAlarmSpec => a.type === 'metric');
  const byKind = (kind: MetricAlarmSpec['kind']) => metricAlarms.filter((a) => a.kind === kind);
  const rows: DashboardRow[] = [
    {
      title: 'Overview',
      widgets: [
        {
          type: 'text',
          markdown: headerMarkdown(
            workflow,
            runbookBaseUrl ? `${runbookBaseUrl}README.md` : `${RUNBOOK_DIR}/README.md`,
          ),
        },
        { type: 'alarmStatus', title: 'Alarms', alarms: alarms.map((a: AlarmSpec) => a.id) },
      ],
    },
    {
      title: 'State machine',
      widgets: metricAlarms.filter((a) => a.scope.type === 'stateMachine').map(graphOf),
    },
  ];
  for (const step of executionOrder(workflow)) {
    const own = alarmsOfStep(alarms, step.id);
    if (own.length === 0) continue;
    rows.push({ title: step.stateName, stepId: step.id, widgets: [...own.map(graphOf), ...gateGraphs(own)] });
  }
  const apiAlarms = metricAlarms.filter((a) => a.scope.type === 'api');
  if (apiAlarms.length) rows.push({ title: 'Analytics API', widgets: apiAlarms.map(graphOf) });
  for (const dataset of monitoredDatasets(workflow)) {
    const m = (name: string) => pipelineMetric(name, dataset);
    const dataAlarms = metricAlarms.filter(
      (a) => a.scope.type === 'data' && a.scope.dataset === dataset && !byKind('dqFailedBatches').includes(a),
    );
    rows.push({
      title: `Data: ${dataset}`,
      widgets: [
        {
          type: 'graph',
          title: `${dataset}: rows in, out, quarantined, duplicates`,
          metrics: [
            m(METRIC.rowsRead),
            m(METRIC.rowsCleansed),
            m(METRIC.rowsQuarantined),
            m(METRIC.rowsDuplicate),
            m(METRIC.rowsPromoted),
          ],
          periodSeconds: 3600,
        },
        {
          type: 'graph',
          title: `${dataset}: DQ pass rate (%)`,
          metrics: [
            {
              expression:
                'IF(FILL(p, 0) + FILL(f, 0) > 0, 100 * FILL(p, 0) / (FILL(p, 0) + FILL(f, 0)), 100)',
              label: `${dataset}: batches passing DQ (%)`,
              metrics: { p: m(METRIC.batchesPassed), f: m(METRIC.batchesFailedDq) },
            },
          ],
          periodSeconds: 3600,
        },
        ...dataAlarms.map(graphOf),
      ],
    });
  }
  return rows;
}
