/**
 * The lake's buckets: one per stage of workflows/datasets.ts STAGES, Athena's results and the access-log
 * bucket they all log to. S3-managed encryption (docs/decisions/0005), TLS only, versioned, no public
 * access, lifecycle per bucket's role; only landing sends events (its Object Created starts executions).
 */
import * as cdk from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { STAGES, type Stage } from '../workflows/datasets';
import { LAKE_DEFAULTS } from './config';
import { acknowledge } from './nag';

/** Where promoted batches are staged in cleansed (handlers/core/ingest-object.ts writes there). */
export const STAGING_PREFIX = '_staging/';
/** Where the workgroup writes query results, inside the results bucket. */
export const ATHENA_RESULTS_PREFIX = 'athena/';

export interface LakeBucketsProps {
  readonly removal: 'destroy' | 'retain';
  readonly noncurrentVersionExpirationDays: number;
}

/** Stages whose objects are raw inputs: kept, rarely read again, so they move to cheaper classes. */
const RAW_STAGES: readonly Stage[] = ['landing', 'bronze'];

export class LakeBuckets extends Construct {
  public readonly byStage: Readonly<Record<Stage, s3.Bucket>>;
  public readonly athenaResults: s3.Bucket;
  public readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: LakeBucketsProps) {
    super(scope, id);
    const destroy = props.removal === 'destroy';
    const removal = {
      removalPolicy: destroy ? cdk.RemovalPolicy.DESTROY : cdk.RemovalPolicy.RETAIN,
      autoDeleteObjects: destroy,
    };
    const secure = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    };
    const housekeeping: s3.LifecycleRule = {
      id: 'housekeeping',
      noncurrentVersionExpiration: cdk.Duration.days(props.noncurrentVersionExpirationDays),
      abortIncompleteMultipartUploadAfter: cdk.Duration.days(LAKE_DEFAULTS.incompleteMultipartUploadDays),
      expiredObjectDeleteMarker: true,
    };

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...secure,
      ...removal,
      // Server access log delivery supports SSE-S3 only, which is one reason the lake uses it too.
      lifecycleRules: [
        { id: 'expire-logs', expiration: cdk.Duration.days(LAKE_DEFAULTS.accessLogExpirationDays) },
      ],
    });
    acknowledge(
      this.accessLogs,
      'AwsSolutions-S1',
      'This is the server-access-log target of every lake bucket; logging it to itself would log each log delivery.',
    );

    const bucket = (name: string, lifecycleRules: s3.LifecycleRule[]) =>
      new s3.Bucket(this, name, {
        ...secure,
        ...removal,
        versioned: true,
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: `${name.toLowerCase()}/`,
        lifecycleRules: [housekeeping, ...lifecycleRules],
      });

    const byStage = {} as Record<Stage, s3.Bucket>;
    for (const stage of STAGES) {
      const rules: s3.LifecycleRule[] = [];
      if (RAW_STAGES.includes(stage)) {
        rules.push({
          id: 'tier-raw-objects',
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: cdk.Duration.days(LAKE_DEFAULTS.infrequentAccessAfterDays),
            },
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: cdk.Duration.days(LAKE_DEFAULTS.glacierInstantRetrievalAfterDays),
            },
          ],
        });
      }
      if (stage === 'cleansed') {
        rules.push({
          id: 'expire-staging',
          prefix: STAGING_PREFIX,
          expiration: cdk.Duration.days(LAKE_DEFAULTS.stagingExpirationDays),
        });
      }
      byStage[stage] = bucket(stage.charAt(0).toUpperCase() + stage.slice(1), rules);
    }
    this.byStage = byStage;

    // EventBridge delivery set on the L1: the L2 `eventBridgeEnabled` deploys a notifications custom
    // resource (a Lambda and a role with a managed policy) for one bucket setting.
    (byStage.landing.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };

    this.athenaResults = bucket('AthenaResults', [
      {
        id: 'expire-results',
        expiration: cdk.Duration.days(LAKE_DEFAULTS.athenaResultsExpirationDays),
      },
    ]);
  }

  /** `LAKE_BUCKET_<STAGE>` for every stage: what handlers/lambda-runtime.ts reads. */
  public environment(): Record<string, string> {
    return Object.fromEntries(
      STAGES.map((stage) => [`LAKE_BUCKET_${stage.toUpperCase()}`, this.byStage[stage].bucketName]),
    );
  }
}
