/**
 * The Glue roles' calls: the transform job from its script's declared I/O and the runs' job arguments,
 * the crawler from its targets and the files the runs promoted, both with the security configuration's logs and key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESOURCES } from '../../workflows/render-asl';
import { type AwsCall, S3_REQUESTS, s3Bucket, s3Object, stamp } from './calls';
import type { Deployed } from './deployed';
import type { ProofInput } from './principal';
import type { TaskInput } from './state-machine-calls';
import type { Json } from './template';

/** boto3 calls glue/transform_batch.py makes; a new one fails the proof until the model below knows it. */
export const GLUE_SCRIPT_S3_CALLS = ['get_object', 'put_object', 'get_paginator', 'delete_objects'];

/**
 * The transform job's calls, from the script's declared I/O and each local run's job arguments: the
 * script and rules assets, get_object of the bronze original, Spark's overwrite of `<prefix>data/`
 * (and `rejected/`, or delete_prefix of it), put_object of the summary, logs and the security key.
 */
export function glueJobCalls({ deployed: d, observed }: ProofInput): AwsCall[] {
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
export function glueRuntimeCalls(
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
export function crawlerCalls({ deployed: d, observed }: ProofInput): AwsCall[] {
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
