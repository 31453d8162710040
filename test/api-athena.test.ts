/**
 * The API core on its AWS port (Athena mocked with aws-sdk-client-mock, as the house tests do): every
 * value reaches Athena as an ExecutionParameter, never inside the SQL text; results are reused; pages
 * are read until the caller has enough; DECIMAL/BIGINT beyond 2^53 come back as decimal text.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaAnalytics } from '../handlers/api-athena';
import { handleApiRequest } from '../handlers/core/api';
import { athenaRows, executionParameter } from '../handlers/core/api-athena-rows';

const athena = mockClient(AthenaClient);
const COLUMNS = [
  { Name: 'region', Type: 'varchar' },
  { Name: 'trending_date', Type: 'date' },
  { Name: 'category_id', Type: 'bigint' },
  { Name: 'category_title', Type: 'varchar' },
  { Name: 'videos', Type: 'bigint' },
  { Name: 'views', Type: 'decimal', Precision: 38, Scale: 0 },
  { Name: 'likes', Type: 'decimal', Precision: 38, Scale: 0 },
  { Name: 'dislikes', Type: 'decimal', Precision: 38, Scale: 0 },
  { Name: 'comments', Type: 'decimal', Precision: 38, Scale: 0 },
];
const row = (...v: string[]) => ({ Data: v.map((x) => ({ VarCharValue: x })) });

function port() {
  return new AthenaAnalytics(new AthenaClient({ region: 'eu-west-1' }), {
    workGroup: 'lakestep-dev-workgroup',
    database: 'lakestep_dev_analytics',
    reuseMinutes: 60,
    sleep: async () => undefined,
  });
}

beforeEach(() => athena.reset());

describe('API on Athena', () => {
  it('passes every value as an execution parameter, reuses results and converts the rows', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: COLUMNS },
        Rows: [
          row(...COLUMNS.map((c) => c.Name)),
          row('us', '2017-11-14', '24', "Rock 'n' Roll", '3', '9007199254740993', '12', '1', '0'),
          row('us', '2017-11-14', '25', 'News', '1', '10', '2', '0', '0'),
        ],
      },
    });
    const res = await handleApiRequest(
      {
        method: 'GET',
        path: '/v1/category-daily',
        query: { region: ['us'], from: ['2017-11-14'], category_id: ['24'], limit: ['1'] },
        apiKey: undefined,
      },
      { analytics: port(), runs: { batchOutcomes: async () => [] } },
      { authorize: null, cursorSecret: 's', serverUrl: 'https://x' },
    );
    expect(res.status).toBe(200);
    const body = res.body as { items: Record<string, unknown>[]; nextCursor: string | null };
    expect(body.items).toEqual([
      {
        region: 'us',
        trending_date: '2017-11-14',
        category_id: 24,
        category_title: "Rock 'n' Roll",
        videos: 3,
        views: '9007199254740993',
        likes: 12,
        dislikes: 1,
        comments: 0,
      },
    ]);
    expect(body.nextCursor).toEqual(expect.any(String));
    const start = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(start?.WorkGroup).toBe('lakestep-dev-workgroup');
    expect(start?.ExecutionParameters).toEqual(["'us'", "'2017-11-14'", '24']);
    expect(start?.QueryString).toContain('"lakestep_dev_analytics".category_daily');
    expect(start?.QueryString).not.toMatch(/2017-11-14|'us'|\b24\b/);
    expect(start?.QueryString).not.toMatch(/LIMIT/); // Athena takes `?` in WHERE only: pages stop the read
    expect(start?.ResultReuseConfiguration?.ResultReuseByAgeConfiguration).toEqual({
      Enabled: true,
      MaxAgeInMinutes: 60,
    });
  });

  it('reads result pages only until it has the rows asked for', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const meta = { ColumnInfo: [{ Name: 'n', Type: 'integer' }] };
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: { ResultSetMetadata: meta, Rows: [row('n'), row('1'), row('2')] },
        NextToken: 't',
      })
      .resolvesOnce({ ResultSet: { ResultSetMetadata: meta, Rows: [row('3'), row('4')] }, NextToken: 't2' })
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [row('5')] } });
    const rows = await port().query({ sql: 'SELECT n FROM ${analytics}.t', params: [], maxRows: 3 });
    expect(rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
    expect(
      athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input.ExecutionParameters,
    ).toBeUndefined();
  });

  it('a failed query is an error with Athena’s reason (the core answers 500, without it)', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'TABLE_NOT_FOUND' } } });
    await expect(port().query({ sql: 'SELECT 1', params: [], maxRows: 1 })).rejects.toThrow(
      /q-3 FAILED: TABLE_NOT_FOUND/,
    );
    const res = await handleApiRequest(
      { method: 'GET', path: '/v1/regions', query: {}, apiKey: undefined },
      { analytics: port(), runs: { batchOutcomes: async () => [] } },
      { authorize: null, cursorSecret: 's', serverUrl: 'https://x' },
    );
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toMatch(/TABLE_NOT_FOUND/);
  });

  it('quotes text parameters as SQL literals and refuses a non-integer bigint', () => {
    expect(executionParameter({ type: 'varchar', value: "a'b" })).toBe("'a''b'");
    expect(() => executionParameter({ type: 'bigint', value: '1 OR 1=1' })).toThrow(/Not an integer/);
    expect(athenaRows([{ Name: 'x', Type: 'bigint' }], [row('x'), { Data: [{}] }], true)).toEqual([
      { x: null },
    ]);
  });
});
