/**
 * The workflow's CloudWatch dashboard, rendered from workflows/monitoring-dashboard.ts: the header with
 * console and runbook links and the alarm status, the state machine, one row per step in execution
 * order (each graph an alarm's metric with its threshold line), and a data row per dataset.
 */
import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { ResourceRef } from '../workflows/alarms';
import { dashboardFor, type LinkTarget, type WidgetSpec } from '../workflows/monitoring-dashboard';
import type { Workflow } from '../workflows/types';
import { toCloudWatchMetric } from './pipeline-alarms';

export interface PipelineDashboardProps {
  readonly workflow: Workflow;
  readonly dashboardName: string;
  readonly metricsNamespace: string;
  readonly runbookBaseUrl: string;
  /** The alarms by alarm id (PipelineAlarms.alarms). */
  readonly alarms: ReadonlyMap<string, cloudwatch.IAlarm>;
  readonly resolve: (ref: ResourceRef) => string;
  /** Console address of each link target of the header. */
  readonly links: Readonly<Record<LinkTarget, string>>;
}

const WIDTH = 24;

export class PipelineDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: cdk.Duration.hours(24),
    });
    const alarmOf = (alarmId: string) => {
      const a = props.alarms.get(alarmId);
      if (!a) throw new Error(`dashboard: no alarm ${alarmId}`);
      return a;
    };
    const rows = dashboardFor(props.workflow, props.runbookBaseUrl);
    for (const [i, row] of rows.entries()) {
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({ markdown: `### ${i}. ${row.title}`, width: WIDTH, height: 1 }),
      );
      const width = Math.max(6, Math.floor(WIDTH / Math.max(1, row.widgets.length)));
      this.dashboard.addWidgets(...row.widgets.map((w) => this.widget(w, width, props, alarmOf)));
    }
  }

  private widget(
    w: WidgetSpec,
    width: number,
    props: PipelineDashboardProps,
    alarmOf: (id: string) => cloudwatch.IAlarm,
  ): cloudwatch.IWidget {
    switch (w.type) {
      case 'text':
        return new cloudwatch.TextWidget({
          markdown: w.markdown.replace(/\{link:([A-Za-z]+)\}/g, (_, t: LinkTarget) => props.links[t]),
          width,
          height: 6,
        });
      case 'alarmStatus':
        return new cloudwatch.AlarmStatusWidget({
          title: w.title,
          alarms: w.alarms.map(alarmOf),
          width,
          height: 6,
          sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        });
      case 'graph': {
        const alarm = w.alarm ? (alarmOf(w.alarm) as cloudwatch.Alarm) : undefined;
        return new cloudwatch.GraphWidget({
          title: w.title,
          left: w.metrics.map((m) =>
            toCloudWatchMetric(m, props.metricsNamespace, props.resolve, w.periodSeconds),
          ),
          // The alarm's own threshold line, so the graph and the alarm never disagree.
          leftAnnotations: alarm && 'toAnnotation' in alarm ? [alarm.toAnnotation()] : undefined,
          width,
          height: 6,
        });
      }
    }
  }
}
