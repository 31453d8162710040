/**
 * What the API core reads through: a SQL engine over the analytics tables (DuckDB locally, Athena on
 * AWS) and the run records behind the data-health view. Values arrive already JSON-shaped.
 */
export type JsonScalar = string | number | boolean | null;

/** A bound parameter: the engine binds it (DuckDB) or passes it as an execution parameter (Athena). */
export type SqlParam =
  | { readonly type: 'varchar'; readonly value: string }
  | { readonly type: 'bigint'; readonly value: string };

export interface AnalyticsStatement {
  /** Constant SQL text with `?` placeholders in WHERE only, and `${analytics}` for the database. */
  readonly sql: string;
  readonly params: readonly SqlParam[];
  /** The most rows the caller reads (the engine may stop there). */
  readonly maxRows: number;
}

export type AnalyticsRow = Record<string, JsonScalar>;

export interface AnalyticsQueryPort {
  query(statement: AnalyticsStatement): Promise<AnalyticsRow[]>;
}

/** One batch's data-quality outcome, from its run summary or its quarantine record. */
export interface BatchOutcome {
  readonly region: string;
  readonly dataset: string;
  readonly outcome: 'passed' | 'quarantined';
  /** ISO-8601 instant the outcome was recorded. */
  readonly at: string;
  readonly rows: { readonly read: number; readonly cleansed: number; readonly quarantined: number };
}

export interface RunRecordsPort {
  batchOutcomes(): Promise<BatchOutcome[]>;
}

export interface ApiPorts {
  readonly analytics: AnalyticsQueryPort;
  readonly runs: RunRecordsPort;
}
