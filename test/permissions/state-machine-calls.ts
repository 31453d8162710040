import { tablesQueriedBy } from '../../infra/substitutions';
import { RESOURCES } from '../../workflows/render-asl';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';
import { athenaResultCalls } from './athena-result-calls';
import { type AwsCall, S3_REQUESTS, s3Bucket, s3Object, stamp } from './calls';
import type { Deployed } from './deployed';
import type { LocalObservations } from './local-runs';
import type { ProofInput } from './principal';

export interface TaskInput {
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
export function stateMachineCalls({ deployed: d, observed }: ProofInput): AwsCall[] {
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
export function athenaQueryCalls(
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
  calls.push(...athenaResultCalls(d, workGroupName, queryId, why, 'Athena writes the query result'));
  return calls;
}
