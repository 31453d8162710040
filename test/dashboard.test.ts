/** The dashboard is generated from the step list: one row per step in execution order, a data row per dataset. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PipelineStack } from '../infra/pipeline-stack';
import { alarmsFor, alarmsOfStep, executionOrder } from '../workflows/alarms';
import { dashboardFor } from '../workflows/monitoring-dashboard';
import type { Workflow } from '../workflows/types';
import { isTask } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

describe('dashboard layout', () => {
  const rows = dashboardFor(YOUTUBE_TRENDING);
  const alarms = alarmsFor(YOUTUBE_TRENDING);

  it('has one row per step with alarms, in execution order, every task step included', () => {
    const expected = executionOrder(YOUTUBE_TRENDING)
      .filter((s) => alarmsOfStep(alarms, s.id).length > 0)
      .map((s) => s.id);
    expect(rows.filter((r) => r.stepId).map((r) => r.stepId)).toEqual(expected);
    for (const s of YOUTUBE_TRENDING.steps.filter(isTask)) expect(expected).toContain(s.id);
  });

  it("draws each of a step's alarms on its own metric", () => {
    for (const row of rows.filter((r) => r.stepId)) {
      const drawn = row.widgets.flatMap((w) => (w.type === 'graph' && w.alarm ? [w.alarm] : []));
      expect(drawn.sort()).toEqual(
        alarmsOfStep(alarms, row.stepId as string)
          .map((a) => a.id)
          .sort(),
      );
    }
  });

  it('has a data row per dataset with rows in/out/quarantined and the DQ pass rate', () => {
    for (const dataset of ['statistics', 'categories']) {
      const row = rows.find((r) => r.title === `Data: ${dataset}`);
      const titles = row?.widgets.map((w) => (w.type === 'graph' ? w.title : w.type));
      expect(titles).toEqual(
        expect.arrayContaining([
          `${dataset}: rows in, out, quarantined, duplicates`,
          `${dataset}: DQ pass rate (%)`,
        ]),
      );
    }
  });

  it('has an alarm-status widget of every alarm and a text widget with console and runbook links', () => {
    const widgets = rows[0]?.widgets ?? [];
    const status = widgets.find((w) => w.type === 'alarmStatus');
    expect(status?.type === 'alarmStatus' && status.alarms).toEqual(alarms.map((a) => a.id));
    const text = widgets.find((w) => w.type === 'text');
    expect(text?.type === 'text' && text.markdown).toMatch(/\{link:stateMachine\}/);
    expect(text?.type === 'text' && text.markdown).toContain('docs/runbooks/README.md');
  });

  it('adds a row when a step is added', () => {
    const extra: Workflow = {
      ...YOUTUBE_TRENDING,
      steps: [
        ...YOUTUBE_TRENDING.steps.map((s) => (s.id === 'publishRunSummary' ? { ...s, next: 'notify' } : s)),
        {
          id: 'notify',
          kind: 'lambda',
          stateName: 'Notify consumers',
          function: {
            id: 'Notify',
            handlerFile: 'notify.ts',
            memoryMb: 128,
            timeoutSeconds: 10,
            description: 'x',
          },
          payload: {},
          resultFields: [],
          resultPath: null,
          timeoutSeconds: 20,
          retry: [],
          next: 'done',
        },
      ],
    };
    const ids = dashboardFor(extra).flatMap((r) => (r.stepId ? [r.stepId] : []));
    const before = dashboardFor(YOUTUBE_TRENDING).flatMap((r) => (r.stepId ? [r.stepId] : []));
    // One row more, met after the step it follows (breadth first: a Choice's branches come level by level).
    expect(ids.filter((id) => id !== 'notify')).toEqual(before);
    expect(ids.filter((id) => id === 'notify')).toHaveLength(1);
    expect(ids.indexOf('notify')).toBeGreaterThan(ids.indexOf('publishRunSummary'));
  });
});

describe('deployed dashboard', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PipelineStack(app, 'DashboardTest', { stage: 'dev' });
  const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardName: string; DashboardBody: unknown };
  }[];

  it('is one dashboard whose body has a header row per step, in order', () => {
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.Properties.DashboardName).toBe('lakestep-dev-youtube-trending');
    const body = JSON.stringify(stack.resolve(dashboards[0]?.Properties.DashboardBody));
    const positions = dashboardFor(YOUTUBE_TRENDING).map((r, i) => body.indexOf(`### ${i}. ${r.title}`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});
