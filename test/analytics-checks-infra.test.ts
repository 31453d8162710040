/**
 * What a workflow with materialization checks deploys beyond one without: the Check analytics function
 * (its workgroup in the environment; Athena start/poll/results on that workgroup only; the catalog
 * entries and files of exactly the tables its checks read; the result files), its two check alarms
 * (notice) with runbooks, and the generated Lambda alarms. The YouTube workflow deploys none of it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PipelineStack } from '../infra/pipeline-stack';
import { alarmsFor, type MetricAlarmSpec } from '../workflows/alarms';
import { runbookFiles } from '../workflows/monitoring-runbooks';
import { aslFileName, renderAslText } from '../workflows/render-asl';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { checkedWorkflow } from './helpers/checked-workflow';

type Resource = { Type: string; Properties: Record<string, unknown> };

describe('a workflow with checks, on AWS', () => {
  const workflow = checkedWorkflow();
  const aslDir = mkdtempSync(join(tmpdir(), 'lakestep-checked-asl-'));
  afterAll(() => rmSync(aslDir, { recursive: true, force: true }));
  writeFileSync(join(aslDir, aslFileName(workflow)), renderAslText(workflow));
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PipelineStack(app, 'Checked-dev', { stage: 'dev', workflow, aslDir });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const prefix = stack.settings.namePrefix;
  const db = prefix.replaceAll('-', '_');
  const [fnId, fn] = Object.entries(resources).find(
    ([, r]) =>
      r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === `${prefix}-check-analytics`,
  ) ?? ['', undefined];
  const statements = () => {
    const role = fn?.Properties.Role as { 'Fn::GetAtt': string[] } | undefined;
    const roleId = role?.['Fn::GetAtt'][0];
    return Object.values(resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
      )
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
  };
  const text = (v: unknown) => JSON.stringify(stack.resolve(v));

  it('deploys the function with its workgroup named in the environment', () => {
    expect(fnId).not.toBe('');
    expect(fn?.Properties.Environment).toMatchObject({
      Variables: { ATHENA_WORKGROUP: `${prefix}-workgroup` },
    });
  });

  it('grants the three Athena calls on the workgroup, and reads of exactly the checked tables', () => {
    const byId = new Map(statements().map((s) => [s.Sid, s]));
    const run = byId.get('RunCheckQueries');
    expect(run?.Action).toEqual([
      'athena:StartQueryExecution',
      'athena:GetQueryExecution',
      'athena:GetQueryResults',
    ]);
    expect(text(run?.Resource)).toContain(`:workgroup/${prefix}-workgroup`);
    const read = byId.get('ReadCheckedTables');
    const tables = text(read?.Resource);
    expect(tables).toContain(`:table/${db}_analytics/category_daily`);
    expect(tables).toContain(`:table/${db}_cleansed/categories`);
    expect(tables).not.toContain('/statistics');
    expect(read?.Action).not.toContain('glue:UpdateTable');
    const s3 = statements().filter(
      (s) => String(s.Action).startsWith('s3:') || JSON.stringify(s.Action).includes('s3:'),
    );
    const objects = s3.map((s) => text(s.Resource)).join(' ');
    expect(objects).toContain('/category_daily/*');
    expect(objects).toContain('/categories/*');
    expect(objects).toContain('LakeAthenaResults');
    // It reads tables only: no write, no delete outside the query results.
    for (const s of s3.filter((x) => JSON.stringify(x.Action).includes('s3:PutObject')))
      expect(text(s.Resource)).toContain('LakeAthenaResults');
    expect(JSON.stringify(s3)).not.toContain('s3:DeleteObject');
  });

  it('has the two check alarms (notice) over the checks, and a runbook for each', () => {
    const alarms = alarmsFor(workflow).filter((a): a is MetricAlarmSpec => a.type === 'metric');
    const warn = alarms.find((a) => a.id === 'analytics-check-warnings');
    const fail = alarms.find((a) => a.id === 'analytics-check-failures');
    expect(warn).toMatchObject({
      severity: 'notice',
      local: { type: 'emfSum', metric: 'AnalyticsCheckWarnings' },
    });
    expect(fail).toMatchObject({
      severity: 'notice',
      local: { type: 'emfSum', metric: 'AnalyticsCheckFailures' },
    });
    expect(warn?.metric).toMatchObject({
      expression: 'FILL(c0, 0)',
      metrics: {
        c0: {
          name: 'AnalyticsCheckWarnings',
          dimensions: { materialization: 'category_daily', check: 'unknown_category' },
        },
      },
    });
    expect(alarms.map((a) => a.id)).toEqual(expect.arrayContaining(['check-analytics-errors']));
    const runbooks = runbookFiles(workflow);
    const warnBook = [...runbooks].find(([file]) => file.endsWith('analytics-check-warnings.md'))?.[1];
    expect(warnBook).toContain('category_daily.unknown_category');
    const failBook = [...runbooks].find(([file]) => file.endsWith('analytics-check-failures.md'))?.[1];
    expect(failBook).toContain('DataQualityFailed');
    expect(failBook).toContain('$PREFIX-check-analytics');
    // The deployed alarms are the specs: both exist in the stack.
    const names = Object.values(resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => String(r.Properties.AlarmName));
    expect(names).toEqual(
      expect.arrayContaining([`${prefix}-analytics-check-warnings`, `${prefix}-analytics-check-failures`]),
    );
  });

  it('is absent from the YouTube workflow', () => {
    expect(alarmsFor(YOUTUBE_TRENDING).map((a) => a.id)).not.toEqual(
      expect.arrayContaining(['analytics-check-warnings']),
    );
    expect(
      YOUTUBE_TRENDING.steps.some((s) => s.kind === 'lambda' && s.function.id === 'CheckAnalytics'),
    ).toBe(false);
  });

  it("leaves cdk-nag's AWS Solutions checks without an unacknowledged finding", () => {
    const outdir = mkdtempSync(join(tmpdir(), 'lakestep-checked-nag-'));
    try {
      const nagApp = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
      new PipelineStack(nagApp, 'CheckedNag-dev', { stage: 'dev', workflow, aslDir });
      Validations.of(nagApp).addPlugins(new AwsSolutionsChecks(nagApp));
      let error: unknown = null;
      try {
        nagApp.synth();
      } catch (e) {
        error = e;
      }
      const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: {
          violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
        }[];
      };
      const violations = report.pluginReports.flatMap((r) =>
        r.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`)),
      );
      expect(violations).toEqual([]);
      expect(error).toBeNull();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
