import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PipelineStack } from '../infra/pipeline-stack';
import { CATALOG_COMMIT_ACTIONS, CATALOG_READ_ACTIONS } from '../infra/pipeline-state-machine';
import {
  type ArnParts,
  checkSubstitutions,
  type NamingOptions,
  substitutionsFor,
  TASK_ACTIONS,
  tablesQueriedBy,
  taskGrantsFor,
} from '../infra/substitutions';
import { aslFileName, placeholdersIn, RESOURCES, renderAslText } from '../workflows/render-asl';
import type { Workflow } from '../workflows/types';
import { isTask } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

const committedAsl = readFileSync(path.join(__dirname, '..', 'asl', aslFileName(YOUTUBE_TRENDING)), 'utf8');

const naming: NamingOptions = {
  prefix: 'lakestep-test',
  databasePrefix: 'lakestep_test',
  arnFor: (p: ArnParts) =>
    `arn:aws:${p.service}:eu-west-1:123456789012:${p.resource}${p.separator}${p.resourceName}`,
};

const taskKinds = [...new Set(YOUTUBE_TRENDING.steps.filter(isTask).map((s) => s.kind))];

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

/** Task kind of each integration the committed ASL's Task states call. */
const KIND_OF_RESOURCE: Readonly<Record<string, keyof typeof TASK_ACTIONS>> = {
  [RESOURCES.lambdaInvoke]: 'lambda',
  [RESOURCES.glueStartJobRunSync]: 'glueJob',
  [RESOURCES.glueStartCrawler]: 'crawlerStart',
  [RESOURCES.glueGetCrawler]: 'crawlerStatus',
  [RESOURCES.athenaStartQueryExecutionSync]: 'athenaQuery',
};

/** What the committed ASL's Task states call: integration resource and the placeholder naming the target. */
function aslTaskCalls(): { kind: keyof typeof TASK_ACTIONS; placeholder: string }[] {
  const asl = JSON.parse(committedAsl) as {
    States: Record<string, { Type: string; Resource?: string; Parameters?: Record<string, unknown> }>;
  };
  return Object.entries(asl.States)
    .filter(([, st]) => st.Type === 'Task')
    .map(([name, st]) => {
      const kind = KIND_OF_RESOURCE[st.Resource ?? ''];
      if (!kind) throw new Error(`state ${name}: integration ${st.Resource} is unknown to this test`);
      const target = placeholdersIn(
        JSON.stringify(
          st.Parameters?.FunctionName ??
            st.Parameters?.JobName ??
            st.Parameters?.Name ??
            st.Parameters?.WorkGroup,
        ),
      );
      expect(target).toHaveLength(1);
      return { kind, placeholder: target[0]! };
    });
}

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

  /** Every statement of every policy attached to the state machine's role. */
  function roleStatements(): Statement[] {
    const roleRef = (machine.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleRef),
    );
    expect(policies.length).toBeGreaterThan(0);
    return policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  }
  const roleActions = () => roleStatements().flatMap((s) => [s.Action].flat());
  const resolved = (v: unknown) => JSON.stringify(stack.resolve(v));

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

  it('grants each task call of the committed ASL exactly on the resource its placeholder names', () => {
    const subs = machine.DefinitionSubstitutions as Record<string, unknown>;
    const statements = roleStatements();
    const calls = aslTaskCalls();
    expect(calls.length).toBeGreaterThan(0);
    for (const kind of new Set(calls.map((c) => c.kind))) {
      const expected = [...new Set(calls.filter((c) => c.kind === kind).map((c) => c.placeholder))].map((p) =>
        // Lambda tasks are substituted with the function ARN; Glue and Athena with a name inside it.
        JSON.stringify(subs[p]),
      );
      const statement = statements.find(
        (s) => JSON.stringify([s.Action].flat()) === JSON.stringify(TASK_ACTIONS[kind]),
      );
      expect(statement).toBeDefined();
      const granted = [statement!.Resource].flat().map((r) => JSON.stringify(r));
      expect(granted).toHaveLength(expected.length);
      if (kind === 'lambda') expect(granted.sort()).toEqual(expected.sort());
      else for (const [i, name] of expected.entries()) expect(granted[i]).toContain(JSON.parse(name!));
    }
  });

  it('grants the data access the SQL needs: catalog reads, the Iceberg commit, results and table files', () => {
    const statements = roleStatements();
    const tables = tablesQueriedBy(YOUTUBE_TRENDING);
    expect(tables).toEqual([
      { database: 'analytics', table: 'category_daily', write: true },
      { database: 'cleansed', table: 'categories', write: false },
      { database: 'cleansed', table: 'statistics', write: false },
    ]);
    const read = statements.find((s) => s.Sid === 'ReadQueriedTables')!;
    expect(read.Action).toEqual([...CATALOG_READ_ACTIONS]);
    const readResources = JSON.stringify(read.Resource);
    for (const t of ['lakestep_dev_cleansed/statistics', 'lakestep_dev_cleansed/categories'])
      expect(readResources).toContain(`:table/${t}`);
    const commit = statements.find((s) => s.Sid === 'CommitMaterializedTables')!;
    expect(commit.Action).toEqual([...CATALOG_COMMIT_ACTIONS]);
    expect(JSON.stringify(commit.Resource)).toContain(':table/lakestep_dev_analytics/category_daily');
    const objectGrants = statements.filter((s) => [s.Action].flat().includes('s3:GetObject'));
    const prefixes = objectGrants.map((s) => resolved(s.Resource).match(/"(\/[^"]*\*)"/)?.[1]).sort();
    expect(prefixes).toEqual(['/athena/*', '/categories/*', '/category_daily/*', '/statistics/*']);
  });

  it('logs ALL events, without execution data by default, and traces', () => {
    expect(machine.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(machine.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('includes execution data when the stage settings ask for it', () => {
    const other = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const s = new PipelineStack(other, 'Verbose', { stage: 'dev', settings: { includeExecutionData: true } });
    Template.fromStack(s).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
  });

  it('depends on every task target, which the ASL names by name rather than by reference', () => {
    const deps = (
      Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as {
        DependsOn: string[];
      }
    ).DependsOn;
    for (const type of [
      'AWS::Glue::Job',
      'AWS::Glue::Crawler',
      'AWS::Athena::WorkGroup',
      'AWS::Glue::Table',
    ]) {
      for (const id of Object.keys(template.findResources(type))) expect(deps).toContain(id);
    }
    const stepFunctions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([, f]) =>
      YOUTUBE_TRENDING.steps.some(
        (st) =>
          st.kind === 'lambda' &&
          (f as Resource).Properties.FunctionName ===
            `lakestep-dev-${st.function.handlerFile.replace('.ts', '')}`,
      ),
    );
    // Two steps may share a function (Request region merge / Ask again for the region merge): one each.
    const functionIds = new Set(
      YOUTUBE_TRENDING.steps.flatMap((st) => (st.kind === 'lambda' ? [st.function.id] : [])),
    );
    expect(stepFunctions).toHaveLength(functionIds.size);
    for (const [id] of stepFunctions) expect(deps).toContain(id);
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
    expect(grants[0]!.resources).toHaveLength(new Set(lambdaSteps.map((s) => s.function.id)).size);
    expect(grants.find((g) => g.actions.includes('glue:StartCrawler'))!.resources).toEqual([
      'arn:aws:glue:eu-west-1:123456789012:crawler/lakestep-test-cleansed-crawler',
    ]);
  });
});
