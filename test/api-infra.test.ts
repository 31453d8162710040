/**
 * The analytics API's AWS resources with the dev and prod settings of cdk.json: REST API with API keys
 * and a usage plan (throttle and quota per stage), request validation from the contract, JSON access
 * logs, the error shape on API Gateway's own refusals, and a Lambda whose grants stop at the one
 * workgroup, the analytics table and the results prefix, with no wildcard action.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ROUTES } from '../handlers/core/api-contract';
import { API_ATHENA_ACTIONS } from '../infra/api';
import { stageOverridesFrom } from '../infra/config';
import { PipelineStack } from '../infra/pipeline-stack';

const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'));
const stages = cdkJson.context['lakestep:stages'];

function synth(stage: 'dev' | 'prod') {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PipelineStack(app, `Api-${stage}`, {
    stage,
    settings: stageOverridesFrom(stages, stage),
  });
  return { stack, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Sid?: string };

describe.each(['dev', 'prod'] as const)('analytics API in %s', (stage) => {
  const { stack, template } = synth(stage);
  const settings = stages[stage];

  it('has a usage plan with the stage’s throttle and daily quota, and one API key in it', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: settings.apiThrottleRateLimit, BurstLimit: settings.apiThrottleBurstLimit },
      Quota: { Limit: settings.apiQuotaPerDay, Period: 'DAY' },
    });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'HEADER' });
  });

  it('logs every request as JSON and traces it', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: stage,
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"status"') },
    });
  });

  it('requires the key and validates the contract’s required parameters on every route', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestParameters: true });
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map(
      (r) =>
        r.Properties as {
          HttpMethod: string;
          ApiKeyRequired?: boolean;
          RequestParameters?: Record<string, boolean>;
          OperationName?: string;
        },
    );
    for (const route of ROUTES.filter((r) => r.id !== 'regions')) {
      const get = methods.find((m) => m.OperationName === route.id);
      expect(get).toMatchObject({ HttpMethod: 'GET', ApiKeyRequired: true });
      expect(get?.RequestParameters?.['method.request.querystring.region']).toBe(route.id !== 'dataHealth');
    }
    expect(methods.find((m) => m.OperationName === 'categoryDaily')?.RequestParameters).toEqual({
      'method.request.querystring.region': true,
      'method.request.querystring.from': false,
      'method.request.querystring.to': false,
      'method.request.querystring.category_id': false,
      'method.request.querystring.limit': false,
      'method.request.querystring.cursor': false,
    });
    // Only the OpenAPI document is open.
    expect(methods.filter((m) => m.ApiKeyRequired !== true)).toHaveLength(1);
  });

  it('answers API Gateway’s own refusals in the API’s error shape', () => {
    for (const [type, status, code] of [
      ['INVALID_API_KEY', '401', 'unauthorized'],
      ['BAD_REQUEST_PARAMETERS', '400', 'bad_parameter'],
      ['THROTTLED', '429', 'throttled'],
      ['QUOTA_EXCEEDED', '429', 'quota_exceeded'],
    ])
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: status,
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp(`"code":"${code}"`) },
      });
  });

  it('grants the Lambda Athena on the one workgroup, the analytics table and prefixes, no wildcard action', () => {
    if (!stack.api) throw new Error("the built-in workflow's stack has the analytics API");
    const role = stack.resolve(
      (stack.api.handler.role.node.defaultChild as unknown as { logicalId: string }).logicalId,
    );
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    const athena = statements.find((s) => s.Sid === 'QueryInTheWorkGroup');
    expect([athena?.Action].flat().sort()).toEqual([...API_ATHENA_ACTIONS].sort());
    expect(JSON.stringify(athena?.Resource)).toContain(`:workgroup/lakestep-${stage}-workgroup`);
    const glue = statements.find((s) => s.Sid === 'ReadTheAnalyticsTable');
    expect(JSON.stringify(glue?.Resource)).toContain(`table/lakestep_${stage}_analytics/category_daily`);
    expect([glue?.Action ?? []].flat().every((a) => /^glue:(Get|BatchGet)/.test(a))).toBe(true);
    const writes = statements.filter((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]?.Resource)).toContain('/athena/*');
    expect(actions).toContain('secretsmanager:GetSecretValue');
  });

  it('runs the Lambda with the workgroup, database and buckets it queries', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `lakestep-${stage}-api`,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          ATHENA_WORKGROUP: `lakestep-${stage}-workgroup`,
          ANALYTICS_DATABASE: `lakestep_${stage}_analytics`,
          POWERTOOLS_SERVICE_NAME: 'lakestep',
        }),
      },
    });
  });
});

describe('QuickSight (opt-in per stage)', () => {
  const PRINCIPAL = 'arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst';

  it('is absent unless the stage names a principal', () => {
    for (const stage of ['dev', 'prod'] as const) {
      const { template } = synth(stage);
      template.resourceCountIs('AWS::QuickSight::DataSource', 0);
      template.resourceCountIs('AWS::QuickSight::Dashboard', 0);
    }
  });

  it('builds an Athena source in the workgroup, a data set over category_daily and a dashboard, for that principal only', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const settings = { ...(stageOverridesFrom(stages, 'dev') as object), quicksightPrincipalArn: PRINCIPAL };
    const stack = new PipelineStack(app, 'Qs-dev', { stage: 'dev', settings });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::QuickSight::DataSource', {
      Type: 'ATHENA',
      DataSourceParameters: { AthenaParameters: { WorkGroup: 'lakestep-dev-workgroup' } },
    });
    template.hasResourceProperties('AWS::QuickSight::DataSet', {
      ImportMode: 'DIRECT_QUERY',
      PhysicalTableMap: {
        category_daily: {
          RelationalTable: Match.objectLike({ Schema: 'lakestep_dev_analytics', Name: 'category_daily' }),
        },
      },
    });
    const dashboards = Object.values(template.findResources('AWS::QuickSight::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const visuals = JSON.stringify(dashboards[0]?.Properties.Definition);
    for (const v of ['views-per-day-by-category', 'top-categories', 'regions-side-by-side'])
      expect(visuals).toContain(v);
    for (const type of [
      'AWS::QuickSight::DataSource',
      'AWS::QuickSight::DataSet',
      'AWS::QuickSight::Dashboard',
    ])
      for (const r of Object.values(template.findResources(type)))
        expect((r.Properties.Permissions as { Principal: string }[]).map((p) => p.Principal)).toEqual([
          PRINCIPAL,
        ]);
  });

  it('refuses a principal that is not a QuickSight user or group ARN, naming the setting', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(
      () => new PipelineStack(app, 'Qs-bad', { stage: 'dev', settings: { quicksightPrincipalArn: 'alice' } }),
    ).toThrow(/quicksightPrincipalArn must be a QuickSight user or group ARN/);
  });
});
