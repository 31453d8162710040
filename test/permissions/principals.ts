/**
 * THE REGISTRY: every principal of the stack and the AWS calls it makes, one entry each. A role in the
 * template without an entry fails the proof. To add one (a fetch or API Lambda, a new job), append an
 * entry: `lambdaPrincipal(...)` for a function whose core runs on the recording ports, or
 * `{ name, identity, calls }` with calls derived from real local runs or a declared I/O.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordFailure } from '../../handlers/core/record-failure';
import { startExecutionForObject } from '../../handlers/core/start-execution';
import { RECORDER_FUNCTION, STARTER_FUNCTION } from '../../infra/pipeline-functions';
import { resourceNames, tablesQueriedBy } from '../../infra/substitutions';
import { RESOURCES } from '../../workflows/render-asl';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending';
import { type AwsCall, S3_REQUESTS, s3Bucket, s3Object, stamp } from './calls';
import type { Deployed } from './deployed';
import type { LocalObservations } from './local-runs';
import { ACCOUNT, type Json, REGION } from './template';

export interface ProofInput {
  readonly deployed: Deployed;
  readonly observed: LocalObservations;
}

/** Who makes the calls: an IAM role of the stack (by logical id), or a service under a resource policy. */
export type Identity = { readonly role: string } | { readonly service: string };

export interface PrincipalEntry {
  readonly name: string;
  /** null: the principal is not part of this stage's stack (e.g. a destroy-only helper). */
  readonly identity: (d: Deployed) => Identity | null;
  readonly calls: (p: ProofInput) => AwsCall[] | Promise<AwsCall[]>;
}

const NOOP_LOG = { info() {}, warn() {}, error() {} };
const NOOP_METRICS = { addDimensions() {}, addMetric() {}, publishStoredMetrics() {} };

/** What the Lambda service does with a function's role: its log group, and X-Ray with active tracing. */
function lambdaRuntimeCalls(d: Deployed, functionName: string): AwsCall[] {
  const props = d.resource(d.functionId(functionName));
  const group = props.LoggingConfig
    ? d.resolver.string((props.LoggingConfig as { LogGroup: Json }).LogGroup)
    : `/aws/lambda/${functionName}`;
  const stream = d.arn('logs', `log-group:${group}:log-stream:2026/12/01/[$LATEST]0123456789abcdef`);
  const calls: AwsCall[] = [
    { action: 'logs:CreateLogStream', resource: stream, because: 'Lambda opens a log stream per instance' },
    { action: 'logs:PutLogEvents', resource: stream, because: 'Lambda writes the function log' },
  ];
  // An asynchronous invocation that still fails goes to the on-failure destination, sent with the role.
  for (const [, r] of Object.entries(d.template.Resources)) {
    if (
      r.Type !== 'AWS::Lambda::EventInvokeConfig' ||
      d.resolver.string(r.Properties?.FunctionName as Json) !== functionName
    )
      continue;
    const target = (r.Properties?.DestinationConfig as { OnFailure?: { Destination: Json } })?.OnFailure
      ?.Destination;
    if (target)
      calls.push({
        action: 'sqs:SendMessage',
        resource: d.resolver.string(target),
        because: 'a failed asynchronous invocation goes to its on-failure queue',
      });
  }
  if ((props.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active')
    for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'])
      calls.push({ action, resource: '*', because: 'active tracing: the Lambda runtime sends segments' });
  return stamp(calls);
}

/** A call recorded on the local lake, its bucket (a stage directory) replaced by the stack's bucket. */
function withDeployedBucket(d: Deployed, c: AwsCall): AwsCall {
  const m = /^arn:aws:s3:::([^/]+)(.*)$/.exec(c.resource);
  return m ? { ...c, resource: `arn:aws:s3:::${d.bucket(m[1] as string)}${m[2]}` } : c;
}

/** The deployed function name of a Lambda step, from the ASL substitution `${<id>FunctionArn}`. */
function stepFunctionName(d: Deployed, functionId: string): string {
  const arn = d.substitutions[`${functionId}FunctionArn`];
  if (!arn) throw new Error(`no substitution for \${${functionId}FunctionArn}`);
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** A Lambda step's function: its core ran on the recording storage in every local execution. */
export function lambdaPrincipal(functionId: string): PrincipalEntry {
  return {
    name: `${functionId} Lambda`,
    identity: (d) => ({ role: d.roleIn(d.functionId(stepFunctionName(d, functionId)), 'Role') }),
    calls: ({ deployed, observed }) => [
      ...(observed.functionCalls.get(functionId) ?? []).map((c) => withDeployedBucket(deployed, c)),
      ...lambdaRuntimeCalls(deployed, stepFunctionName(deployed, functionId)),
    ],
  };
}

const starterName = (d: Deployed) => resourceNames.function(d.stack.settings.namePrefix, STARTER_FUNCTION.id);
const recorderName = (d: Deployed) =>
  resourceNames.function(d.stack.settings.namePrefix, RECORDER_FUNCTION.id);

/** The starter's core, driven by the Object Created event of every object the local runs landed (twice: a duplicate). */
async function starterCalls({ deployed, observed }: ProofInput): Promise<AwsCall[]> {
  const env = deployed.environment(starterName(deployed));
  const calls: AwsCall[] = [];
  const starter = {
    async start(name: string) {
      calls.push(
        ...stamp([
          {
            action: 'states:StartExecution',
            resource: env.STATE_MACHINE_ARN ?? '',
            because: `StartExecution ${name}`,
          },
        ]),
      );
      return calls.length % 2
        ? ({ status: 'started', executionArn: `${env.STATE_MACHINE_ARN}:${name}` } as const)
        : ({ status: 'duplicate' } as const);
    },
  };
  for (const o of observed.landed) {
    const event = {
      source: 'aws.s3' as const,
      'detail-type': 'Object Created' as const,
      detail: {
        bucket: { name: deployed.bucket('landing') },
        object: { key: o.key, etag: o.md5, sequencer: o.sequencer },
      },
    };
    for (let i = 0; i < 2; i++)
      await startExecutionForObject(event, { starter, log: NOOP_LOG, metrics: NOOP_METRICS });
  }
  return [...calls, ...lambdaRuntimeCalls(deployed, starterName(deployed))];
}

/** The recorder's core, driven by the status-change event of every execution that ended unsuccessfully. */
async function recorderCalls({ deployed, observed }: ProofInput): Promise<AwsCall[]> {
  const env = deployed.environment(recorderName(deployed));
  const calls: AwsCall[] = [];
  const record = (c: AwsCall[]) => calls.push(...stamp(c));
  const key = deployed.keyArn();
  const machine = deployed.stateMachineArn;
  const failed = observed.executions.filter(
    (e) => e.record.status !== 'SUCCEEDED' && e.record.status !== 'RUNNING',
  );
  for (const [i, { record: r, summary }] of failed.entries()) {
    const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${r.name}`;
    const failedState = summary.states.find((s) => s.status === 'FAILED')?.name;
    const history = {
      async *newestFirst(arn: string) {
        record([{ action: 'states:GetExecutionHistory', resource: arn, because: 'finds the failed state' }]);
        yield [
          {
            id: 2,
            previousEventId: 1,
            type: 'ExecutionFailed',
            error: r.error ?? undefined,
            cause: r.cause ?? undefined,
          },
          { id: 1, type: 'TaskStateEntered', stateName: failedState },
        ];
      },
      async input(arn: string) {
        record([
          {
            action: 'states:GetExecutionHistory',
            resource: arn,
            because: "reads the execution's input (event without it)",
          },
        ]);
        return JSON.stringify(r.input);
      },
    };
    await recordFailure(
      {
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        region: 'eu-west-1',
        detail: {
          executionArn,
          stateMachineArn: machine,
          name: r.name,
          status: r.status as 'FAILED',
          error: r.error,
          cause: r.cause,
          // Every other event arrives without its input (EventBridge drops inputs over its size limit).
          input: i % 2 ? JSON.stringify(r.input) : undefined,
        },
      },
      {
        history,
        store: {
          async put() {
            record([
              {
                action: 'dynamodb:PutItem',
                resource: deployed.arn('dynamodb', `table/${env.FAILURES_TABLE}`),
                because: 'PutItem keyed by execution ARN',
              },
            ]);
          },
        },
        alerts: {
          async publish(topicArn: string) {
            record([
              { action: 'sns:Publish', resource: topicArn, because: 'pages or notifies' },
              // A KMS-encrypted topic: the publisher's own permission on the key (SNS SSE docs).
              { action: 'kms:GenerateDataKey', resource: key, because: 'Publish to a KMS-encrypted topic' },
              { action: 'kms:Decrypt', resource: key, because: 'Publish to a KMS-encrypted topic' },
            ]);
          },
        },
        topics: { page: env.PAGE_TOPIC_ARN ?? '', notice: env.NOTICE_TOPIC_ARN ?? '' },
        log: NOOP_LOG,
        metrics: NOOP_METRICS,
        clock: { now: () => new Date() },
      },
    );
  }
  return [...calls, ...lambdaRuntimeCalls(deployed, recorderName(deployed))];
}

interface TaskInput {
  FunctionName?: string;
  JobName?: string;
  Name?: string;
  WorkGroup?: string;
  Arguments?: Record<string, string>;
}

/**
 * The state machine's calls: each Task invocation of the local runs (same ASL) as the service
 * integration makes it (Step Functions' documented IAM for each: .sync polls Glue and Athena, so no
 * EventBridge managed rule), Athena's catalog and S3 access for the SQL's tables, logging and tracing.
 */
function stateMachineCalls({ deployed: d, observed }: ProofInput): AwsCall[] {
  const calls: AwsCall[] = [];
  const glue = (what: string, name: string) => d.arn('glue', `${what}/${name}`);
  for (const { record, tasks } of observed.executions) {
    for (const t of tasks) {
      const input = t.input as TaskInput;
      const why = `"${t.statePath}" of ${record.name}`;
      switch (t.resource) {
        case RESOURCES.lambdaInvoke:
          calls.push({
            action: 'lambda:InvokeFunction',
            resource: d.name(input.FunctionName ?? ''),
            because: why,
          });
          break;
        case RESOURCES.glueStartJobRunSync: {
          const job = glue('job', d.name(input.JobName ?? ''));
          calls.push(
            { action: 'glue:StartJobRun', resource: job, because: why },
            { action: 'glue:GetJobRun', resource: job, because: `${why}: .sync polls the run` },
            { action: 'glue:GetJobRuns', resource: job, because: `${why}: .sync (documented grant)` },
            {
              action: 'glue:BatchStopJobRun',
              resource: job,
              because: `${why}: stops the run when the execution stops`,
            },
          );
          break;
        }
        case RESOURCES.glueStartCrawler:
          calls.push({
            action: 'glue:StartCrawler',
            resource: glue('crawler', d.name(input.Name ?? '')),
            because: why,
          });
          break;
        case RESOURCES.glueGetCrawler:
          calls.push({
            action: 'glue:GetCrawler',
            resource: glue('crawler', d.name(input.Name ?? '')),
            because: why,
          });
          break;
        case RESOURCES.athenaStartQueryExecutionSync:
          calls.push(...athenaQueryCalls(d, observed, d.name(input.WorkGroup ?? ''), why));
          break;
        default:
          throw new Error(
            `${why}: integration ${t.resource} has no call model in test/permissions/principals.ts`,
          );
      }
    }
  }
  const machine = d.resource(d.stateMachineId);
  if (machine.LoggingConfiguration)
    for (const action of [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ])
      calls.push({
        action,
        resource: '*',
        because: 'logging to CloudWatch Logs (Step Functions documents these; no resource-level permissions)',
      });
  if ((machine.TracingConfiguration as { Enabled?: boolean } | undefined)?.Enabled)
    for (const action of [
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ])
      calls.push({ action, resource: '*', because: 'X-Ray tracing (Step Functions documents these)' });
  return stamp(calls);
}

/**
 * One Athena query from the Materialize state: the query calls on the workgroup, then what Athena does
 * with the caller's credentials: the catalog and files of every table the SQL names (the materialized
 * Iceberg table is committed to) and the result file under the workgroup's output location.
 */
function athenaQueryCalls(
  d: Deployed,
  observed: LocalObservations,
  workGroupName: string,
  why: string,
): AwsCall[] {
  const workGroup = d.arn('athena', `workgroup/${workGroupName}`);
  const queryId = '0a1b2c3d-0000-4000-8000-000000000000';
  const calls: AwsCall[] = [
    { action: 'athena:StartQueryExecution', resource: workGroup, because: why },
    { action: 'athena:GetQueryExecution', resource: workGroup, because: `${why}: .sync polls the query` },
    {
      action: 'athena:StopQueryExecution',
      resource: workGroup,
      because: `${why}: stops the query when the execution stops`,
    },
  ];
  const catalog = d.arn('glue', 'catalog');
  for (const t of tablesQueriedBy(YOUTUBE_TRENDING)) {
    const db = d.substitutions[t.database] ?? '';
    const onTable = [catalog, d.arn('glue', `database/${db}`), d.arn('glue', `table/${db}/${t.table}`)];
    const actions = t.write
      ? ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable']
      : [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetPartitions',
          'glue:GetPartition',
          'glue:BatchGetPartition',
        ];
    for (const action of actions)
      for (const resource of action === 'glue:GetDatabase' ? onTable.slice(0, 2) : onTable)
        calls.push({
          action,
          resource,
          because: `${why}: Athena reads ${t.database}.${t.table} in the catalog${t.write ? ' and commits to it' : ''}`,
        });
    const bucket = d.bucket(t.database);
    calls.push(
      {
        action: 's3:GetBucketLocation',
        resource: s3Bucket(bucket),
        because: `${why}: Athena locates ${bucket}`,
      },
      ...S3_REQUESTS.list(bucket, `${t.table}/`).map((c) => ({
        ...c,
        because: `${why}: Athena lists ${t.table}/`,
      })),
    );
    const files = t.write
      ? [`${t.table}/metadata/00001-${queryId}.metadata.json`, `${t.table}/data/${queryId}.parquet`]
      : observed.cleansedKeys.filter((k) => k.startsWith(`${t.table}/`));
    for (const key of files) {
      calls.push({
        action: 's3:GetObject',
        resource: s3Object(bucket, key),
        because: `${why}: Athena reads ${key}`,
      });
      if (t.write)
        calls.push(
          {
            action: 's3:PutObject',
            resource: s3Object(bucket, key),
            because: `${why}: the Iceberg commit writes ${key}`,
          },
          {
            action: 's3:AbortMultipartUpload',
            resource: s3Object(bucket, key),
            because: `${why}: a large Iceberg file is uploaded in parts`,
          },
          {
            action: 's3:ListMultipartUploadParts',
            resource: s3Object(bucket, key),
            because: `${why}: a large Iceberg file is uploaded in parts`,
          },
        );
    }
  }
  const results = d.bucket('athenaResults');
  const output = (
    d.resource(d.find('AWS::Athena::WorkGroup', 'Name', workGroupName)).WorkGroupConfiguration as {
      ResultConfiguration: { OutputLocation: Json };
    }
  ).ResultConfiguration.OutputLocation;
  const prefix = d.resolver.string(output).replace(/^s3:\/\/[^/]+\//, '');
  calls.push(
    {
      action: 's3:GetBucketLocation',
      resource: s3Bucket(results),
      because: `${why}: Athena checks the output location`,
    },
    ...S3_REQUESTS.list(results, prefix).map((c) => ({
      ...c,
      because: `${why}: Athena checks the output location`,
    })),
  );
  for (const key of [`${prefix}${queryId}.csv`, `${prefix}${queryId}.csv.metadata`])
    for (const action of [
      's3:PutObject',
      's3:GetObject',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
    ])
      calls.push({
        action,
        resource: s3Object(results, key),
        because: `${why}: Athena writes the query result ${key}`,
      });
  return calls;
}

/** boto3 calls glue/transform_batch.py makes; a new one fails the proof until the model below knows it. */
const GLUE_SCRIPT_S3_CALLS = ['get_object', 'put_object', 'get_paginator', 'delete_objects'];

/**
 * The transform job's calls, from the script's declared I/O and each local run's job arguments: the
 * script and rules assets, get_object of the bronze original, Spark's overwrite of `<prefix>data/`
 * (and `rejected/`, or delete_prefix of it), put_object of the summary, logs and the security key.
 */
function glueJobCalls({ deployed: d, observed }: ProofInput): AwsCall[] {
  const script = readFileSync(join(__dirname, '..', '..', 'glue', 'transform_batch.py'), 'utf8');
  for (const [, op] of script.matchAll(/\bs3\.(\w+)\(/g))
    if (!GLUE_SCRIPT_S3_CALLS.includes(op as string))
      throw new Error(`glue/transform_batch.py calls s3.${op}, which the permission proof does not model`);
  const jobId = d.find('AWS::Glue::Job', 'Name', d.substitutions.TransformBatchJobName ?? '');
  const job = d.resource(jobId);
  const calls: AwsCall[] = [];
  const assets = [
    d.resolver.string((job.Command as { ScriptLocation: Json }).ScriptLocation),
    d.resolver.string((job.DefaultArguments as Record<string, Json>)['--extra-py-files'] as Json),
  ];
  for (const url of assets)
    calls.push({
      action: 's3:GetObject',
      resource: d.s3UrlArn(url),
      because: 'Glue loads the script and the rules module',
    });
  for (const { tasks } of observed.executions) {
    for (const t of tasks) {
      if (t.resource !== RESOURCES.glueStartJobRunSync) continue;
      const a = (t.input as TaskInput).Arguments ?? {};
      const bronze = d.bucket(a['--bronze_bucket'] ?? '');
      const staging = d.bucket(a['--staging_bucket'] ?? '');
      const prefix = a['--staging_prefix'] ?? '';
      calls.push({
        action: 's3:GetObject',
        resource: s3Object(bronze, a['--bronze_key'] ?? ''),
        because: 'get_object of the bronze original',
      });
      for (const dir of ['data/', 'rejected/']) {
        // write.mode("overwrite").parquet(dir): Spark lists and HEADs the (maybe missing) path, deletes
        // what is there, writes part files through _temporary/ and renames (copy + delete) them.
        const part = `${prefix}${dir}part-00000.snappy.parquet`;
        const temp = `${prefix}${dir}_temporary/0/part-00000.snappy.parquet`;
        calls.push(
          ...S3_REQUESTS.list(staging, `${prefix}${dir}`),
          ...S3_REQUESTS.head({ bucket: staging, key: `${prefix}${dir.slice(0, -1)}` }),
          {
            action: 's3:GetBucketLocation',
            resource: s3Bucket(staging),
            because: 'Spark locates the output bucket',
          },
          ...S3_REQUESTS.write({ bucket: staging, key: temp }),
          ...S3_REQUESTS.copy({ bucket: staging, key: temp }, { bucket: staging, key: part }),
          ...S3_REQUESTS.delete({ bucket: staging, key: temp }),
          ...S3_REQUESTS.delete({ bucket: staging, key: part }),
          {
            action: 's3:AbortMultipartUpload',
            resource: s3Object(staging, temp),
            because: 'Spark uploads large part files in parts; a failed task aborts',
          },
          {
            action: 's3:ListMultipartUploadParts',
            resource: s3Object(staging, temp),
            because: 'Spark uploads large part files in parts',
          },
        );
      }
      calls.push(...S3_REQUESTS.write({ bucket: staging, key: `${prefix}summary.json` }));
    }
  }
  calls.push(
    ...glueRuntimeCalls(
      d,
      d.roleIn(jobId, 'Role'),
      d.resolver.string(job.SecurityConfiguration as Json),
      'job',
    ),
  );
  return stamp(calls);
}

/** Logs under the security configuration (log groups named by Glue) and the key it encrypts them with. */
function glueRuntimeCalls(
  d: Deployed,
  roleId: string,
  securityConfiguration: string,
  kind: 'job' | 'crawler',
): AwsCall[] {
  const role = d.resolver.ref(roleId);
  const groups =
    kind === 'job'
      ? [
          `/aws-glue/jobs/${securityConfiguration}-role/${role}/output`,
          `/aws-glue/jobs/${securityConfiguration}-role/${role}/error`,
          `/aws-glue/jobs/logs-v2-${securityConfiguration}`,
        ]
      : [`/aws-glue/crawlers-role/${role}-${securityConfiguration}`];
  const calls: AwsCall[] = [];
  for (const g of groups) {
    const group = d.arn('logs', `log-group:${g}`);
    calls.push(
      { action: 'logs:CreateLogGroup', resource: group, because: `Glue creates ${g}` },
      {
        action: 'logs:AssociateKmsKey',
        resource: group,
        because: `Glue encrypts ${g} with the security configuration's key`,
      },
      {
        action: 'logs:CreateLogStream',
        resource: `${group}:log-stream:jr_0123`,
        because: `Glue opens a stream per run in ${g}`,
      },
      { action: 'logs:PutLogEvents', resource: `${group}:log-stream:jr_0123`, because: `Glue writes ${g}` },
    );
  }
  for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'])
    calls.push({
      action,
      resource: d.keyArn(),
      because: "the security configuration's key (Glue's encryption docs: the role uses it)",
    });
  return calls;
}

/** The crawler: each crawl a local run started reads the targets' files and keeps their tables. */
function crawlerCalls({ deployed: d, observed }: ProofInput): AwsCall[] {
  const crawlerId = d.find('AWS::Glue::Crawler', 'Name', d.substitutions.CleansedCrawlerName ?? '');
  const crawler = d.resource(crawlerId);
  const crawls = observed.executions
    .flatMap((e) => e.tasks)
    .filter((t) => t.resource === RESOURCES.glueStartCrawler && !t.error).length;
  if (crawls === 0) throw new Error('no local run started a crawl: the crawler has nothing to prove');
  const db = d.resolver.string(crawler.DatabaseName as Json);
  const catalog = d.arn('glue', 'catalog');
  const calls: AwsCall[] = [
    { action: 'glue:GetDatabase', resource: catalog, because: 'the crawler reads its database' },
    {
      action: 'glue:GetDatabase',
      resource: d.arn('glue', `database/${db}`),
      because: 'the crawler reads its database',
    },
  ];
  for (const target of (crawler.Targets as { S3Targets: { Path: Json }[] }).S3Targets) {
    const url = d.resolver.string(target.Path);
    const [, bucket = '', prefix = ''] = /^s3:\/\/([^/]+)\/(.*)$/.exec(url) ?? [];
    const table = prefix.replace(/\/$/, '');
    calls.push(
      { action: 's3:GetBucketLocation', resource: s3Bucket(bucket), because: `the crawler locates ${url}` },
      ...S3_REQUESTS.list(bucket, prefix),
      ...observed.cleansedKeys
        .filter((k) => k.startsWith(prefix))
        .map((k) => ({
          action: 's3:GetObject',
          resource: s3Object(bucket, k),
          because: `the crawler reads ${k}`,
        })),
    );
    const tableArns = [catalog, d.arn('glue', `database/${db}`), d.arn('glue', `table/${db}/${table}`)];
    for (const action of [
      'glue:GetTable',
      'glue:GetTables',
      'glue:CreateTable',
      'glue:UpdateTable',
      'glue:GetPartitions',
      'glue:BatchGetPartition',
      'glue:BatchCreatePartition',
      'glue:BatchUpdatePartition',
    ])
      for (const resource of action === 'glue:GetTables' ? tableArns : tableArns)
        calls.push({ action, resource, because: `the crawler keeps ${db}.${table} and its partitions` });
  }
  calls.push(
    ...glueRuntimeCalls(
      d,
      d.roleIn(crawlerId, 'Role'),
      d.resolver.string(crawler.CrawlerSecurityConfiguration as Json),
      'crawler',
    ),
  );
  return stamp(calls);
}

/** CloudWatch alarms publish to the encrypted alert topics as the CloudWatch service. */
function cloudWatchAlarmCalls({ deployed: d }: ProofInput): AwsCall[] {
  const alarms = Object.entries(d.template.Resources).filter(
    ([, r]) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties?.AlarmActions,
  );
  return stamp(
    alarms.flatMap(([id, r]) =>
      ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
        action,
        resource: d.keyArn(),
        context: {
          'aws:SourceAccount': ACCOUNT,
          'aws:SourceArn': d.arn(
            'cloudwatch',
            `alarm:${d.resolver.string((r.Properties?.AlarmName as Json) ?? id)}`,
          ),
        },
        because: `alarm ${id} notifies an encrypted topic`,
      })),
    ),
  );
}

/** CloudWatch Logs encrypts the Glue log groups with the key, naming the group in the encryption context. */
function cloudWatchLogsCalls({ deployed: d }: ProofInput): AwsCall[] {
  const job = d.resource(d.find('AWS::Glue::Job', 'Name', d.substitutions.TransformBatchJobName ?? ''));
  const group = d.arn(
    'logs',
    `log-group:/aws-glue/jobs/logs-v2-${d.resolver.string(job.SecurityConfiguration as Json)}`,
  );
  return stamp(
    ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'].map((action) => ({
      action,
      resource: d.keyArn(),
      context: { 'kms:EncryptionContext:aws:logs:arn': group, 'aws:SourceAccount': ACCOUNT },
      because: 'CloudWatch Logs encrypts a Glue log group',
    })),
  );
}

/** S3 server access logging delivers each lake bucket's log to the log bucket, naming the source bucket. */
function accessLogCalls({ deployed: d }: ProofInput): AwsCall[] {
  const calls: AwsCall[] = [];
  for (const [id, r] of Object.entries(d.template.Resources)) {
    const logging =
      r.Type === 'AWS::S3::Bucket'
        ? (r.Properties?.LoggingConfiguration as
            | { DestinationBucketName: Json; LogFilePrefix?: string }
            | undefined)
        : undefined;
    if (!logging) continue;
    const target = d.resolver.string(logging.DestinationBucketName);
    calls.push({
      action: 's3:PutObject',
      resource: s3Object(target, `${logging.LogFilePrefix ?? ''}2026-12-01-00-00-00-0123456789ABCDEF`),
      context: { 'aws:SourceArn': s3Bucket(d.resolver.ref(id)), 'aws:SourceAccount': ACCOUNT },
      because: `server access log of ${id}`,
    });
  }
  return stamp(calls);
}

/** EventBridge sends an event its target did not take to the target's dead-letter queue. */
function eventBridgeCalls({ deployed: d }: ProofInput): AwsCall[] {
  const calls: AwsCall[] = [];
  for (const [id, r] of Object.entries(d.template.Resources)) {
    if (r.Type !== 'AWS::Events::Rule') continue;
    for (const t of (r.Properties?.Targets as { DeadLetterConfig?: { Arn: Json } }[]) ?? [])
      if (t.DeadLetterConfig)
        calls.push({
          action: 'sqs:SendMessage',
          resource: d.resolver.string(t.DeadLetterConfig.Arn),
          context: { 'aws:SourceArn': d.resolver.getAtt(id, 'Arn') },
          because: `rule ${id}: an event its target did not take`,
        });
  }
  return stamp(calls);
}

/** The function behind CDK's Custom::S3AutoDeleteObjects (stages with removal `destroy`), if any. */
function autoDeleteProvider(d: Deployed): string | null {
  const custom = Object.values(d.template.Resources).find((r) => r.Type === 'Custom::S3AutoDeleteObjects');
  const token = custom?.Properties?.ServiceToken as { 'Fn::GetAtt'?: string[] } | undefined;
  return token?.['Fn::GetAtt']?.[0] ?? null;
}

/**
 * CDK's auto-delete handler, on stack deletion, per bucket it is attached to: reads the bucket's tags,
 * puts a policy that stops new writes, lists the object versions and deletes them (CDK's
 * aws-s3/lib/auto-delete-objects-handler); the Lambda service writes its log (AWSLambdaBasicExecutionRole).
 */
function autoDeleteCalls({ deployed: d }: ProofInput): AwsCall[] {
  const provider = autoDeleteProvider(d);
  if (!provider) return [];
  const calls: AwsCall[] = [];
  for (const [id, r] of Object.entries(d.template.Resources)) {
    if (r.Type !== 'Custom::S3AutoDeleteObjects') continue;
    const bucket = d.resolver.string(r.Properties?.BucketName as Json);
    const why = `stack deletion empties ${bucket} (${id})`;
    calls.push(
      { action: 's3:GetBucketTagging', resource: s3Bucket(bucket), because: why },
      { action: 's3:PutBucketPolicy', resource: s3Bucket(bucket), because: why },
      { action: 's3:ListBucketVersions', resource: s3Bucket(bucket), because: why },
      { action: 's3:DeleteObject', resource: s3Object(bucket, 'any/key'), because: why },
      { action: 's3:DeleteObjectVersion', resource: s3Object(bucket, 'any/key'), because: why },
    );
  }
  const group = `/aws/lambda/${d.resolver.ref(provider)}`;
  calls.push(
    {
      action: 'logs:CreateLogGroup',
      resource: d.arn('logs', `log-group:${group}`),
      because: 'the provider function logs',
    },
    {
      action: 'logs:CreateLogStream',
      resource: d.arn('logs', `log-group:${group}:log-stream:x`),
      because: 'the provider function logs',
    },
    {
      action: 'logs:PutLogEvents',
      resource: d.arn('logs', `log-group:${group}:log-stream:x`),
      because: 'the provider function logs',
    },
  );
  return stamp(calls);
}

const LAMBDA_STEP_FUNCTIONS = [
  ...new Set(YOUTUBE_TRENDING.steps.flatMap((s) => (s.kind === 'lambda' ? [s.function.id] : []))),
];

export const PRINCIPALS: readonly PrincipalEntry[] = [
  ...LAMBDA_STEP_FUNCTIONS.map(lambdaPrincipal),
  {
    name: 'state machine',
    identity: (d) => ({ role: d.roleIn(d.stateMachineId, 'RoleArn') }),
    calls: stateMachineCalls,
  },
  {
    name: 'TransformBatch Glue job',
    identity: (d) => ({
      role: d.roleIn(d.find('AWS::Glue::Job', 'Name', d.substitutions.TransformBatchJobName ?? ''), 'Role'),
    }),
    calls: glueJobCalls,
  },
  {
    name: 'Cleansed crawler',
    identity: (d) => ({
      role: d.roleIn(d.find('AWS::Glue::Crawler', 'Name', d.substitutions.CleansedCrawlerName ?? ''), 'Role'),
    }),
    calls: crawlerCalls,
  },
  {
    name: 'StartExecution Lambda',
    identity: (d) => ({ role: d.roleIn(d.functionId(starterName(d)), 'Role') }),
    calls: starterCalls,
  },
  {
    name: 'RecordFailure Lambda',
    identity: (d) => ({ role: d.roleIn(d.functionId(recorderName(d)), 'Role') }),
    calls: recorderCalls,
  },
  {
    name: 'CloudWatch alarms',
    identity: () => ({ service: 'cloudwatch.amazonaws.com' }),
    calls: cloudWatchAlarmCalls,
  },
  {
    name: 'CDK auto-delete-objects provider',
    identity: (d) => {
      const provider = autoDeleteProvider(d);
      return provider ? { role: d.roleIn(provider, 'Role') } : null;
    },
    calls: autoDeleteCalls,
  },
  {
    name: 'S3 server access logging',
    identity: () => ({ service: 'logging.s3.amazonaws.com' }),
    calls: accessLogCalls,
  },
  { name: 'EventBridge', identity: () => ({ service: 'events.amazonaws.com' }), calls: eventBridgeCalls },
  {
    name: 'CloudWatch Logs',
    identity: () => ({ service: `logs.${REGION}.amazonaws.com` }),
    calls: cloudWatchLogsCalls,
  },
];
