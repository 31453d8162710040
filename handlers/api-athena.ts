/**
 * The API's ports on AWS: Athena in the stage's workgroup (execution parameters, results reused for
 * identical queries, pages read up to what the caller needs) and the run records in S3.
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { runAthenaQuery } from './aws/athena-query';
import { executionParameter } from './core/api-athena-rows';
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

export class AthenaAnalytics implements AnalyticsQueryPort {
  constructor(
    private readonly athena: AthenaClient,
    private readonly options: AthenaAnalyticsOptions,
  ) {}

  query(statement: AnalyticsStatement): Promise<AnalyticsRow[]> {
    return runAthenaQuery(
      this.athena,
      {
        sql: statement.sql.replaceAll('${analytics}', `"${this.options.database}"`),
        workGroup: this.options.workGroup,
        parameters: statement.params.map(executionParameter),
        reuseMinutes: this.options.reuseMinutes,
        maxRows: statement.maxRows,
      },
      this.options.sleep,
    );
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
