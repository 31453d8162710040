/**
 * The opt-in delivery stack (CDK Pipelines): source from the CodeConnections repository of cdk.json, a
 * synth step running the README's install and test commands and `cdk synth`, dev deployed then smoke
 * tested with `lakestep smoke --aws` from the stack's outputs, a manual approval, then prod; cdk-nag
 * clean; and settings that are wrong fail with the key and the fix.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveDeliverySettings } from '../infra/delivery-settings';
import { DeliveryStack, SYNTH_COMMANDS, SYNTH_INSTALL } from '../infra/delivery-stack';

const ROOT = path.join(__dirname, '..');
const cdkJson = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));
const stages = cdkJson.context['lakestep:stages'];
const CONNECTION =
  'arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d-0000-4000-8000-000000000000';
const delivery = resolveDeliverySettings(
  {
    ...cdkJson.context['lakestep:delivery'],
    enabled: true,
    repository: 'acme/lakestep',
    connectionArn: CONNECTION,
    account: '111111111111',
    region: 'eu-west-1',
  },
  Object.keys(stages),
);

const outdir = mkdtempSync(path.join(tmpdir(), 'lakestep-delivery-'));
const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new DeliveryStack(app, 'lakestep-delivery', { delivery, stageSettings: stages });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
let synthError: unknown = null;
try {
  app.synth();
} catch (e) {
  synthError = e;
}
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown> }
>;
const pipeline = Object.values(resources).find((r) => r.Type === 'AWS::CodePipeline::Pipeline')
  ?.Properties as {
  Stages: {
    Name: string;
    Actions: {
      Name: string;
      ActionTypeId: { Category: string; Provider: string };
      Configuration?: Record<string, unknown>;
      RunOrder?: number;
    }[];
  }[];
};
const projects = Object.values(resources).filter((r) => r.Type === 'AWS::CodeBuild::Project');
const buildspecOf = (p: { Properties: Record<string, unknown> }) =>
  String((p.Properties.Source as { BuildSpec?: string }).BuildSpec ?? '');

describe('the delivery pipeline', () => {
  it('is cdk-nag clean', () => {
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: { ruleName: string }[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName))).toEqual([]);
    expect(synthError).toBeNull();
  });

  it('builds the configured branch of the CodeConnections repository', () => {
    const source = pipeline.Stages[0]?.Actions[0];
    expect(source?.ActionTypeId).toMatchObject({ Category: 'Source', Provider: 'CodeStarSourceConnection' });
    expect(source?.Configuration).toMatchObject({
      ConnectionArn: CONNECTION,
      FullRepositoryId: 'acme/lakestep',
      BranchName: 'main',
    });
  });

  it("runs the README's install and test commands, then cdk synth", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm test');
    const synth = projects.find((p) => buildspecOf(p).includes('npx cdk synth'));
    const spec = buildspecOf(synth as { Properties: Record<string, unknown> });
    for (const c of [...SYNTH_INSTALL, ...SYNTH_COMMANDS])
      expect(spec).toContain(JSON.stringify(c).slice(1, -1));
    expect(spec.indexOf('npm test')).toBeLessThan(spec.indexOf('npx cdk synth'));
  });

  it('deploys dev, smoke-tests it, waits for approval, then deploys prod', () => {
    const names = pipeline.Stages.map((s) => s.Name);
    expect(names).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'Dev', 'Prod']);
    const dev = pipeline.Stages.find((s) => s.Name === 'Dev');
    const prod = pipeline.Stages.find((s) => s.Name === 'Prod');
    const devDeploy = dev?.Actions.filter((a) => a.ActionTypeId.Provider === 'CloudFormation') ?? [];
    const smoke = dev?.Actions.find((a) => a.Name === 'Smoke');
    expect(devDeploy.length).toBeGreaterThan(0);
    expect(smoke?.ActionTypeId).toMatchObject({ Category: 'Build', Provider: 'CodeBuild' });
    expect(smoke?.RunOrder).toBeGreaterThan(Math.max(...devDeploy.map((a) => a.RunOrder ?? 1)));
    const approval = prod?.Actions.find((a) => a.ActionTypeId.Category === 'Approval');
    const prodDeploy = prod?.Actions.filter((a) => a.ActionTypeId.Provider === 'CloudFormation') ?? [];
    expect(approval?.RunOrder).toBeLessThan(Math.min(...prodDeploy.map((a) => a.RunOrder ?? 1)));
    for (const a of [...devDeploy, ...prodDeploy].filter(
      (x) => x.Configuration?.ActionMode === 'CHANGE_SET_REPLACE',
    ))
      expect(String(a.Configuration?.StackName)).toMatch(/^lakestep-(dev|prod)-pipeline$/);
  });

  it("smoke-tests with lakestep smoke --aws, the stage's outputs and only the grants it needs", () => {
    const smoke = projects.find((p) => buildspecOf(p).includes('lakestep smoke --aws'));
    expect(smoke).toBeDefined();
    // CDK Pipelines passes the stack outputs as the action's environment variables.
    const action = pipeline.Stages.find((st) => st.Name === 'Dev')?.Actions.find((a) => a.Name === 'Smoke');
    const env = JSON.stringify(action?.Configuration?.EnvironmentVariables);
    expect(env).toContain('LAKESTEP_LANDING_BUCKET');
    expect(env).toContain('LAKESTEP_STATE_MACHINE_ARN');
    const policies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties).includes('states:DescribeExecution'),
    );
    expect(policies).toHaveLength(1);
    const text = JSON.stringify(policies[0]?.Properties);
    expect(text).toContain('raw_statistics/region=zz/*');
    expect(text).not.toContain('"s3:*"');
  });
});

describe('delivery settings', () => {
  it('are off by default: nothing else is checked', () => {
    expect(resolveDeliverySettings(cdkJson.context['lakestep:delivery'], Object.keys(stages)).enabled).toBe(
      false,
    );
    expect(resolveDeliverySettings(undefined, []).enabled).toBe(false);
  });

  it('when enabled, name every bad key and what it must be', () => {
    expect(() => resolveDeliverySettings({ enabled: true }, ['dev', 'prod'])).toThrow(
      /repository must be 'owner\/repo'.*connectionArn must be the ARN of a CodeConnections connection.*account must be a 12-digit account id/,
    );
    expect(() => resolveDeliverySettings({ ...delivery, stages: ['dev', 'prd'] }, ['dev', 'prod'])).toThrow(
      /stages names 'prd', which lakestep:stages does not define \(dev, prod\)/,
    );
    expect(() => resolveDeliverySettings({ enabled: false, repo: 'x' }, [])).toThrow(/repo is not a setting/);
  });
});
