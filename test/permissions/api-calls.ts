/**
 * The analytics API Lambda's calls: the cursor secret, the Athena query calls on the stage's workgroup
 * (StartQueryExecution, polling, GetQueryResults, a stop on timeout), what Athena does with its
 * credentials (the analytics table in the catalog and its files, the result file under the workgroup's
 * output location), and the data-health route's reads of run summaries and quarantine records.
 */

import { athenaCatalogReadCalls, athenaResultCalls } from './athena-result-calls';
import { type AwsCall, S3_REQUESTS, s3Bucket, s3Object, stamp } from './calls';
import type { Deployed } from './deployed';
import { lambdaRuntimeCalls } from './lambda-calls';
import type { ProofInput } from './principal';
import type { Json } from './template';

export function apiCalls({ deployed: d }: ProofInput): AwsCall[] {
  const name = apiName(d);
  const env = d.environment(name);
  const why = 'an API request';
  const workGroupName = env.ATHENA_WORKGROUP ?? '';
  const db = env.ANALYTICS_DATABASE ?? '';
  const workGroup = d.arn('athena', `workgroup/${workGroupName}`);
  const queryId = '0a1b2c3d-0000-4000-8000-0000000000a1';
  const calls: AwsCall[] = [
    {
      action: 'secretsmanager:GetSecretValue',
      resource: env.CURSOR_SECRET_ARN ?? '',
      because: 'the cursor HMAC key, once per container',
    },
    ...[
      'athena:StartQueryExecution',
      'athena:GetQueryExecution',
      'athena:GetQueryResults',
      'athena:StopQueryExecution',
    ].map((action) => ({
      action,
      resource: workGroup,
      because: `${why}: ${action.slice(7)} (handlers/api-athena.ts)`,
    })),
  ];
  calls.push(
    ...athenaCatalogReadCalls(
      d,
      db,
      'category_daily',
      `${why}: Athena reads analytics.category_daily in the catalog`,
    ),
  );
  const analytics = d.bucket('analytics');
  calls.push(
    {
      action: 's3:GetBucketLocation',
      resource: s3Bucket(analytics),
      because: `${why}: Athena locates ${analytics}`,
    },
    ...S3_REQUESTS.list(analytics, 'category_daily/').map((c) => ({
      ...c,
      because: `${why}: Athena lists the table`,
    })),
    ...['category_daily/metadata/00001-x.metadata.json', `category_daily/data/${queryId}.parquet`].map(
      (key) => ({
        action: 's3:GetObject',
        resource: s3Object(analytics, key),
        because: `${why}: Athena reads ${key}`,
      }),
    ),
  );
  for (const [bucket, prefix, key] of [
    [analytics, '_runs/statistics/', '_runs/statistics/region=us/exec.json'],
    [
      d.bucket('quarantine'),
      'batches/statistics/',
      'batches/statistics/region=us/source_file=f/b/reason.json',
    ],
  ] as const)
    calls.push(
      ...S3_REQUESTS.list(bucket, prefix).map((c) => ({
        ...c,
        because: 'the data-health route lists the run records',
      })),
      {
        action: 's3:GetObject',
        resource: s3Object(bucket, key),
        because: 'the data-health route reads a run record',
      },
    );
  calls.push(...athenaResultCalls(d, workGroupName, queryId, why, 'Athena writes and the API reads'));
  return [...stamp(calls), ...lambdaRuntimeCalls(d, name)];
}

/** The API function's deployed name: the one whose environment names the cursor secret. */
export function apiName(d: Deployed): string {
  const fn = Object.values(d.template.Resources).find(
    (r) =>
      r.Type === 'AWS::Lambda::Function' &&
      (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
        ?.CURSOR_SECRET_ARN,
  );
  return d.resolver.string(fn?.Properties?.FunctionName as Json);
}
