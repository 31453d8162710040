/**
 * Binds every Task of the committed ASL to a local implementation, by its Resource (and, for Lambda,
 * by the FunctionName placeholder), returning the AWS response shapes so ResultSelector/ResultPath
 * work unchanged. Fault injection for tests and game days lives here.
 */
import { createHash } from 'node:crypto';
import { capText, LakeError } from '../handlers/core/errors';
import type { CorePorts } from '../handlers/core/ports';
import { type Dataset, transformedAtIngest } from '../workflows/datasets';
import { RESOURCES } from '../workflows/render-asl';
import { exportAnalyticsSnapshot } from './api/snapshot';
import type { Warehouse } from './catalog';
import type { FsStorage } from './fs-storage';
import { LOCAL_FUNCTIONS } from './lambdas';
import type { LocalCatalog } from './local-catalog';
import { parseSqlLiteral } from './sql';
import { transformRecords } from './transform';
import { WarehouseAnalyticsChecks } from './warehouse-analytics-checks';

export type TaskKind = 'lambda' | 'glueJob' | 'crawlerStart' | 'crawlerStatus' | 'athenaQuery';

export interface BoundTask {
  readonly stateName: string;
  readonly statePath: string;
  readonly kind: TaskKind;
  readonly resource: string;
  /** The placeholder named by FunctionName / JobName / Name (without `${}`), if any. */
  readonly placeholder: string | null;
}

const KIND_BY_RESOURCE: Record<string, TaskKind> = {
  [RESOURCES.lambdaInvoke]: 'lambda',
  [RESOURCES.glueStartJobRunSync]: 'glueJob',
  [RESOURCES.glueStartCrawler]: 'crawlerStart',
  [RESOURCES.glueGetCrawler]: 'crawlerStatus',
  [RESOURCES.athenaStartQueryExecutionSync]: 'athenaQuery',
};

/** The error a transient fault raises per integration: one the state's Retry policy absorbs. */
export const TRANSIENT_FAULT_ERROR: Record<TaskKind, string> = {
  lambda: 'Lambda.ServiceException',
  glueJob: 'Glue.ConcurrentRunsExceededException',
  crawlerStart: 'Glue.ThrottlingException',
  crawlerStatus: 'Glue.ThrottlingException',
  athenaQuery: 'Athena.TooManyRequestsException',
};

/**
 * transient: the first call fails, the Retry policy absorbs it; permanent: every call fails; hang: the
 * task never answers (until the state's or the workflow's timeout, or an abort), as a stuck job would.
 */
export type FaultMode = 'transient' | 'permanent' | 'hang';
export const FAULT_MODES: readonly FaultMode[] = ['transient', 'permanent', 'hang'];
export interface Fault {
  readonly state: string;
  readonly mode: FaultMode;
}

type AslStates = Record<string, Record<string, unknown>>;

/** Walks a definition (with its placeholders) and lists its Task states, nested ones included. */
export function findTasks(definition: { States: AslStates }, parent = ''): BoundTask[] {
  const out: BoundTask[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    const path = parent ? `${parent}/${name}` : name;
    if (state.Type === 'Task') {
      const resource = String(state.Resource);
      const kind = KIND_BY_RESOURCE[resource];
      if (!kind) throw new Error(`State "${path}": no local binding for Resource ${resource}`);
      const params = (state.Parameters ?? {}) as Record<string, unknown>;
      const ref = params.FunctionName ?? params.JobName ?? params.Name ?? params.WorkGroup;
      const m = typeof ref === 'string' ? /^\$\{([A-Za-z0-9]+)\}$/.exec(ref) : null;
      out.push({ stateName: name, statePath: path, kind, resource, placeholder: m?.[1] ?? null });
    }
    const branches = [
      ...((state.Branches as { States: AslStates }[] | undefined) ?? []),
      ...[state.ItemProcessor, state.Iterator].filter(Boolean).map((x) => x as { States: AslStates }),
    ];
    for (const b of branches) out.push(...findTasks(b, path));
  }
  const seen = new Set<string>();
  for (const t of out) {
    if (seen.has(t.stateName))
      throw new Error(`State name "${t.stateName}" is used twice; local bindings need unique task names`);
    seen.add(t.stateName);
  }
  return out;
}

/**
 * The local crawler: crawls when started, then reports RUNNING for one poll, as a real crawl would; its
 * LastCrawl (SUCCEEDED, or FAILED with the error) outlives the process, as Glue's does.
 */
export class LocalCrawler {
  private state: 'READY' | 'RUNNING' = 'READY';
  private pollsLeft = 0;
  private lastCrawl: Record<string, unknown> | null = null;

  constructor(
    readonly name: string,
    private readonly warehouse: Warehouse,
    private readonly storage: FsStorage,
    private readonly bucket: string,
    private readonly catalog: LocalCatalog,
  ) {}

  async start(): Promise<void> {
    if (this.state === 'RUNNING')
      throw named('Glue.CrawlerRunningException', `Crawler with name ${this.name} has already started`);
    this.state = 'RUNNING';
    this.pollsLeft = 1;
    const startTime = new Date().toISOString();
    try {
      const tables = await this.warehouse.exclusive(() => this.warehouse.crawl(this.storage, this.bucket));
      await this.catalog.recordCrawl(tables);
      this.lastCrawl = { Status: 'SUCCEEDED', StartTime: startTime, Tables: tables.map((t) => t.name) };
    } catch (e) {
      this.lastCrawl = { Status: 'FAILED', StartTime: startTime, ErrorMessage: (e as Error).message };
    }
    await this.catalog.recordLastCrawl(this.name, this.lastCrawl);
  }

  async get(): Promise<Record<string, unknown>> {
    if (this.state === 'RUNNING') {
      if (this.pollsLeft > 0) this.pollsLeft--;
      else this.state = 'READY';
    }
    this.lastCrawl ??= await this.catalog.lastCrawl(this.name);
    return {
      Crawler: {
        Name: this.name,
        State: this.state,
        ...(this.lastCrawl ? { LastCrawl: this.lastCrawl } : {}),
      },
    };
  }
}

export interface BindingContext {
  readonly storage: FsStorage;
  readonly warehouse: Warehouse;
  readonly crawlers: ReadonlyMap<string, LocalCrawler>;
  readonly portsFor: (task: BoundTask) => CorePorts;
  /** The workflow's datasets: the Glue stand-in transforms a batch by its dataset's spec. */
  readonly datasets: readonly Dataset[];
  readonly faults: readonly Fault[];
  /** Ends the execution's hung (fault-injected) tasks when it stops. */
  readonly signal?: AbortSignal;
  /** A redrive's earlier results: a call it answers does not run again (nor count as an invocation). */
  readonly memo?: (task: BoundTask, input: unknown) => { result: unknown } | undefined;
  /** Local implementations by state name that replace the bound ones (fixture workflows, tests). */
  readonly overrides?: Readonly<Record<string, Handler>>;
  /** Called after every task invocation, for the execution store. */
  readonly record: (
    task: BoundTask,
    attempt: number,
    input: unknown,
    outcome: { result?: unknown; error?: Error },
    startedAt: Date,
  ) => void;
}

export function named(name: string, message: string): Error {
  return new LakeError(name, message);
}

export type Handler = (input: unknown) => Promise<unknown>;

/** A task that never answers, until the execution stops (the signal), as a stuck service call would. */
function hang(task: BoundTask, signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    // A pending promise alone does not keep Node running: the timer does, until the abort clears it.
    const keepAlive = setInterval(() => {}, 60_000);
    const stop = () => {
      clearInterval(keepAlive);
      reject(named('States.Aborted', `Injected hang at "${task.stateName}" ended: the execution stopped`));
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}

/** The longest task error message kept (Step Functions itself cuts a cause at 32,768 characters). */
const TASK_ERROR_CHARACTERS = 4000;

export function bindTasks(tasks: readonly BoundTask[], ctx: BindingContext): Record<string, Handler> {
  const handlers: Record<string, Handler> = {};
  for (const task of tasks) {
    const impl = ctx.overrides?.[task.stateName] ?? implementationFor(task, ctx);
    const fault = ctx.faults.find((f) => f.state === task.stateName);
    let attempts = 0;
    handlers[task.stateName] = async (input: unknown) => {
      const reused = ctx.memo?.(task, input);
      if (reused) return reused.result;
      attempts++;
      const startedAt = new Date();
      try {
        if (fault?.mode === 'hang') await hang(task, ctx.signal);
        if (fault && (fault.mode === 'permanent' || attempts === 1))
          throw named(
            TRANSIENT_FAULT_ERROR[task.kind],
            `Injected ${fault.mode} fault at "${task.stateName}" (attempt ${attempts}); the real service would answer the same error`,
          );
        // Results cross a JSON boundary on AWS; make sure they do here too.
        const result = JSON.parse(JSON.stringify(await impl(input)));
        ctx.record(task, attempts, input, { result }, startedAt);
        return result;
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        // A message that echoes data (a driver quoting a value) must not grow the history and events.
        error.message = capText(error.message, TASK_ERROR_CHARACTERS);
        ctx.record(task, attempts, input, { error }, startedAt);
        throw error;
      }
    };
  }
  return handlers;
}

function implementationFor(task: BoundTask, ctx: BindingContext): Handler {
  switch (task.kind) {
    case 'lambda': {
      const id = task.placeholder?.replace(/FunctionArn$/, '') ?? '';
      const fn = LOCAL_FUNCTIONS[id];
      if (!fn)
        throw new Error(
          `State "${task.statePath}": no local function for FunctionName \${${task.placeholder}}`,
        );
      return async (params) => {
        const { Payload } = params as { Payload: unknown };
        const parsed = fn.schema.safeParse(Payload);
        if (!parsed.success)
          throw named(
            'Lake.ContractViolation',
            `The task input is not what "${task.stateName}" expects: ${parsed.error.message}`,
          );
        // The analytics checks read the warehouse the MERGEs write (Athena on AWS).
        const ports = { ...ctx.portsFor(task), analyticsChecks: new WarehouseAnalyticsChecks(ctx.warehouse) };
        try {
          const payload = await fn.core(parsed.data as never, ports);
          return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: payload };
        } finally {
          ports.metrics.publishStoredMetrics();
        }
      };
    }
    case 'glueJob':
      return async (params) => {
        const { JobName, Arguments } = params as { JobName: string; Arguments: Record<string, string> };
        const startedOn = new Date();
        const id = `jr_${createHash('sha256').update(JSON.stringify(Arguments)).update(startedOn.toISOString()).digest('hex').slice(0, 32)}`;
        const dataset = ctx.datasets.find((d) => d.name === Arguments['--dataset']);
        if (!dataset || transformedAtIngest(dataset))
          throw glueFailure(
            JobName,
            id,
            `The transform job has no transform for dataset ${Arguments['--dataset']} (it transforms ${
              ctx.datasets
                .filter((d) => !transformedAtIngest(d))
                .map((d) => d.name)
                .join(', ') || 'no dataset'
            })`,
          );
        // Its own connection: the transform's TEMP tables and settings must not meet another batch's.
        const conn = await ctx.warehouse.connect();
        try {
          await transformRecords(
            conn,
            ctx.storage,
            {
              batchId: arg(Arguments, '--batch_id'),
              region: arg(Arguments, '--region'),
              sourceObject: arg(Arguments, '--source_object'),
              bronze: { bucket: arg(Arguments, '--bronze_bucket'), key: arg(Arguments, '--bronze_key') },
              staging: {
                bucket: arg(Arguments, '--staging_bucket'),
                prefix: arg(Arguments, '--staging_prefix'),
              },
              ingestedAt: arg(Arguments, '--ingested_at'),
            },
            dataset.transform,
            dataset.format,
          );
        } catch (e) {
          throw glueFailure(JobName, id, (e as Error).message);
        } finally {
          conn.closeSync();
        }
        const completedOn = new Date();
        return {
          Id: id,
          JobName,
          JobRunState: 'SUCCEEDED',
          Arguments,
          StartedOn: startedOn.toISOString(),
          CompletedOn: completedOn.toISOString(),
          ExecutionTime: Math.round((completedOn.getTime() - startedOn.getTime()) / 1000),
        };
      };
    case 'crawlerStart':
    case 'crawlerStatus':
      return async (params) => {
        const { Name } = params as { Name: string };
        const crawler = ctx.crawlers.get(Name);
        if (!crawler)
          throw named('Glue.EntityNotFoundException', `Crawler entry with name ${Name} does not exist`);
        if (task.kind === 'crawlerStart') {
          await crawler.start();
          return {};
        }
        return await crawler.get();
      };
    case 'athenaQuery':
      return async (params) => {
        const { QueryString, ExecutionParameters, WorkGroup } = params as {
          QueryString: string;
          ExecutionParameters?: string[];
          WorkGroup?: string;
        };
        const submitted = new Date();
        const id = createHash('sha256')
          .update(QueryString)
          .update(submitted.toISOString())
          .digest('hex')
          .slice(0, 32);
        const values = (ExecutionParameters ?? []).map(parseSqlLiteral);
        let scanned: number;
        try {
          // One MERGE (and the snapshot `lakestep serve` reads while a run holds the lock) at a time; the
          // callers sharing a run share its count of the files it read too (a walk of the region's files).
          scanned = await ctx.warehouse.exclusiveOnce(JSON.stringify([QueryString, values]), async () => {
            await ctx.warehouse.conn.run(QueryString, values);
            await exportAnalyticsSnapshot(ctx.warehouse);
            return scannedBytes(ctx.storage, QueryString);
          });
        } catch (e) {
          throw named(
            'States.TaskFailed',
            JSON.stringify({
              QueryExecution: {
                QueryExecutionId: id,
                Status: { State: 'FAILED', StateChangeReason: (e as Error).message },
              },
            }),
          );
        }
        const completed = new Date();
        return {
          QueryExecution: {
            QueryExecutionId: id,
            Query: QueryString,
            StatementType: 'DML',
            WorkGroup,
            Status: {
              State: 'SUCCEEDED',
              SubmissionDateTime: submitted.toISOString(),
              CompletionDateTime: completed.toISOString(),
            },
            Statistics: {
              // The files of the region the MERGE names (and the categories): an upper bound of what it read.
              DataScannedInBytes: scanned,
              EngineExecutionTimeInMillis: completed.getTime() - submitted.getTime(),
            },
          },
        };
      };
  }
}

/**
 * What the query reads, counted as Athena would bill it without column pruning (an estimate): for each
 * cleansed table it names, the files of the partition values it filters on (`region = 'us'`: the views
 * prune by the path's partition key), or all of the table's files without such a filter. Listing only
 * those keeps the count from growing with the whole lake.
 */
async function scannedBytes(storage: FsStorage, query: string): Promise<number> {
  const regions = [...new Set([...query.matchAll(/\bregion = '([a-z0-9_-]+)'/g)].map((m) => m[1] as string))];
  const tables = [
    ...new Set([...query.matchAll(/\bcleansed\.([a-z][a-z0-9_]*)/g)].map((m) => m[1] as string)),
  ];
  const prefixes = tables.flatMap((t) =>
    regions.length ? regions.map((r) => `${t}/region=${r}/`) : [`${t}/`],
  );
  let bytes = 0;
  for (const prefix of prefixes) for (const f of await storage.list('cleansed', prefix)) bytes += f.size;
  return bytes;
}

function arg(args: Record<string, string>, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || v === '') throw new Error(`job argument ${name} is missing`);
  return v;
}

function glueFailure(jobName: string, id: string, message: string): Error {
  return named(
    'States.TaskFailed',
    JSON.stringify({ JobName: jobName, Id: id, JobRunState: 'FAILED', ErrorMessage: message }),
  );
}
