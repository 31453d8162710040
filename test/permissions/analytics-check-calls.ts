/**
 * The Check analytics Lambda's calls: its core and its Athena adapter run on a recording Athena client
 * for every check the deployed workflow declares (StartQueryExecution, GetQueryExecution until it ends,
 * GetQueryResults, all on the stage's workgroup), and what Athena then does with its credentials: the
 * catalog entries and files of the tables the checks read, the result file under the output location.
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaAnalyticsChecks } from '../../handlers/aws/athena-analytics-checks';
import { checkAnalytics } from '../../handlers/core/check-analytics';
import type { CorePorts } from '../../handlers/core/ports';
import { resourceNames } from '../../infra/substitutions';
import { CHECK_ANALYTICS_FUNCTION, checksOf, tablesCheckedBy } from '../../workflows/analytics-checks';
import { athenaCatalogReadCalls, athenaResultCalls } from './athena-result-calls';
import { type AwsCall, S3_REQUESTS, s3Bucket, s3Object, stamp } from './calls';
import type { Deployed } from './deployed';
import { lambdaRuntimeCalls } from './lambda-calls';
import type { ProofInput } from './principal';
import { NOOP_LOG, NOOP_METRICS } from './principal';

export const checkAnalyticsName = (d: Deployed) =>
  resourceNames.function(d.stack.settings.namePrefix, CHECK_ANALYTICS_FUNCTION.id);

/** The function's role, when the stack's workflow has checks (the YouTube workflow has none). */
export function checkAnalyticsRole(d: Deployed): string | null {
  if (
    !d.stack.workflow.steps.some((s) => s.kind === 'lambda' && s.function.id === CHECK_ANALYTICS_FUNCTION.id)
  )
    return null;
  return d.roleIn(d.functionId(checkAnalyticsName(d)), 'Role');
}

const QUERY_ID = '0a1b2c3d-0000-4000-8000-0000000000c1';

export async function checkAnalyticsCalls({ deployed: d }: ProofInput): Promise<AwsCall[]> {
  const name = checkAnalyticsName(d);
  const env = d.environment(name);
  const workGroupName = env.ATHENA_WORKGROUP ?? '';
  const workGroup = d.arn('athena', `workgroup/${workGroupName}`);
  const calls: AwsCall[] = [];
  // The real adapter on a client that records each command and answers as Athena does.
  let polls = 0;
  const athena = {
    async send(command: { constructor: { name: string }; input: { WorkGroup?: string } }) {
      const api = command.constructor.name.replace(/Command$/, '');
      calls.push({ action: `athena:${api}`, resource: workGroup, because: `a check's query: ${api}` });
      if (api === 'StartQueryExecution') {
        if (command.input.WorkGroup !== workGroupName)
          throw new Error(`the query went to workgroup ${command.input.WorkGroup}, not ${workGroupName}`);
        return { QueryExecutionId: QUERY_ID };
      }
      if (api === 'GetQueryExecution')
        return { QueryExecution: { Status: { State: polls++ % 2 ? 'SUCCEEDED' : 'RUNNING' } } };
      return {
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: [{ Name: 'lakestep_violations', Type: 'bigint' }] },
          Rows: [{ Data: [{ VarCharValue: 'lakestep_violations' }] }],
        },
      };
    },
  } as unknown as AthenaClient;
  const checks = checksOf(d.stack.workflow.materializations);
  const ports = {
    log: NOOP_LOG,
    metrics: NOOP_METRICS,
    analyticsChecks: new AthenaAnalyticsChecks(athena, workGroupName, async () => undefined),
  } as unknown as CorePorts;
  await checkAnalytics({ objectKey: 'raw_statistics/region=us/USvideos.csv', region: 'us', checks }, ports);

  const why = "a check's query";
  const database = (placeholder: string) => d.substitutions[placeholder] ?? '';
  for (const t of tablesCheckedBy(d.stack.workflow.materializations)) {
    const db = database(t.database);
    calls.push(
      ...athenaCatalogReadCalls(
        d,
        db,
        t.table,
        `${why}: Athena reads ${t.database}.${t.table} in the catalog`,
      ),
    );
    const bucket = d.bucket(t.database);
    const key =
      t.database === 'analytics'
        ? `${t.table}/metadata/00001-x.metadata.json`
        : `${t.table}/region=us/x.parquet`;
    calls.push(
      {
        action: 's3:GetBucketLocation',
        resource: s3Bucket(bucket),
        because: `${why}: Athena locates ${bucket}`,
      },
      ...S3_REQUESTS.list(bucket, `${t.table}/`).map((c) => ({
        ...c,
        because: `${why}: Athena lists ${t.table}`,
      })),
      { action: 's3:GetObject', resource: s3Object(bucket, key), because: `${why}: Athena reads ${key}` },
    );
  }
  calls.push(
    ...athenaResultCalls(d, workGroupName, QUERY_ID, why, 'Athena writes and GetQueryResults reads'),
  );
  return [...stamp(calls), ...lambdaRuntimeCalls(d, name)];
}
