/**
 * The analytics API on AWS: an API Gateway REST API (API keys + a usage plan per stage, request
 * validation generated from the API contract, JSON access logs, X-Ray) in front of one Lambda running
 * the same handler core as `lakestep serve`, querying Athena in the stage's workgroup. Its grants are
 * derived from what the queries touch: the one workgroup, the analytics table, the results prefix.
 */
import * as cdk from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { OPENAPI_PATH, ROUTES } from '../handlers/core/api-contract';
import { queryParameters } from '../handlers/core/api-openapi';
import { API_THROTTLED_METRIC, analyticsApiName } from '../workflows/api-alarms';
import { glueArn } from './arns';
import type { PowertoolsLogLevel } from './config';
import { grantLakeAccess, type PrefixAccess } from './lake-access';
import { ATHENA_RESULTS_PREFIX, type LakeBuckets } from './lake-buckets';
import { acknowledge } from './nag';
import { PipelineFunction } from './pipeline-function';
import { CATALOG_READ_ACTIONS } from './pipeline-state-machine';
import { resourceNames } from './substitutions';

export interface AnalyticsApiProps {
  readonly namePrefix: string;
  readonly stageName: string;
  readonly buckets: LakeBuckets;
  readonly workGroupName: string;
  readonly analyticsDatabase: string;
  readonly table: string;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly quotaPerDay: number;
  readonly logLevel: PowertoolsLogLevel;
  readonly logRetentionDays: number;
  readonly removal: 'destroy' | 'retain';
  readonly metricsNamespace: string;
}

/** The Athena calls the Lambda makes, on the one workgroup. */
export const API_ATHENA_ACTIONS = [
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:StopQueryExecution',
] as const;

/** Athena answers an identical query (same SQL and parameters) from a result this young. */
export const RESULT_REUSE_MINUTES = 60;

/** What the API reads and writes in the lake. */
export function apiLakeAccess(table: string): PrefixAccess[] {
  return [
    {
      bucket: 'analytics',
      prefix: `${table}/`,
      objects: ['read'],
      list: true,
      locate: true,
      why: `Athena reads the Iceberg data and metadata files of analytics.${table} under its location`,
    },
    {
      bucket: 'analytics',
      prefix: '_runs/',
      objects: ['read'],
      list: true,
      why: 'the data-health route reads the run summaries',
    },
    {
      bucket: 'quarantine',
      prefix: 'batches/',
      objects: ['read'],
      list: true,
      why: 'the data-health route reads the quarantine records of batches that failed data quality',
    },
    {
      bucket: 'athenaResults',
      prefix: ATHENA_RESULTS_PREFIX,
      objects: ['read', 'write', 'multipart'],
      list: true,
      locate: true,
      why: 'Athena writes each query result file (named by query execution id) under the workgroup output location, and the API reads it back',
    },
  ];
}

const errorTemplate = (code: string, message: string) => ({
  'application/json': JSON.stringify({ error: { code, message } }),
});

export class AnalyticsApi extends Construct {
  public readonly api: apigw.RestApi;
  public readonly handler: PipelineFunction;
  public readonly apiKey: apigw.IApiKey;
  public readonly usagePlan: apigw.UsagePlan;

  constructor(scope: Construct, id: string, props: AnalyticsApiProps) {
    super(scope, id);
    const stack = cdk.Stack.of(this);
    const removalPolicy = props.removal === 'destroy' ? cdk.RemovalPolicy.DESTROY : cdk.RemovalPolicy.RETAIN;

    const cursorSecret = new secretsmanager.Secret(this, 'CursorSecret', {
      description: `${props.namePrefix}: HMAC key of the analytics API's pagination cursors`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy,
    });
    acknowledge(
      cursorSecret,
      'AwsSolutions-SMG4',
      'An HMAC key for pagination cursors, not a credential: rotating it only invalidates cursors in flight; it never leaves the Lambda.',
    );

    this.handler = new PipelineFunction(this, 'Handler', {
      functionName: resourceNames.function(props.namePrefix, 'Api'),
      handlerFile: 'api.ts',
      description: 'Analytics API: the handler core over Athena',
      memoryMb: 512,
      timeoutSeconds: 28, // API Gateway's integration timeout is 29 s
      environment: {
        ATHENA_WORKGROUP: props.workGroupName,
        ANALYTICS_DATABASE: props.analyticsDatabase,
        ANALYTICS_BUCKET: props.buckets.byStage.analytics.bucketName,
        QUARANTINE_BUCKET: props.buckets.byStage.quarantine.bucketName,
        CURSOR_SECRET_ARN: cursorSecret.secretArn,
        RESULT_REUSE_MINUTES: String(RESULT_REUSE_MINUTES),
      },
      logLevel: props.logLevel,
      logRetentionDays: props.logRetentionDays,
      removal: props.removal,
      metricsNamespace: props.metricsNamespace,
    });
    const role = this.handler.role;
    // Only the value: grantRead would add DescribeSecret, which the Lambda never calls (the permission proof).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [cursorSecret.secretArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'QueryInTheWorkGroup',
        actions: [...API_ATHENA_ACTIONS],
        resources: [
          stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workGroupName }),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheAnalyticsTable',
        actions: CATALOG_READ_ACTIONS.filter((a) => a !== 'glue:GetDatabase'),
        resources: [
          glueArn(this, 'catalog'),
          glueArn(this, 'database', props.analyticsDatabase),
          glueArn(this, 'table', `${props.analyticsDatabase}/${props.table}`),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheAnalyticsDatabase',
        actions: ['glue:GetDatabase'],
        resources: [glueArn(this, 'catalog'), glueArn(this, 'database', props.analyticsDatabase)],
      }),
    );
    grantLakeAccess(this, role, props.buckets, apiLakeAccess(props.table));

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    // Throttled and over-quota requests appear only in the access logs: counted for the api-throttles alarm.
    new logs.MetricFilter(this, 'Throttled', {
      logGroup: accessLogs,
      metricNamespace: props.metricsNamespace,
      metricName: API_THROTTLED_METRIC,
      filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
      metricValue: '1',
      defaultValue: 0,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: analyticsApiName(props.namePrefix),
      description: 'lakestep analytics API (docs/api.md, docs/openapi.json)',
      apiKeySourceType: apigw.ApiKeySourceType.HEADER,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stageName,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
        tracingEnabled: true,
        metricsEnabled: true,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
      },
    });
    const validator = this.api.addRequestValidator('Parameters', {
      requestValidatorName: `${props.namePrefix}-parameters`,
      validateRequestParameters: true,
      validateRequestBody: true, // GETs carry no body; cdk-nag (APIG2) wants both checks on
    });
    const integration = new apigw.LambdaIntegration(this.handler.function, { proxy: true });
    for (const route of ROUTES) {
      const resource = this.api.root.resourceForPath(route.path);
      // API Gateway checks presence; the core checks values, with messages naming the parameter.
      const requestParameters = Object.fromEntries(
        queryParameters(route.query).map((p) => [`method.request.querystring.${p.name}`, p.required]),
      );
      resource.addMethod('GET', integration, {
        apiKeyRequired: true,
        requestValidator: validator,
        requestParameters,
        operationName: route.id,
      });
      // Other methods reach the core too, which answers 405 in the API's error shape.
      resource.addMethod('ANY', integration, { apiKeyRequired: true });
    }
    this.api.root.resourceForPath(OPENAPI_PATH).addMethod('GET', integration, { apiKeyRequired: false });
    // An unknown path: the core's 404, naming the routes there are.
    this.api.root.addResource('{proxy+}').addMethod('ANY', integration, { apiKeyRequired: true });

    // API Gateway's own refusals in the same {"error": {code, message}} shape as the core's.
    const responses: [string, apigw.ResponseType, string, string, string][] = [
      [
        'InvalidKey',
        apigw.ResponseType.INVALID_API_KEY,
        '401',
        'unauthorized',
        'Missing or wrong API key: send it in the x-api-key header',
      ],
      [
        'NoKey',
        apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
        '401',
        'unauthorized',
        'Missing API key: send it in the x-api-key header',
      ],
      [
        'BadParameters',
        apigw.ResponseType.BAD_REQUEST_PARAMETERS,
        '400',
        'bad_parameter',
        '$context.error.validationErrorString',
      ],
      [
        'Throttled',
        apigw.ResponseType.THROTTLED,
        '429',
        'throttled',
        'Too many requests for this API key: slow down (the usage plan throttles per second)',
      ],
      [
        'Quota',
        apigw.ResponseType.QUOTA_EXCEEDED,
        '429',
        'quota_exceeded',
        "This API key's daily quota is used up",
      ],
    ];
    for (const [rid, type, statusCode, code, message] of responses)
      this.api.addGatewayResponse(rid, { type, statusCode, templates: errorTemplate(code, message) });

    this.usagePlan = this.api.addUsagePlan('UsagePlan', {
      name: `${props.namePrefix}-analytics`,
      description: 'Per-key throttle and daily quota (cdk.json lakestep:stages)',
      throttle: props.throttle,
      quota: { limit: props.quotaPerDay, period: apigw.Period.DAY },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    this.apiKey = this.api.addApiKey('Key', {
      apiKeyName: `${props.namePrefix}-analytics`,
      description: 'The analytics API key (value: aws apigateway get-api-key --include-value)',
    });
    this.usagePlan.addApiKey(this.apiKey);

    acknowledge(
      this.api,
      'AwsSolutions-APIG4',
      'Callers authenticate with API keys (the contract: x-api-key, a usage plan per key); there are no end users to authorize.',
    );
    acknowledge(
      this.api,
      'AwsSolutions-COG4',
      'No Cognito user pool: the API serves programmatic clients with API keys.',
    );
    acknowledge(
      this.api,
      'AwsSolutions-APIG3',
      'Regional API with API keys, per-key throttling and quotas; a WAF web ACL is an account-level choice left to the deployer.',
    );
    acknowledge(
      this.api,
      'AwsSolutions-APIG6',
      'Execution logging needs the account-wide API Gateway CloudWatch role (a managed policy); JSON access logs and X-Ray traces are on for every method.',
    );

    new cdk.CfnOutput(this, 'Url', { value: this.api.url, description: 'The analytics API base URL' });
    new cdk.CfnOutput(this, 'KeyId', {
      value: this.apiKey.keyId,
      description: 'aws apigateway get-api-key --api-key <id> --include-value --query value --output text',
    });
  }
}
