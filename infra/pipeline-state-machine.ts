/**
 * The workflow's state machine, deployed from the committed ASL file (the same text the local runtime
 * executes) with a substitution for every placeholder. Its role gets exactly the task calls the steps
 * make (taskGrantsFor) plus the catalog and S3 access Athena needs for the tables the SQL names.
 */
import { readFileSync } from 'node:fs';
import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { STAGES, type Stage } from '../workflows/datasets';
import type { Workflow } from '../workflows/types';
import { glueArn as glueArnOf } from './arns';
import { grantLakeAccess, type PrefixAccess } from './lake-access';
import type { LakeBuckets } from './lake-buckets';
import { ATHENA_RESULTS_PREFIX } from './lake-buckets';
import { acknowledge } from './nag';
import {
  checkSubstitutions,
  type NamingOptions,
  resourceNames,
  substitutionsFor,
  tablesQueriedBy,
  taskGrantsFor,
} from './substitutions';

export interface PipelineStateMachineProps {
  readonly workflow: Workflow;
  readonly aslFile: string;
  readonly naming: NamingOptions;
  readonly buckets: LakeBuckets;
  readonly includeExecutionData: boolean;
  readonly logRetentionDays: number;
}

/** Glue catalog actions Athena makes for a table it reads, and for an Iceberg table it commits to. */
export const CATALOG_READ_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:BatchGetPartition',
] as const;
export const CATALOG_COMMIT_ACTIONS = ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable'] as const;

export class PipelineStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    const { workflow, naming } = props;
    const substitutions = substitutionsFor(workflow, naming);
    // Fail the synth, not the deployment: an unsubstituted `${X}` would deploy as a literal string.
    checkSubstitutions(readFileSync(props.aslFile, 'utf8'), substitutions, props.aslFile);
    this.stateMachineName = `${naming.prefix}-${workflow.name}`;

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      // The /aws/vendedlogs/ prefix keeps the account's CloudWatch Logs resource policy from growing
      // with every state machine that logs.
      logGroupName: `/aws/vendedlogs/states/${this.stateMachineName}`,
      retention: props.logRetentionDays as logs.RetentionDays,
      // A retained log group with a fixed name would block re-creating the stack after a destroy.
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(props.aslFile),
      definitionSubstitutions: substitutions,
      logs: {
        destination: logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: props.includeExecutionData,
      },
      tracingEnabled: true,
    });
    acknowledge(
      this.stateMachine,
      'AwsSolutions-IAM5[Resource::*]',
      'Added by the L2 for X-Ray tracing (xray:PutTraceSegments, GetSampling*) and log delivery (logs:CreateLogDelivery and friends): neither API family supports resource-level permissions.',
    );

    for (const grant of taskGrantsFor(workflow, naming)) {
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          sid: grant.sid,
          actions: [...grant.actions],
          resources: [...grant.resources],
        }),
      );
    }
    this.grantQueryDataAccess(props);
  }

  /** Athena runs the SQL with the caller's permissions: the catalog entries and S3 data it touches. */
  private grantQueryDataAccess(props: PipelineStateMachineProps): void {
    const tables = tablesQueriedBy(props.workflow);
    if (tables.length === 0) return;
    const databasePrefix = props.naming.databasePrefix;
    const glueArn = (resource: string, resourceName?: string) => glueArnOf(this, resource, resourceName);
    const catalogResources = (list: typeof tables) => [
      glueArn('catalog'),
      ...[...new Set(list.map((t) => t.database))].map((d) =>
        glueArn('database', resourceNames.database(databasePrefix, d)),
      ),
      ...list.map((t) =>
        glueArn('table', `${resourceNames.database(databasePrefix, t.database)}/${t.table}`),
      ),
    ];
    for (const t of tables) {
      // The database placeholders double as the lake stage that holds their tables' files.
      if (!STAGES.includes(t.database as Stage))
        throw new Error(`SQL names \${${t.database}}.${t.table}, but '${t.database}' is no lake bucket`);
    }
    const read = tables.filter((t) => !t.write);
    const written = tables.filter((t) => t.write);
    if (read.length) {
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadQueriedTables',
          actions: [...CATALOG_READ_ACTIONS],
          resources: catalogResources(read),
        }),
      );
    }
    if (written.length) {
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'CommitMaterializedTables',
          actions: [...CATALOG_COMMIT_ACTIONS],
          resources: catalogResources(written),
        }),
      );
    }
    const access: PrefixAccess[] = [
      ...tables.map(
        (t): PrefixAccess => ({
          bucket: t.database as Stage,
          prefix: `${t.table}/`,
          objects: t.write ? ['read', 'write', 'delete', 'multipart'] : ['read'],
          list: true,
          locate: true,
          why: t.write
            ? `Athena writes the Iceberg data and metadata files of ${t.database}.${t.table} under its location`
            : `Athena reads the files of ${t.database}.${t.table} under its location`,
        }),
      ),
      {
        bucket: 'athenaResults',
        prefix: ATHENA_RESULTS_PREFIX,
        objects: ['read', 'write', 'multipart'],
        list: true,
        locate: true,
        why: 'Athena writes each query result file (named by query execution id) under the workgroup output location',
      },
    ];
    grantLakeAccess(this, this.stateMachine.role, props.buckets, access);
  }
}
