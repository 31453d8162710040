/**
 * The Glue 5.0 (PySpark) job behind the workflow's Glue step: glue/transform_batch.py with
 * glue/lakestep_rules.py as an extra Python file, driven by the same transform spec DuckDB executes
 * locally (`--transform_specs`, by dataset). Reads the batch's original in bronze, writes the staged batch to cleansed.
 */
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import type { TransformSpec } from '../workflows/datasets';
import type { GlueSecurity } from './glue-security';
import { grantLakeAccess, type PrefixAccess } from './lake-access';
import type { LakeBuckets } from './lake-buckets';
import { STAGING_PREFIX } from './lake-buckets';
import { REPO_ROOT } from './pipeline-function';

export const GLUE_SCRIPT = path.join(REPO_ROOT, 'glue', 'transform_batch.py');
export const GLUE_RULES_MODULE = path.join(REPO_ROOT, 'glue', 'lakestep_rules.py');

export interface TransformJobProps {
  readonly jobName: string;
  /** The transform spec of each CSV dataset of the workflow, by dataset name (`--transform_specs`). */
  readonly specs: Readonly<Record<string, TransformSpec>>;
  readonly buckets: LakeBuckets;
  readonly security: GlueSecurity;
  /** The Glue step's own timeout: a run never outlives the task waiting for it. */
  readonly timeoutSeconds: number;
  readonly workers: number;
  readonly maxConcurrentRuns: number;
}

export class TransformJob extends Construct {
  public readonly job: glue.CfnJob;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TransformJobProps) {
    super(scope, id);
    // Plain file assets (not glue.Code.fromAsset): its bind grants read on the whole asset bucket;
    // the role below reads exactly these two objects.
    const script = new assets.Asset(this, 'Script', { path: GLUE_SCRIPT });
    const rules = new assets.Asset(this, 'RulesModule', { path: GLUE_RULES_MODULE });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: `${props.jobName}: Glue transform of one landed statistics object`,
    });
    const partition = cdk.Stack.of(this).partition;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [script, rules].map((a) => `arn:${partition}:s3:::${a.s3BucketName}/${a.s3ObjectKey}`),
      }),
    );
    grantLakeAccess(this, this.role, props.buckets, [
      // Only its specs' datasets, one get_object of a key the ingest step has just written (no listing).
      ...Object.keys(props.specs).map(
        (name): PrefixAccess => ({
          bucket: 'bronze',
          prefix: `${name}/`,
          objects: ['read'],
          why: "reads the batch's accepted original",
        }),
      ),
      {
        bucket: 'cleansed',
        prefix: STAGING_PREFIX,
        objects: ['read', 'write', 'delete', 'multipart'],
        list: true,
        locate: true,
        why: "Spark writes the staged batch (Parquet, rejected rows, summary) under the batch's staging prefix, through temporary files it renames",
      },
    ]);
    props.security.grantRuntime(this, this.role);

    this.job = new glue.CfnJob(this, 'Job', {
      name: props.jobName,
      description:
        "lakestep: row rules, typing and dedupe of one batch in its dataset's format (its transform spec)",
      role: this.role.roleArn,
      glueVersion: '5.0',
      command: { name: 'glueetl', pythonVersion: '3', scriptLocation: script.s3ObjectUrl },
      workerType: 'G.1X',
      numberOfWorkers: props.workers,
      // Step Functions retries (workflows/retry-policies.ts); a Glue-level retry would run twice.
      maxRetries: 0,
      timeout: Math.ceil(props.timeoutSeconds / 60),
      executionProperty: { maxConcurrentRuns: props.maxConcurrentRuns },
      securityConfiguration: props.security.configuration.securityConfigurationName,
      defaultArguments: {
        '--job-language': 'python',
        '--extra-py-files': rules.s3ObjectUrl,
        '--transform_specs': JSON.stringify(props.specs),
        // Each run is one batch named by its arguments: bookmarks would only skip re-runs.
        '--job-bookmark-option': 'job-bookmark-disable',
        '--enable-continuous-cloudwatch-log': 'true',
      },
    });
  }
}
