/**
 * The vocabulary of a lakestep workflow: plain, typed data. Renderers (ASL, IAM, alarms) read it;
 * nothing here does I/O or imports aws-cdk-lib.
 */
import type { Dataset } from './datasets';
import type { RestSource } from './sources';

/** A Retry rule, as data. Rendered 1:1 into an ASL Retrier. */
export interface RetryPolicy {
  readonly errors: readonly string[];
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds?: number;
  readonly jitter?: 'FULL' | 'NONE';
  /** Why this rule exists: which failure mode of the service it absorbs. */
  readonly why: string;
}

/** A Catch rule: only for outcomes the workflow handles on purpose (never a catch-all). */
export interface CatchRule {
  readonly errors: readonly string[];
  readonly next: string;
  readonly resultPath: string;
  readonly why: string;
}

/** A Lambda function behind a task: its handler file and its sizing. */
export interface LambdaFunctionSpec {
  /** PascalCase id: placeholder `${<id>FunctionArn}`, construct ids and alarm names derive from it. */
  readonly id: string;
  /** File under handlers/ (kebab-case) that exports `handler`. */
  readonly handlerFile: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly description: string;
}

interface StepBase {
  /** camelCase id used by `next` references. */
  readonly id: string;
  /** What a person reads in the console graph: a short sentence. */
  readonly stateName: string;
  readonly comment?: string;
}

interface TaskBase extends StepBase {
  readonly next?: string;
  readonly end?: boolean;
  readonly retry: readonly RetryPolicy[];
  readonly catch?: readonly CatchRule[];
  /** Task timeout (also enforced locally). */
  readonly timeoutSeconds: number;
  /** Where the result lands in the state's data; null discards it. */
  readonly resultPath: string | null;
  /**
   * Thresholds of the alarms this step's kind gets (workflows/alarms.ts holds the defaults): a key
   * overrides its alarm's default values, `false` turns that alarm off for this step.
   */
  readonly alarms?: StepAlarms;
}

export interface LambdaStep extends TaskBase {
  readonly kind: 'lambda';
  readonly function: LambdaFunctionSpec;
  /** Payload template (ASL JSONPath Parameters syntax). */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Fields the handler's result always carries; rendered as the ResultSelector over `$.Payload`. */
  readonly resultFields: readonly string[];
}

export interface GlueJobStep extends TaskBase {
  readonly kind: 'glueJob';
  /** PascalCase id: placeholder `${<id>JobName}`. */
  readonly jobId: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  readonly resultSelector: Readonly<Record<string, string>>;
}

export interface CrawlerStep extends TaskBase {
  readonly kind: 'crawlerStart' | 'crawlerStatus';
  /** PascalCase id: placeholder `${<id>CrawlerName}`. */
  readonly crawlerId: string;
  readonly resultSelector?: Readonly<Record<string, string | boolean>>;
}

export interface AthenaStep extends TaskBase {
  readonly kind: 'athenaQuery';
  /** Which materialization this task runs. */
  readonly materialization: string;
  readonly resultSelector: Readonly<Record<string, string>>;
}

export type Condition =
  | { readonly variable: string; readonly stringEquals: string }
  | { readonly variable: string; readonly booleanEquals: boolean }
  | { readonly variable: string; readonly isPresent: boolean }
  | { readonly variable: string; readonly numericLessThan: number }
  | { readonly and: readonly Condition[] };

export interface ChoiceStep extends StepBase {
  readonly kind: 'choice';
  /** Each rule carries a label: what the edge says in a graph. */
  readonly rules: readonly { readonly when: Condition; readonly next: string; readonly label: string }[];
  readonly default?: string;
}

export interface WaitStep extends StepBase {
  readonly kind: 'wait';
  /** A fixed wait, or where the state's data holds the seconds (a task's answer: a jittered wait). */
  readonly seconds: number | { readonly path: string };
  readonly next: string;
}

export interface FailStep extends StepBase {
  readonly kind: 'fail';
  readonly error: string;
  /** JSONPath to a cause that names the object and the problem. */
  readonly causePath: string;
}

export interface SucceedStep extends StepBase {
  readonly kind: 'succeed';
}

export type TaskStep = LambdaStep | GlueJobStep | CrawlerStep | AthenaStep;
export type Step = TaskStep | ChoiceStep | WaitStep | FailStep | SucceedStep;

export function isTask(step: Step): step is TaskStep {
  return (
    step.kind === 'lambda' ||
    step.kind === 'glueJob' ||
    step.kind === 'crawlerStart' ||
    step.kind === 'crawlerStatus' ||
    step.kind === 'athenaQuery'
  );
}

/**
 * One analytics table, declared by its SELECT: lakestep writes the MERGE (workflows/materialize-sql.ts),
 * one statement that both DuckDB and Athena (Trino, Iceberg tables) run as written: atomic, so
 * concurrent executions cannot double rows, and it deletes the keys of its scope the SELECT no longer yields.
 */
export interface Materialization {
  readonly name: string;
  /** Table in the `${analytics}` database. */
  readonly table: string;
  readonly columns: readonly { readonly name: string; readonly type: MaterializedType }[];
  /** Columns that identify a row within the table. */
  readonly key: readonly string[];
  /**
   * What one execution re-materializes: the rows of its partition value (`:region` in the SELECT and the
   * checks stands for it as a SQL literal; rows of other values are never touched), or the whole table.
   */
  readonly scope: MaterializationScope;
  /**
   * A SELECT in the shared dialect (workflows/sql-dialect.ts, no `/`) over `${cleansed}.<table>` and
   * earlier `${analytics}.<table>`, yielding the columns by name: the rows the table holds for the scope.
   */
  readonly select: string;
  /** Rules on the materialized rows, evaluated at "Check analytics" after the MERGE (decision 0032). */
  readonly checks?: readonly AnalyticsCheck[];
  readonly description: string;
}

/** A partition column (it must be in the key) or the whole table (joins across datasets). */
export type MaterializationScope = { readonly partition: string } | 'table';

/**
 * A data-quality rule on a materialization: `sql` SELECTs the violating rows (in the shared dialect;
 * `:region` as in its materialization's SELECT). `warn` is reported and the execution succeeds; `fail`
 * ends it FAILED with DataQualityFailed at "Check analytics" (the table stays what the data says).
 */
export interface AnalyticsCheck {
  /** snake_case: the metric dimension and what the cause names. */
  readonly name: string;
  readonly description: string;
  readonly severity: 'fail' | 'warn';
  readonly sql: string;
}
export type SqlType = 'VARCHAR' | 'BIGINT' | 'DATE' | 'TIMESTAMP' | 'BOOLEAN';

/**
 * A materialized column's type: the SQL types, plus DECIMAL(38,0) for sums of counts and DECIMAL(38,2)
 * for sums of money (exact on DuckDB and Athena/Iceberg).
 */
export type MaterializedType = SqlType | 'DECIMAL(38,0)' | 'DECIMAL(38,2)';

export interface Workflow {
  readonly name: string;
  readonly comment: string;
  readonly timeoutSeconds: number;
  readonly startAt: string;
  readonly steps: readonly Step[];
  /** The datasets its objects belong to: routes, formats and transform specs (workflows/datasets.ts). */
  readonly datasets: readonly Dataset[];
  readonly materializations: readonly Materialization[];
  /** Alarm thresholds of the state machine and of the data; absent: the defaults of workflows/alarms.ts. */
  readonly monitoring?: WorkflowMonitoring;
  /** Scheduled REST fetches that land files as uploads would (workflows/sources.ts). */
  readonly sources?: readonly RestSource[];
  /** The authenticated analytics API and its dashboards over this workflow's tables, when it has one. */
  readonly analyticsApi?: AnalyticsApiDeclaration;
}

/**
 * The analytics API (handlers/api.ts, `lakestep serve`, infra/api.ts): its queries are written for a
 * table of `category_daily`'s shape (per region, day and category), so only such a table is served;
 * the stack deploys the API, its alarms and runbooks only for a workflow that declares it.
 */
export interface AnalyticsApiDeclaration {
  /** The materialization's table the API reads. */
  readonly table: string;
}

/**
 * Who hears about an alarm. `page`: it feeds the composite "pipeline unhealthy" alarm, which pages
 * on-call; `notice`: the notices topic only (read in working hours). Every alarm notifies its topic.
 */
export type AlarmSeverity = 'page' | 'notice';

/** The values of one alarm that a workflow may set; what is not set keeps the kind's default. */
export interface AlarmThreshold {
  /** In the unit of the alarm kind (a count, a share of the timeout, bytes, minutes, a percent). */
  readonly threshold: number;
  /** Length of one evaluation period, in minutes. */
  readonly periodMinutes: number;
  /** How many periods are evaluated, and how many of them must breach. */
  readonly evaluationPeriods: number;
  readonly severity: AlarmSeverity;
}

export type AlarmOverride = Partial<AlarmThreshold> | false;

/** Alarms a task step gets, by the kind of resource it calls. */
export type StepAlarmKind =
  | 'lambdaErrors'
  | 'lambdaThrottles'
  | 'lambdaDurationNearTimeout'
  /** Opt-in for a step that acquires an admission slot: an object waited too long for one. */
  | 'slotWaitTooLong'
  | 'glueJobFailed'
  | 'glueJobTimedOut'
  | 'crawlerFailed'
  | 'athenaQueryFailed'
  | 'athenaBytesScanned';
export type StepAlarms = Readonly<Partial<Record<StepAlarmKind, AlarmOverride>>>;

/** Alarms of the state machine and of the failure capture around it. */
export type StateMachineAlarmKind =
  | 'systemFaults'
  | 'executionsTimedOut'
  | 'executionsAborted'
  | 'executionsThrottled'
  | 'executionDurationP99'
  | 'failureCaptureUndelivered'
  | 'triggerUndelivered';

/** Alarms on what the data did: per dataset, except rejected objects (an unknown object has no dataset). */
export type DatasetAlarmKind = 'dqFailedBatches' | 'quarantinedRowShare' | 'freshness';
export type DataAlarmKind = DatasetAlarmKind | 'rejectedObjects';

export interface DatasetMonitoring {
  /** No successful run of the dataset for this many hours fires its freshness alarm; null: no such alarm. */
  readonly freshnessHours: number | null;
  readonly alarms?: Readonly<Partial<Record<Exclude<DatasetAlarmKind, 'freshness'>, AlarmOverride>>> & {
    readonly freshness?: Partial<Omit<AlarmThreshold, 'threshold' | 'periodMinutes' | 'evaluationPeriods'>>;
  };
}

export interface WorkflowMonitoring {
  readonly stateMachine?: Readonly<Partial<Record<StateMachineAlarmKind, AlarmOverride>>>;
  readonly rejectedObjects?: AlarmOverride;
  /** Keyed by dataset name: a dataset the workflow processes and has no entry here gets the defaults. */
  readonly datasets?: Readonly<Record<string, DatasetMonitoring>>;
}
