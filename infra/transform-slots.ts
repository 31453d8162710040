/**
 * The admission gate's slot table (decision 0027): one item per gate, updated only by conditional
 * UpdateItem calls, and least-privilege grants: the acquire and release functions and the failure
 * recorder may UpdateItem that table, nothing else. The number of slots comes from the same stage
 * setting as the Glue job's MaxConcurrentRuns.
 */
import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ADMISSION_ENV, SLOT_TABLE_KEY } from '../handlers/aws/slot-table-schema';
import { acknowledge } from './nag';
import type { PipelineFunction } from './pipeline-function';

/** The Lambda steps' functions that use the slot table (besides the failure recorder). */
export const ADMISSION_FUNCTIONS: ReadonlySet<string> = new Set([
  'AcquireTransformSlot',
  'ReleaseTransformSlot',
]);

/** The physical name of a stage's slot table (runbooks name it: docs/runbooks/transform-batch-slot-wait-too-long.md). */
export const admissionTableName = (namePrefix: string) => `${namePrefix}-admission`;

export interface TransformSlotsProps {
  readonly tableName: string;
  /** Slots per gate: for the Glue job's gate, its MaxConcurrentRuns. */
  readonly maxSlots: Readonly<Record<string, number>>;
  /** Everything that acquires, releases or frees slots. */
  readonly users: readonly PipelineFunction[];
  readonly removal: 'destroy' | 'retain';
}

export class TransformSlots extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: TransformSlotsProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: SLOT_TABLE_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removal === 'destroy' ? cdk.RemovalPolicy.DESTROY : cdk.RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.table,
      'AwsSolutions-DDB3',
      "No point-in-time recovery: the table holds only the live leases of running executions, which a restored copy would hold stale; a lost table heals itself (the first acquire recreates the gate item, and the Glue job's own MaxConcurrentRuns still bounds the runs then in flight)",
    );
    for (const user of props.users) {
      user.function.addEnvironment(ADMISSION_ENV.table, this.table.tableName);
      user.function.addEnvironment(ADMISSION_ENV.maxSlots, JSON.stringify(props.maxSlots));
      user.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'AdmissionSlots',
          actions: ['dynamodb:UpdateItem'],
          resources: [this.table.tableArn],
        }),
      );
    }
  }
}
