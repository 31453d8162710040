/**
 * The Athena workgroup the materialization steps run in: engine v3 (Trino, the dialect the shared SQL
 * is written for), results forced into the results bucket with SSE, and a per-query scan cutoff.
 */
import * as athena from 'aws-cdk-lib/aws-athena';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ATHENA_RESULTS_PREFIX } from './lake-buckets';

export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

export interface AthenaWorkGroupProps {
  readonly name: string;
  readonly resultsBucket: s3.IBucket;
  readonly bytesScannedCutoffMb: number;
  /** Let a stack delete remove the workgroup even when it holds saved queries (dev). */
  readonly recursiveDelete: boolean;
}

export class AthenaWorkGroup extends Construct {
  public readonly workGroup: athena.CfnWorkGroup;

  constructor(scope: Construct, id: string, props: AthenaWorkGroupProps) {
    super(scope, id);
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.name,
      description: 'lakestep: materializations of the pipeline',
      state: 'ENABLED',
      recursiveDeleteOption: props.recursiveDelete,
      workGroupConfiguration: {
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        // Clients cannot send results elsewhere or unencrypted.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffMb * 1024 * 1024,
        resultConfiguration: {
          outputLocation: props.resultsBucket.s3UrlForObject(ATHENA_RESULTS_PREFIX),
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }
}
