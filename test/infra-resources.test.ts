/**
 * The resources of the stack, with the dev and prod settings of cdk.json: storage, Glue, Athena,
 * Lambdas, trigger and failure capture. One synth per stage, shared by the file; bundling skipped.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LAKE_DEFAULTS, stageOverridesFrom } from '../infra/config';
import { STAGING_PREFIX } from '../infra/lake-buckets';
import { PipelineStack } from '../infra/pipeline-stack';
import { resourceNames } from '../infra/substitutions';
import { STAGES, STATISTICS } from '../workflows/datasets';
import type { LambdaStep } from '../workflows/types';
import { CATEGORY_DAILY, YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'));

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

function synth(stage: 'dev' | 'prod') {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PipelineStack(app, `Test-${stage}`, {
    stage,
    settings: stageOverridesFrom(cdkJson.context['lakestep:stages'], stage),
  });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

const dev = synth('dev');
const prod = synth('prod');
const lambdaSteps = YOUTUBE_TRENDING.steps.filter((s): s is LambdaStep => s.kind === 'lambda');

const byType = (resources: Record<string, Resource>, type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type);
const logicalIdOf = (stack: PipelineStack, construct: { node: { defaultChild?: unknown } }) =>
  stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;

describe('storage', () => {
  const { template, resources, stack } = dev;

  it('has a versioned, S3-encrypted, private bucket per lake stage plus results, and an access-log bucket', () => {
    template.resourceCountIs('AWS::S3::Bucket', STAGES.length + 2);
    for (const [, bucket] of byType(resources, 'AWS::S3::Bucket')) {
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
    const accessLogs = logicalIdOf(stack, stack.buckets.accessLogs);
    for (const [id, bucket] of byType(resources, 'AWS::S3::Bucket')) {
      if (id === accessLogs) continue;
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.LoggingConfiguration).toMatchObject({
        DestinationBucketName: { Ref: accessLogs },
      });
    }
  });

  it('denies non-TLS requests on every bucket', () => {
    const policies = byType(resources, 'AWS::S3::BucketPolicy');
    expect(policies).toHaveLength(STAGES.length + 2);
    for (const [, p] of policies) {
      expect(JSON.stringify(p.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('sends EventBridge notifications from landing only', () => {
    const landing = logicalIdOf(stack, stack.buckets.byStage.landing);
    const notifying = byType(resources, 'AWS::S3::Bucket').filter(
      ([, b]) => b.Properties.NotificationConfiguration !== undefined,
    );
    expect(notifying.map(([id]) => id)).toEqual([landing]);
    expect(notifying[0]![1].Properties.NotificationConfiguration).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
  });

  it('expires noncurrent versions, staged batches after 7 days, and tiers raw objects', () => {
    const rules = (bucket: { node: { defaultChild?: unknown } }) =>
      (resources[logicalIdOf(stack, bucket)]!.Properties.LifecycleConfiguration as { Rules: unknown[] })
        .Rules;
    for (const stage of STAGES) {
      expect(rules(stack.buckets.byStage[stage])).toContainEqual(
        expect.objectContaining({
          NoncurrentVersionExpiration: { NoncurrentDays: 7 },
          Status: 'Enabled',
        }),
      );
    }
    expect(rules(stack.buckets.byStage.cleansed)).toContainEqual(
      expect.objectContaining({
        Prefix: STAGING_PREFIX,
        ExpirationInDays: LAKE_DEFAULTS.stagingExpirationDays,
      }),
    );
    for (const raw of ['landing', 'bronze'] as const) {
      expect(rules(stack.buckets.byStage[raw])).toContainEqual(
        expect.objectContaining({
          Transitions: [
            { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
            { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
          ],
        }),
      );
    }
  });

  it('empties and deletes buckets in dev, retains them in prod', () => {
    expect(byType(dev.resources, 'AWS::S3::Bucket').every(([, b]) => b.DeletionPolicy === 'Delete')).toBe(
      true,
    );
    dev.template.resourceCountIs('Custom::S3AutoDeleteObjects', STAGES.length + 2);
    expect(byType(prod.resources, 'AWS::S3::Bucket').every(([, b]) => b.DeletionPolicy === 'Retain')).toBe(
      true,
    );
    prod.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });
});

describe('Glue', () => {
  const { template } = dev;

  it('creates the cleansed and analytics databases under the stage prefix', () => {
    for (const db of ['lakestep_dev_cleansed', 'lakestep_dev_analytics']) {
      template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: db } });
    }
  });

  it('runs the transform job on Glue 5.0 with the rules module and the transform spec', () => {
    template.hasResourceProperties('AWS::Glue::Job', {
      Name: resourceNames.glueJob('lakestep-dev', 'TransformBatch'),
      GlueVersion: '5.0',
      Command: {
        Name: 'glueetl',
        PythonVersion: '3',
        ScriptLocation: { 'Fn::Sub': Match.stringLikeRegexp('\\.py$') },
      },
      MaxRetries: 0,
      Timeout: 120,
      ExecutionProperty: { MaxConcurrentRuns: 5 },
      SecurityConfiguration: { Ref: Match.anyValue() },
      DefaultArguments: Match.objectLike({
        '--transform_specs': JSON.stringify({ statistics: { ...STATISTICS, format: { kind: 'csv' } } }),
        '--extra-py-files': { 'Fn::Sub': Match.stringLikeRegexp('\\.py$') },
      }),
    });
  });

  it('encrypts Glue logs and bookmarks with the stack key', () => {
    template.hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      Name: 'lakestep-dev-glue',
      EncryptionConfiguration: {
        CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS' },
        JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS' },
        S3Encryptions: [{ S3EncryptionMode: 'SSE-S3' }],
      },
    });
  });

  it('crawls the cleansed dataset prefixes, never the staging area', () => {
    template.hasResourceProperties('AWS::Glue::Crawler', {
      Name: resourceNames.crawler('lakestep-dev', 'Cleansed'),
      DatabaseName: 'lakestep_dev_cleansed',
      CrawlerSecurityConfiguration: { Ref: Match.anyValue() },
      Targets: {
        S3Targets: ['statistics/', 'categories/'].map((prefix) => ({
          Path: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`/${prefix}`])] }),
          Exclusions: [`${STAGING_PREFIX}**`],
        })),
      },
    });
  });

  it('creates category_daily as an Iceberg table with the columns of CATEGORY_DAILY', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'lakestep_dev_analytics',
      OpenTableFormatInput: { IcebergInput: { MetadataOperation: 'CREATE', Version: '2' } },
      TableInput: {
        Name: CATEGORY_DAILY.table,
        TableType: 'EXTERNAL_TABLE',
        StorageDescriptor: {
          Columns: CATEGORY_DAILY.columns.map((c) => ({
            Name: c.name,
            Type: c.type.toLowerCase().replace('varchar', 'string'),
          })),
        },
      },
    });
  });
});

describe('Athena', () => {
  it('enforces engine v3, encrypted results in the results bucket and the stage scan cutoff', () => {
    for (const [{ template, stack }, cutoffMb] of [
      [dev, 1024],
      [prod, 10240],
    ] as const) {
      template.hasResourceProperties('AWS::Athena::WorkGroup', {
        Name: resourceNames.athenaWorkGroup(stack.settings.namePrefix),
        WorkGroupConfiguration: {
          EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
          EnforceWorkGroupConfiguration: true,
          BytesScannedCutoffPerQuery: cutoffMb * 1024 * 1024,
          ResultConfiguration: {
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
            OutputLocation: Match.objectLike({
              'Fn::Join': [
                '',
                ['s3://', { Ref: logicalIdOf(stack, stack.buckets.athenaResults) }, '/athena/'],
              ],
            }),
          },
        },
      });
    }
  });
});

describe('Lambdas', () => {
  const { template, resources } = dev;
  const functions = byType(resources, 'AWS::Lambda::Function').filter(
    ([, f]) => typeof f.Properties.FunctionName === 'string',
  );
  const fn = (name: string) => functions.find(([, f]) => f.Properties.FunctionName === name)?.[1];

  it('deploys one function per Lambda step, sized by its spec, plus the starter, the recorder, the fetch and the API', () => {
    // dev schedules fetches (cdk.json fetchRegions), so the source's fetch function is there too.
    // Two steps may share one function (Request region merge / Ask again for the region merge).
    expect(functions).toHaveLength(new Set(lambdaSteps.map((s) => s.function.id)).size + 4);
    for (const step of lambdaSteps) {
      const f = fn(resourceNames.function('lakestep-dev', step.function.id));
      expect(f?.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: step.function.memoryMb,
        Timeout: step.function.timeoutSeconds,
        TracingConfig: { Mode: 'Active' },
      });
      const env = (f!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      for (const stage of STAGES) expect(env).toHaveProperty(`LAKE_BUCKET_${stage.toUpperCase()}`);
      expect(env).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'lakestep',
        POWERTOOLS_METRICS_NAMESPACE: 'lakestep-dev',
        POWERTOOLS_LOG_LEVEL: 'DEBUG',
      });
    }
  });

  it('gives the starter the state machine ARN and the recorder its table and topics', () => {
    const starter = fn('lakestep-dev-start-execution')!;
    expect(starter.Properties.Environment).toEqual({
      Variables: expect.objectContaining({ STATE_MACHINE_ARN: { Ref: expect.any(String) } }),
    });
    const recorder = fn('lakestep-dev-record-failure')!;
    expect(Object.keys((recorder.Properties.Environment as { Variables: object }).Variables)).toEqual(
      expect.arrayContaining([
        'FAILURES_TABLE',
        'PAGE_TOPIC_ARN',
        'NOTICE_TOPIC_ARN',
        'POWERTOOLS_LOG_LEVEL',
      ]),
    );
  });

  it('uses no managed policies and no wildcard actions in any role', () => {
    for (const [, role] of byType(resources, 'AWS::IAM::Role')) {
      const isCdkProvider = JSON.stringify(role.Properties.ManagedPolicyArns ?? []).includes(
        'AWSLambdaBasicExecutionRole',
      );
      // The only managed policy is on CDK's own auto-delete custom-resource provider (dev only).
      if (isCdkProvider) continue;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const [, policy] of byType(resources, 'AWS::IAM::Policy')) {
      const actions = (
        policy.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }
      ).Statement.flatMap((s) => [s.Action].flat());
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    }
    template.resourceCountIs('AWS::Lambda::Function', functions.length + 1);
  });
});

describe('trigger', () => {
  const { template, stack } = dev;

  it('routes Object Created of the whole landing bucket to the starter, with retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: logicalIdOf(stack, stack.buckets.byStage.landing) }] } },
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: {
            MaximumRetryAttempts: LAKE_DEFAULTS.eventRetryAttempts,
            MaximumEventAgeInSeconds: LAKE_DEFAULTS.eventMaxAgeHours * 3600,
          },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('encrypts its dead-letter queues and accepts TLS only', () => {
    // The trigger's, the failure capture's and the fetch schedules'.
    template.resourceCountIs('AWS::SQS::Queue', 3);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    for (const [, p] of byType(dev.resources, 'AWS::SQS::QueuePolicy')) {
      expect(JSON.stringify(p.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });
});

describe('failure capture', () => {
  const { template } = dev;

  it('sends FAILED, TIMED_OUT and ABORTED executions of this state machine to the recorder', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: Match.anyValue() }] },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() } })],
    });
  });

  it('keeps failures in a table with PITR and encryption, keyed by execution ARN', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'executionArn', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(byType(prod.resources, 'AWS::DynamoDB::Table')[0]![1].DeletionPolicy).toBe('Retain');
  });

  it('pages and notifies through KMS-encrypted, TLS-only topics', () => {
    template.resourceCountIs('AWS::SNS::Topic', 2);
    for (const name of ['lakestep-dev-pages', 'lakestep-dev-notices']) {
      template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: name,
        KmsMasterKeyId: Match.anyValue(),
      });
    }
    for (const [, p] of byType(dev.resources, 'AWS::SNS::TopicPolicy')) {
      expect(JSON.stringify(p.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('subscribes the alert e-mail of the settings to both topics', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new PipelineStack(app, 'Mail', {
      stage: 'dev',
      settings: { alertEmail: 'oncall@example.com' },
    });
    Template.fromStack(stack).resourcePropertiesCountIs(
      'AWS::SNS::Subscription',
      { Protocol: 'email', Endpoint: 'oncall@example.com' },
      2,
    );
  });
});
