/**
 * What Athena does under a principal's credentials with a query's results: it checks the workgroup's
 * output location (GetBucketLocation, a listing) and writes the result and its metadata there, which
 * the caller then reads. The state machine's MERGE, the API and Check analytics all query in the
 * workgroup, so all three make these calls.
 */
import { type AwsCall, S3_REQUESTS, s3Bucket, s3Object } from './calls';
import type { Deployed } from './deployed';
import type { Json } from './template';

export function athenaResultCalls(
  d: Deployed,
  workGroupName: string,
  queryId: string,
  why: string,
  /** What the result's calls say happens to it, e.g. `Athena writes and the API reads`. */
  resultUse: string,
): AwsCall[] {
  const results = d.bucket('athenaResults');
  const output = (
    d.resource(d.find('AWS::Athena::WorkGroup', 'Name', workGroupName)).WorkGroupConfiguration as {
      ResultConfiguration: { OutputLocation: Json };
    }
  ).ResultConfiguration.OutputLocation;
  const prefix = d.resolver.string(output).replace(/^s3:\/\/[^/]+\//, '');
  const calls: AwsCall[] = [
    {
      action: 's3:GetBucketLocation',
      resource: s3Bucket(results),
      because: `${why}: Athena checks the output location`,
    },
    ...S3_REQUESTS.list(results, prefix).map((c) => ({
      ...c,
      because: `${why}: Athena checks the output location`,
    })),
  ];
  for (const key of [`${prefix}${queryId}.csv`, `${prefix}${queryId}.csv.metadata`])
    for (const action of [
      's3:PutObject',
      's3:GetObject',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
    ])
      calls.push({ action, resource: s3Object(results, key), because: `${why}: ${resultUse} ${key}` });
  return calls;
}

/** The catalog reads Athena makes for a query over one table (the database alone for GetDatabase). */
export function athenaCatalogReadCalls(d: Deployed, db: string, table: string, because: string): AwsCall[] {
  const onTable = [
    d.arn('glue', 'catalog'),
    d.arn('glue', `database/${db}`),
    d.arn('glue', `table/${db}/${table}`),
  ];
  return [
    'glue:GetDatabase',
    'glue:GetTable',
    'glue:GetPartitions',
    'glue:GetPartition',
    'glue:BatchGetPartition',
  ].flatMap((action) =>
    (action === 'glue:GetDatabase' ? onTable.slice(0, 2) : onTable).map((resource) => ({
      action,
      resource,
      because,
    })),
  );
}
