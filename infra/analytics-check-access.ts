/**
 * What the Check analytics function may do: run its queries in the stage's Athena workgroup (start,
 * poll, read results: no stop, it never stops one), and what Athena then does with its credentials:
 * read the catalog entries and the files of exactly the tables the checks name, and write and read
 * the result files under the workgroup's output location.
 */
import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { tablesCheckedBy } from '../workflows/analytics-checks';
import type { Materialization } from '../workflows/types';
import { glueArn } from './arns';
import { grantLakeAccess, type PrefixAccess } from './lake-access';
import { ATHENA_RESULTS_PREFIX, type LakeBuckets } from './lake-buckets';
import type { PipelineFunction } from './pipeline-function';
import { CATALOG_READ_ACTIONS } from './pipeline-state-machine';
import { resourceNames } from './substitutions';

/** The Athena calls the function's adapter makes (handlers/aws/athena-query.ts). */
export const CHECK_QUERY_ACTIONS = [
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
] as const;

export interface AnalyticsCheckAccessProps {
  readonly materializations: readonly Materialization[];
  readonly namePrefix: string;
  readonly databasePrefix: string;
  readonly buckets: LakeBuckets;
}

export function grantAnalyticsCheckAccess(fn: PipelineFunction, props: AnalyticsCheckAccessProps): void {
  const workGroup = resourceNames.athenaWorkGroup(props.namePrefix);
  fn.function.addEnvironment('ATHENA_WORKGROUP', workGroup);
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'RunCheckQueries',
      actions: [...CHECK_QUERY_ACTIONS],
      resources: [
        cdk.Stack.of(fn).formatArn({
          service: 'athena',
          resource: 'workgroup',
          resourceName: workGroup,
          arnFormat: cdk.ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
    }),
  );
  const tables = tablesCheckedBy(props.materializations);
  if (tables.length === 0) return;
  const database = (d: string) => resourceNames.database(props.databasePrefix, d);
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadCheckedTables',
      actions: [...CATALOG_READ_ACTIONS],
      resources: [
        glueArn(fn, 'catalog'),
        ...[...new Set(tables.map((t) => t.database))].map((d) => glueArn(fn, 'database', database(d))),
        ...tables.map((t) => glueArn(fn, 'table', `${database(t.database)}/${t.table}`)),
      ],
    }),
  );
  const access: PrefixAccess[] = [
    ...tables.map(
      (t): PrefixAccess => ({
        bucket: t.database,
        prefix: `${t.table}/`,
        objects: ['read'],
        list: true,
        locate: true,
        why: `Athena reads the files of ${t.database}.${t.table} under its location for a check's query`,
      }),
    ),
    {
      bucket: 'athenaResults',
      prefix: ATHENA_RESULTS_PREFIX,
      objects: ['read', 'write', 'multipart'],
      list: true,
      locate: true,
      why: "Athena writes each check query's result file under the workgroup output location, and GetQueryResults reads it",
    },
  ];
  grantLakeAccess(fn, fn.role, props.buckets, access);
}
