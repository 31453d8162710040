/**
 * Who may touch which key prefixes of which lake bucket, as data, and the IAM statements it becomes.
 * Object-level actions are scoped to a prefix (`<bucket>/<prefix>*`), bucket-level ones to the bucket;
 * no action is a wildcard. The prefixes are the layout the handler cores and the Glue script write.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { type Dataset, type Stage, transformedAtIngest } from '../workflows/datasets';
import type { LakeBuckets } from './lake-buckets';
import { STAGING_PREFIX } from './lake-buckets';
import { addStatementWithWildcards } from './nag';

export type LakeBucketId = Stage | 'athenaResults';
export type ObjectAccess = 'read' | 'write' | 'delete' | 'multipart';

export interface PrefixAccess {
  readonly bucket: LakeBucketId;
  /** Key prefix the object actions are limited to; '' is the whole bucket. */
  readonly prefix: string;
  readonly objects: readonly ObjectAccess[];
  /** s3:ListBucket on the bucket: listing a prefix, and a 404 (not a 403) for a missing key. */
  readonly list?: boolean;
  /** s3:GetBucketLocation: query engines (Athena, Glue) ask where a bucket is before reading it. */
  readonly locate?: boolean;
  /** What the access is for; it becomes the acknowledgement of the prefix wildcard. */
  readonly why: string;
}

const OBJECT_ACTIONS: Readonly<Record<ObjectAccess, readonly string[]>> = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject'],
  delete: ['s3:DeleteObject'],
  multipart: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
};

/** `statistics/`, `categories/`: the dataset partitions of bronze and cleansed (partitionPath). */
export function datasetPrefixes(datasets: readonly Dataset[]): string[] {
  return datasets.map((d) => `${d.name}/`);
}

/**
 * What each Lambda step's function may do in the lake, keyed by the step's function id. A Lambda step
 * without an entry fails the synth: its grants must be written down, not guessed.
 */
export function functionLakeAccess(
  datasets: readonly Dataset[],
): Readonly<Record<string, readonly PrefixAccess[]>> {
  const DATASET_PREFIXES = datasetPrefixes(datasets);
  const transformed = datasetPrefixes(datasets.filter((d) => !transformedAtIngest(d)));
  return {
    IngestObject: [
      {
        bucket: 'landing',
        prefix: '',
        objects: ['read'],
        list: true,
        why: 'reads whichever object landed: the trigger covers the whole landing bucket',
      },
      ...DATASET_PREFIXES.map(
        (prefix): PrefixAccess => ({
          bucket: 'bronze',
          prefix,
          objects: ['write'],
          why: 'copies an accepted original to its dataset/region/source-file partition',
        }),
      ),
      {
        bucket: 'quarantine',
        prefix: 'objects/',
        objects: ['write'],
        why: 'copies a rejected object and its reason file under its key and execution',
      },
      // A json document dataset is transformed by the ingest step itself (handlers/core/ingest-document.ts).
      ...datasets.filter(transformedAtIngest).map(
        (d): PrefixAccess => ({
          bucket: 'cleansed',
          prefix: `${STAGING_PREFIX}${d.name}/`,
          objects: ['write', 'delete'],
          why: "stages the document's transformed batch under its execution name; deletes an earlier attempt's quarantined-rows file",
        }),
      ),
    ],
    // The Glue job's lake access (infra/transform-job.ts), for the objects small enough for a Lambda.
    TransformSmallBatch: [
      ...transformed.map(
        (prefix): PrefixAccess => ({
          bucket: 'bronze',
          prefix,
          objects: ['read'],
          list: true,
          why: 'reads the accepted original it transforms (a missing one is a 404, not a 403)',
        }),
      ),
      {
        bucket: 'cleansed',
        prefix: STAGING_PREFIX,
        objects: ['write', 'delete'],
        why: "writes the staged batch and its summary; deletes an earlier attempt's quarantined-rows file",
      },
    ],
    CheckDataQuality: [
      {
        bucket: 'cleansed',
        prefix: STAGING_PREFIX,
        objects: ['read', 'write'],
        list: true,
        why: "reads a staged batch's summary and writes its DQ report beside it",
      },
    ],
    PromoteBatch: [
      {
        bucket: 'cleansed',
        prefix: STAGING_PREFIX,
        objects: ['read'],
        list: true,
        why: 'reads the staged batch it promotes',
      },
      ...DATASET_PREFIXES.map(
        (prefix): PrefixAccess => ({
          bucket: 'cleansed',
          prefix,
          objects: ['write', 'delete'],
          list: true,
          why: "replaces a source object's partition: writes the new file, deletes the old ones",
        }),
      ),
      {
        bucket: 'quarantine',
        prefix: 'rows/',
        objects: ['write', 'delete'],
        list: true,
        why: "replaces a source object's quarantined rows",
      },
      {
        bucket: 'bronze',
        prefix: '_promoted/',
        objects: ['read', 'write'],
        // The marker is missing before a partition's first promotion: without ListBucket S3 answers that
        // HEAD with 403, not 404, and every first promotion fails (test/permissions.test.ts).
        list: true,
        why: 'reads and writes the marker of the promoted version per partition, so an older version never replaces a newer one',
      },
    ],
    QuarantineBatch: [
      {
        bucket: 'cleansed',
        prefix: STAGING_PREFIX,
        objects: ['read'],
        list: true,
        why: 'reads the files of the batch that failed data quality',
      },
      {
        bucket: 'quarantine',
        prefix: 'batches/',
        objects: ['write'],
        why: 'copies the failed batch and its DQ report under the batch id',
      },
    ],
    // Catalog calls only (infra/catalog-access.ts): no lake object is read or written.
    RegisterPartition: [],
    // Reads the crawler's answer from its input: no lake access at all.
    CheckCrawl: [],
    // Slot table calls only (infra/transform-slots.ts): no lake object is read or written.
    AcquireTransformSlot: [],
    ReleaseTransformSlot: [],
    // The regions' MERGE items in the same table (decision 0028): no lake object is read or written.
    RequestRegionMerge: [],
    FinishRegionMerge: [],
    // Reads the analytics tables through Athena only (infra/analytics-check-access.ts): no direct object access.
    CheckAnalytics: [],
    PublishRunSummary: [
      {
        bucket: 'analytics',
        prefix: '_runs/',
        objects: ['write'],
        why: "writes the run summary under the batch's dataset, region and execution",
      },
    ],
  };
}

export function lakeAccessOf(functionId: string, datasets: readonly Dataset[]): readonly PrefixAccess[] {
  const access = functionLakeAccess(datasets)[functionId];
  if (!access) {
    throw new Error(
      `function ${functionId} has no entry in functionLakeAccess (infra/lake-access.ts): write down which prefixes of which buckets it reads and writes`,
    );
  }
  return access;
}

function bucketOf(buckets: LakeBuckets, id: LakeBucketId) {
  return id === 'athenaResults' ? buckets.athenaResults : buckets.byStage[id];
}

/** The statements an access list becomes: one per prefix, one for the bucket-level actions. */
export function lakeStatements(
  buckets: LakeBuckets,
  access: readonly PrefixAccess[],
): { statement: iam.PolicyStatement; why: string }[] {
  const out = access.map((a) => {
    const bucket = bucketOf(buckets, a.bucket);
    return {
      statement: new iam.PolicyStatement({
        actions: [...new Set(a.objects.flatMap((o) => OBJECT_ACTIONS[o]))],
        resources: [bucket.arnForObjects(`${a.prefix}*`)],
      }),
      why: `${a.why}; the keys below s3://<${a.bucket}>/${a.prefix} vary per object and run, so the grant stops at that prefix`,
    };
  });
  for (const [flag, action] of [
    ['list', 's3:ListBucket'],
    ['locate', 's3:GetBucketLocation'],
  ] as const) {
    const ids = [...new Set(access.filter((a) => a[flag]).map((a) => a.bucket))];
    if (ids.length) {
      out.push({
        statement: new iam.PolicyStatement({
          actions: [action],
          resources: ids.map((id) => bucketOf(buckets, id).bucketArn),
        }),
        why: `${action} on whole buckets`,
      });
    }
  }
  return out;
}

export function grantLakeAccess(
  owner: IConstruct,
  grantee: iam.IGrantable,
  buckets: LakeBuckets,
  access: readonly PrefixAccess[],
): void {
  for (const { statement, why } of lakeStatements(buckets, access)) {
    addStatementWithWildcards(owner, grantee, statement, why);
  }
}
