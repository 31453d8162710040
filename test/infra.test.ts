import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PipelineStack } from '../infra/pipeline-stack';
import {
  type ArnParts,
  checkSubstitutions,
  type NamingOptions,
  substitutionsFor,
  TASK_ACTIONS,
  taskGrantsFor,
} from '../infra/substitutions';
import { aslFileName, placeholdersIn, renderAslText } from '../workflows/render-asl';
import type { Workflow } from '../workflows/types';
import { isTask } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending';

const committedAsl = readFileSync(path.join(__dirname, '..', 'asl', aslFileName(YOUTUBE_TRENDING)), 'utf8');

const naming: NamingOptions = {
  prefix: 'lakestep-test',
  databasePrefix: 'lakestep_test',
  arnFor: (p: ArnParts) =>
    `arn:aws:${p.service}:eu-west-1:123456789012:${p.resource}${p.separator}${p.resourceName}`,
};

const taskKinds = [...new Set(YOUTUBE_TRENDING.steps.filter(isTask).map((s) => s.kind))];

type Resource = { Type: string; Properties: Record<string, unknown> };

describe('PipelineStack', () => {
  // Bundling is skipped: the data stack's Lambda assets must not slow this suite down.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PipelineStack(app, 'Test', { stage: 'dev' });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;

  const stateMachines = Object.values(
    template.findResources('AWS::StepFunctions::StateMachine'),
  ) as Resource[];
  const machine = stateMachines[0]!.Properties;

  /** Every action of every policy attached to the state machine's role. */
  function roleActions(): string[] {
    const roleRef = (machine.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleRef),
    );
    expect(policies.length).toBeGreaterThan(0);
    return policies.flatMap((p) =>
      (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (s) => (Array.isArray(s.Action) ? s.Action : [s.Action]),
      ),
    );
  }

  it('holds one STANDARD state machine', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    expect(machine.StateMachineType).toBe('STANDARD');
  });

  it('substitutes exactly the placeholders of the committed ASL', () => {
    const keys = Object.keys(machine.DefinitionSubstitutions as Record<string, unknown>).sort();
    expect(keys).toEqual(placeholdersIn(committedAsl));
  });

  it('names stage-prefixed databases in the SQL', () => {
    expect(machine.DefinitionSubstitutions).toMatchObject({
      cleansed: 'lakestep_dev_cleansed',
      analytics: 'lakestep_dev_analytics',
    });
  });

  it('grants no wildcard action and covers every task kind of the workflow', () => {
    const actions = roleActions();
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    for (const kind of taskKinds) expect(actions).toEqual(expect.arrayContaining([...TASK_ACTIONS[kind]]));
  });

  it('logs ALL events without execution data and traces', () => {
    expect(machine.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(machine.TracingConfiguration).toEqual({ Enabled: true });
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
  });

  it('fails the synth when the committed ASL has a placeholder nothing substitutes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lakestep-asl-'));
    writeFileSync(
      path.join(dir, aslFileName(YOUTUBE_TRENDING)),
      committedAsl.replaceAll(`\${AthenaWorkGroup}`, `\${ReportsWorkGroup}`),
    );
    const other = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new PipelineStack(other, 'Stale', { stage: 'dev', aslDir: dir })).toThrow(
      /without a substitution: \$\{ReportsWorkGroup\}; substitutions no placeholder uses: AthenaWorkGroup/,
    );
  });

  it('rejects a stage that cannot be part of a database name', () => {
    const other = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new PipelineStack(other, 'Bad', { stage: 'my-stage' })).toThrow(/stage 'my-stage'/);
  });
});

describe('substitutionsFor', () => {
  it('covers the rendered and the committed ASL exactly', () => {
    const subs = substitutionsFor(YOUTUBE_TRENDING, naming);
    expect(Object.keys(subs).sort()).toEqual(placeholdersIn(renderAslText(YOUTUBE_TRENDING)));
    expect(() => checkSubstitutions(committedAsl, subs, 'committed')).not.toThrow();
  });

  it('derives names from the prefix and ARNs through arnFor', () => {
    expect(substitutionsFor(YOUTUBE_TRENDING, naming)).toMatchObject({
      IngestObjectFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:lakestep-test-ingest-object',
      TransformBatchJobName: 'lakestep-test-transform-batch',
      CleansedCrawlerName: 'lakestep-test-cleansed-crawler',
      AthenaWorkGroup: 'lakestep-test-workgroup',
      cleansed: 'lakestep_test_cleansed',
      analytics: 'lakestep_test_analytics',
    });
  });

  it('reports a placeholder without a substitution by name', () => {
    const subs = substitutionsFor(YOUTUBE_TRENDING, naming);
    const text = `${committedAsl.slice(0, -2)}, "X": "\${NewThingName}"}\n`;
    expect(() => checkSubstitutions(text, subs, 'asl/x.asl.json')).toThrow(
      /asl\/x\.asl\.json: placeholders without a substitution: \$\{NewThingName\}/,
    );
  });

  it('reports a renamed function as both missing and unused, by name', () => {
    // A workflow that gained a Lambda step the committed ASL was not re-rendered for.
    const extra: Workflow = {
      ...YOUTUBE_TRENDING,
      steps: YOUTUBE_TRENDING.steps.map((s) =>
        s.kind === 'lambda' && s.id === 'publishRunSummary'
          ? { ...s, function: { ...s.function, id: 'PublishRunReport' } }
          : s,
      ),
    };
    expect(() => checkSubstitutions(committedAsl, substitutionsFor(extra, naming), 'committed')).toThrow(
      /without a substitution: \$\{PublishRunSummaryFunctionArn\}; substitutions no placeholder uses: PublishRunReportFunctionArn/,
    );
  });

  it('grants each task kind its actions on the resources its steps name', () => {
    const grants = taskGrantsFor(YOUTUBE_TRENDING, naming);
    expect(grants.map((g) => g.actions)).toEqual(taskKinds.map((k) => TASK_ACTIONS[k]));
    const lambdaSteps = YOUTUBE_TRENDING.steps.filter((s) => s.kind === 'lambda');
    expect(grants[0]!.resources).toHaveLength(lambdaSteps.length);
    expect(grants.find((g) => g.actions.includes('glue:StartCrawler'))!.resources).toEqual([
      'arn:aws:glue:eu-west-1:123456789012:crawler/lakestep-test-cleansed-crawler',
    ]);
  });
});
