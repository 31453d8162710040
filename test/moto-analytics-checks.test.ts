/**
 * The Check analytics adapter against moto's Athena (its results are canned, so this proves the calls,
 * not the SQL, which test/analytics-checks-local.test.ts proves on DuckDB): each check is one query
 * started in the stage's workgroup, polled until it ends and read with its header row skipped; the
 * core then reports a warn and fails on a fail check, naming the check, the count and the sample keys.
 */
import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena';
import { AthenaAnalyticsChecks } from '../handlers/aws/athena-analytics-checks';
import { checkAnalytics } from '../handlers/core/check-analytics';
import type { CorePorts } from '../handlers/core/ports';
import { checksOf } from '../workflows/analytics-checks';
import { CHECKED_CATEGORY_DAILY } from './helpers/checked-workflow';
import { MOTO_ACCOUNT, MOTO_REGION, useMoto } from './helpers/moto';

const moto = useMoto();
const WORKGROUP = 'lakestep-test-workgroup';
let athena: AthenaClient;

const NOOP_LOG = { info() {}, warn() {}, error() {} };
const NOOP_METRICS = { addDimensions() {}, addMetric() {}, publishStoredMetrics() {} };
const cell = (v: string) => ({ VarCharValue: v });
const COLUMNS = ['region', 'trending_date', 'category_id', 'lakestep_violations'].map((Name) => ({
  Name,
  Type: Name === 'region' ? 'varchar' : Name === 'trending_date' ? 'date' : 'bigint',
}));
const header = { Data: COLUMNS.map((c) => cell(c.Name)) };

/** Queues Athena answers in moto: the next queries get them in order. */
async function cannedResults(results: { Data: { VarCharValue: string }[] }[][]): Promise<void> {
  const res = await fetch(`${moto().endpoint}/moto-api/static/athena/query-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      account_id: MOTO_ACCOUNT,
      region: MOTO_REGION,
      results: results.map((rows) => ({ rows, column_info: COLUMNS })),
    }),
  });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  athena = new AthenaClient(moto().clientConfig);
  await athena.send(
    new CreateWorkGroupCommand({
      Name: WORKGROUP,
      Configuration: { ResultConfiguration: { OutputLocation: 's3://lakestep-test-athena-results/athena/' } },
    }),
  );
});
afterAll(() => athena?.destroy());

const ports = () =>
  ({
    log: NOOP_LOG,
    metrics: NOOP_METRICS,
    analyticsChecks: new AthenaAnalyticsChecks(athena, WORKGROUP, async () => undefined),
  }) as unknown as CorePorts;
const input = () => ({
  objectKey: 'raw_statistics_reference_data/region=ca/CA_category_id.json',
  region: 'ca',
  checks: checksOf([CHECKED_CATEGORY_DAILY]),
});

describe('Check analytics on Athena (moto)', () => {
  it('runs each check as one query in the workgroup, and reports a warn with its sample keys', async () => {
    await cannedResults([
      [
        header,
        { Data: [cell('ca'), cell('2018-01-02'), cell('29'), cell('2')] },
        { Data: [cell('ca'), cell('2018-01-03'), cell('29'), cell('2')] },
      ],
      [header],
    ]);
    const result = await checkAnalytics(input(), ports());
    expect(result).toMatchObject({ passed: true, warnings: 1 });
    expect(result.checks[0]).toEqual({
      materialization: 'category_daily',
      name: 'unknown_category',
      severity: 'warn',
      violations: 2,
      sample: [
        { region: 'ca', trending_date: '2018-01-02', category_id: '29' },
        { region: 'ca', trending_date: '2018-01-03', category_id: '29' },
      ],
    });
    expect(result.checks[1]).toMatchObject({ name: 'category_missing_from_reference', violations: 0 });
    const ids =
      (await athena.send(new ListQueryExecutionsCommand({ WorkGroup: WORKGROUP }))).QueryExecutionIds ?? [];
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const q = (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution;
      expect(q?.WorkGroup).toBe(WORKGROUP);
      expect(q?.Query).toMatch(/^SELECT \*, count\(\*\) OVER \(\) AS lakestep_violations FROM \(/);
      expect(q?.Query).toContain("region = 'ca'");
    }
  });

  it('fails with DataQualityFailed when a fail check answers rows', async () => {
    await cannedResults([
      [header],
      [header, { Data: [cell('ca'), cell('2018-01-02'), cell('43'), cell('1')] }],
    ]);
    const failure = await checkAnalytics(input(), ports()).catch((e: Error) => e);
    expect(failure).toMatchObject({ name: 'DataQualityFailed' });
    expect((failure as Error).message).toContain(
      'analytics check category_daily.category_missing_from_reference (fail) found 1 violating row, e.g. region=ca trending_date=2018-01-02 category_id=43',
    );
  });
});
