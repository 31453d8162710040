/**
 * The API's ports on AWS: Athena in the stage's workgroup (execution parameters, results reused for
 * identical queries, pages read up to what the caller needs) and the run records in S3.
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { athenaRows, executionParameter } from './core/api-athena-rows';
import type {
  AnalyticsQueryPort,
  AnalyticsRow,
  AnalyticsStatement,
  BatchOutcome,
  RunRecordsPort,
} from './core/api-ports';

export interface AthenaAnalyticsOptions {
  readonly workGroup: string;
  readonly database: string;
  /** Athena answers an identical query from a result this young without scanning again. */
  readonly reuseMinutes: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const PAGE = 1000;

export class AthenaAnalytics implements AnalyticsQueryPort {
  constructor(
    private readonly athena: AthenaClient,
    private readonly options: AthenaAnalyticsOptions,
  ) {}

  async query(statement: AnalyticsStatement): Promise<AnalyticsRow[]> {
    const { QueryExecutionId: id } = await this.athena.send(
      new StartQueryExecutionCommand({
        QueryString: statement.sql.replaceAll('${analytics}', `"${this.options.database}"`),
        WorkGroup: this.options.workGroup,
        ...(statement.params.length ? { ExecutionParameters: statement.params.map(executionParameter) } : {}),
        ResultReuseConfiguration: {
          ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: this.options.reuseMinutes },
        },
      }),
    );
    if (!id) throw new Error('Athena started no query execution');
    await this.finished(id);
    const rows: AnalyticsRow[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: PAGE }),
      );
      rows.push(
        ...athenaRows(page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [], page.ResultSet?.Rows ?? [], first),
      );
      first = false;
      token = page.NextToken;
    } while (token && rows.length < statement.maxRows);
    return rows.slice(0, statement.maxRows);
  }

  private async finished(id: string): Promise<void> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((ok) => setTimeout(ok, ms)));
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      const { QueryExecution: q } = await this.athena.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = q?.Status?.State;
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED' || state === 'CANCELLED')
        throw new Error(`Athena query ${id} ${state}: ${q?.Status?.StateChangeReason ?? 'no reason given'}`);
      await sleep(delay);
    }
  }
}

/** Run summaries (analytics/_runs/statistics/) and quarantine records (quarantine/batches/statistics/). */
export class S3RunRecords implements RunRecordsPort {
  constructor(
    private readonly s3: S3Client,
    private readonly buckets: { readonly analytics: string; readonly quarantine: string },
  ) {}

  async batchOutcomes(): Promise<BatchOutcome[]> {
    const passed = await this.read(this.buckets.analytics, '_runs/statistics/', (k) => k.endsWith('.json'));
    const failed = await this.read(this.buckets.quarantine, 'batches/statistics/', (k) =>
      k.endsWith('/reason.json'),
    );
    return [
      ...passed.flatMap((o) => outcome(o, 'passed')),
      ...failed.flatMap((o) => outcome(o, 'quarantined')),
    ];
  }

  private async read(bucket: string, prefix: string, wanted: (key: string) => boolean) {
    const out: { key: string; modified: Date; body: string }[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key || !wanted(o.Key)) continue;
        const got = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
        out.push({
          key: o.Key,
          modified: o.LastModified ?? new Date(0),
          body: (await got.Body?.transformToString()) ?? '',
        });
      }
      token = page.NextContinuationToken;
    } while (token);
    return out;
  }
}

function outcome(
  o: { key: string; modified: Date; body: string },
  kind: BatchOutcome['outcome'],
): BatchOutcome[] {
  const region = /\/region=([^/]+)\//.exec(o.key)?.[1];
  let doc: { rows?: Record<string, unknown>; finishedAt?: unknown };
  try {
    doc = JSON.parse(o.body);
  } catch {
    return [];
  }
  if (!region || !doc.rows) return [];
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return [
    {
      region,
      dataset: 'statistics',
      outcome: kind,
      at: typeof doc.finishedAt === 'string' ? doc.finishedAt : o.modified.toISOString(),
      rows: { read: n(doc.rows.read), cleansed: n(doc.rows.cleansed), quarantined: n(doc.rows.quarantined) },
    },
  ];
}
