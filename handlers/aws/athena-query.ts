/**
 * One Athena query in a workgroup, as the API and the analytics checks run it: StartQueryExecution,
 * GetQueryExecution polled with a growing delay until it ends, then GetQueryResults page by page up
 * to the rows the caller needs, typed by the result metadata (handlers/core/api-athena-rows.ts).
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { athenaRows } from '../core/api-athena-rows';
import type { AnalyticsRow } from '../core/api-ports';

export interface AthenaQuery {
  readonly sql: string;
  readonly workGroup: string;
  /** ExecutionParameters, as SQL literals. */
  readonly parameters?: readonly string[];
  /** Answer an identical query from a result this young without scanning again. */
  readonly reuseMinutes?: number;
  readonly maxRows: number;
}

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

const PAGE = 1000;

/** Athena ended the query FAILED or CANCELLED: the reason it gives, with the query's id. */
export class AthenaQueryFailed extends Error {
  constructor(
    readonly queryExecutionId: string,
    readonly state: string,
    reason: string,
  ) {
    super(`Athena query ${queryExecutionId} ${state}: ${reason}`);
    this.name = 'AthenaQueryFailed';
  }
}

export async function runAthenaQuery(
  athena: AthenaClient,
  query: AthenaQuery,
  sleep: Sleep = realSleep,
): Promise<AnalyticsRow[]> {
  const start: StartQueryExecutionCommandInput = {
    QueryString: query.sql,
    WorkGroup: query.workGroup,
    ...(query.parameters?.length ? { ExecutionParameters: [...query.parameters] } : {}),
    ...(query.reuseMinutes !== undefined
      ? {
          ResultReuseConfiguration: {
            ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: query.reuseMinutes },
          },
        }
      : {}),
  };
  const { QueryExecutionId: id } = await athena.send(new StartQueryExecutionCommand(start));
  if (!id) throw new Error('Athena started no query execution');
  await finished(athena, id, sleep);
  const rows: AnalyticsRow[] = [];
  let token: string | undefined;
  let first = true;
  do {
    const page = await athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: PAGE }),
    );
    rows.push(
      ...athenaRows(page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [], page.ResultSet?.Rows ?? [], first),
    );
    first = false;
    token = page.NextToken;
  } while (token && rows.length < query.maxRows);
  return rows.slice(0, query.maxRows);
}

async function finished(athena: AthenaClient, id: string, sleep: Sleep): Promise<void> {
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    const { QueryExecution: q } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = q?.Status?.State;
    if (state === 'SUCCEEDED') return;
    if (state === 'FAILED' || state === 'CANCELLED')
      throw new AthenaQueryFailed(id, state, q?.Status?.StateChangeReason ?? 'no reason given');
    await sleep(delay);
  }
}
