/**
 * cdk-nag's AWS Solutions checks over the dev and prod stacks: no finding is left unacknowledged, and
 * every acknowledgement names one finding id with its own reason. One synth per stage.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageOverridesFrom } from '../infra/config';
import { PipelineStack } from '../infra/pipeline-stack';
import { workflowStacks } from '../infra/workflow-stacks';
import { JAFFLE_SHOP } from '../workflows/jaffle-shop.workflow';
import type { Workflow } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'));

interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: { constructPath: string }[];
}

function nag(stage: string, tamper?: (stack: PipelineStack) => void, workflow: Workflow = YOUTUBE_TRENDING) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'lakestep-nag-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const settings = stageOverridesFrom(cdkJson.context['lakestep:stages'], stage);
  const ours = workflowStacks(stage, settings, cdkJson.context['lakestep:pipelineStackWorkflow']).find(
    (s) => s.workflow.name === workflow.name,
  );
  const stack = new PipelineStack(app, `Nag-${stage}`, {
    stage,
    settings,
    workflow,
    ...(ours?.namePrefix ? { namePrefix: ours.namePrefix } : {}),
  });
  tamper?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: unknown = null;
  try {
    app.synth();
  } catch (e) {
    error = e;
  }
  const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; violations: Violation[] }[];
  };
  const violations = report.pluginReports.flatMap((r) =>
    r.violations.flatMap((v) =>
      v.violatingConstructs.map((c) => `${v.ruleName} (${v.severity}) at ${c.constructPath}`),
    ),
  );
  return { stack, error, violations };
}

/** Every acknowledgement recorded in the stack's construct tree. */
function acknowledgements(stack: Stack): { path: string; id: string; reason: string }[] {
  return stack.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason,
        })),
      ),
  );
}

// Every workflow's stack on dev; the built-in one on prod too (prod's settings differ, not the shape).
describe.each([
  ['dev', YOUTUBE_TRENDING],
  ['prod', YOUTUBE_TRENDING],
  ['dev', JAFFLE_SHOP],
] as const)('cdk-nag AwsSolutions on %s, workflow %s', (stage, workflow) => {
  const { stack, error, violations } = nag(stage, undefined, workflow);

  it('synthesizes with no unacknowledged finding, error or warning', () => {
    expect(violations).toEqual([]);
    expect(error).toBeNull();
  });

  it('acknowledges finding by finding, each with a reason of its own', () => {
    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      // A finding id: a rule, plus the exact wildcard for IAM5; never a whole rule family.
      expect(ack.id).toMatch(/AwsSolutions-[A-Z]+[0-9]+(\[[A-Za-z]+::.+\])?$/);
      if (ack.id.includes('IAM5')) expect(ack.id).toMatch(/\[Resource::.+\]$/);
      expect(ack.reason.length).toBeGreaterThan(40);
    }
  });
});

it('reports a wildcard nobody acknowledged (the checks are live)', () => {
  const { error, violations } = nag('dev', (stack) => {
    const role = new iam.Role(stack, 'Unreviewed', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [stack.buckets.byStage.bronze.arnForObjects('*')],
      }),
    );
  });
  expect(violations).toEqual([
    expect.stringMatching(
      /^AwsSolutions-IAM5\[Resource::<LakeBronze[0-9A-F]+\.Arn>\/\*\] \(error\) at Nag-dev\/Unreviewed/,
    ),
  ]);
  expect(String(error)).toMatch(/^ValidationFailed/);
});
