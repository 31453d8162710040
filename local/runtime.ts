/**
 * The embedded runtime of one workflow over one lake: lands files, starts one execution of the
 * workflow's committed ASL per landed object (duplicates answered, versions of a key in landing order),
 * redrives unsuccessful ones, and stops them on Ctrl-C — each attempt run by machine-run.ts, recorded by
 * execution-recording.ts, its tasks bound by bindings.ts.
 */
import './polyfills';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { executionNameFor } from '../handlers/core/execution-name';
import type { CorePorts } from '../handlers/core/ports';
import { releaseRegionMergesOf, releaseSlotsOf } from '../handlers/core/record-failure';
import { DEFAULT_STAGE_SETTINGS } from '../infra/config';
import { CHECK_ANALYTICS_STEP_ID } from '../workflows/analytics-checks';
import { regionMergesOf } from '../workflows/region-merge';
import { admissionGatesOf } from '../workflows/transform-admission';
import type { Workflow } from '../workflows/types';
import { type BoundTask, bindTasks, type Fault, type Handler, LocalCrawler } from './bindings';
import { KeyedQueue, mapBounded } from './bounded';
import { capturedLog, capturedMetrics } from './capture';
import { Warehouse } from './catalog';
import { LocalDefinition, machineFor } from './definition';
import { AttemptLog, endedRecord, runtimeErrorRecord } from './execution-recording';
import {
  type ExecutionRecord,
  ExecutionStore,
  type StoredEvent,
  type TaskRecord,
  thisProcess,
} from './execution-store';
import { type ExecutionSummary, summarizeExecution } from './execution-summary';
import { FsStorage } from './fs-storage';
import { type LakePaths, lakePaths } from './lake';
import { cleanStaleTemps } from './lake-cleanup';
import { assertLakeOf, claimLake } from './lake-workflow';
import { type LandedObject, landFile, landingKeyOfFile, objectCreatedEvent, relandedObject } from './landing';
import { LocalCatalog } from './local-catalog';
import { LocalRegionMergeTable } from './local-region-merge-table';
import { LocalSlotTable } from './local-slot-table';
import { type MachineRun, runMachine } from './machine-run';
import { type AslDefinition, definitionFrom, TaskMemo } from './redrive';
import { planRedrive, type RedrivePlan } from './redrive-check';

const NO_LOG = { info() {}, warn() {}, error() {} };

export interface RuntimeOptions {
  /** The workflow whose executions this runtime runs (workflows/: the CLI picks it by `--workflow`). */
  readonly workflow: Workflow;
  readonly lake?: string;
  readonly faults?: readonly Fault[];
  /** Local stand-in for Retry backoff and Wait durations (ms); AWS uses the ASL's own. */
  readonly retryDelayMs?: number;
  readonly waitMs?: number;
  /** Waits whose seconds a task answered (the wait for an admission slot), in ms: default 100. */
  readonly answeredWaitMs?: number;
  readonly onEvent?: (execution: string, event: StoredEvent) => void;
  /** Another ASL file (with placeholders) to run instead of the workflow's committed one: fixtures, tests. */
  readonly definitionFile?: string;
  /** Local task implementations by state name that replace the bound ones: fixtures, tests. */
  readonly taskOverrides?: Readonly<Record<string, Handler>>;
  /** Only reads the lake (replay --dry-run): nothing is created, cleaned or recorded. */
  readonly readOnly?: boolean;
  /** Slots of each admission gate (the Glue job's MaxConcurrentRuns on AWS); default the stage default. */
  readonly transformSlots?: number;
}

/** One attempt of an execution: the definition it runs (a redrive's starts at the resume state), its input. */
interface Attempt {
  /** What a redrive runs (the definition trimmed to its resume point); null: the whole definition. */
  readonly definition: AslDefinition | null;
  readonly input: unknown;
  /** 0 for the first attempt, N for the Nth redrive. */
  readonly redrive: number;
  readonly memo: TaskMemo | null;
}

export class LocalRuntime {
  readonly paths: LakePaths;
  readonly storage: FsStorage;
  readonly store: ExecutionStore;
  readonly workflow: Workflow;
  /** The ASL executions run, with its local names. */
  readonly asl: LocalDefinition;
  /** The executions running now, by name, so that abort() can stop them. */
  private readonly running = new Map<string, (cause: string) => void>();
  /** Work on one object key (landing it, deciding and starting its execution) runs in landing order. */
  private readonly byKey = new KeyedQueue();
  /** The local crawlers by name (public so tests and game days can make one busy). */
  readonly crawlers: Map<string, LocalCrawler>;
  /** The local Data Catalog: what the crawls defined and the partitions registered since. */
  readonly catalog: LocalCatalog;
  /** The admission gates' slots (DynamoDB on AWS): they live with this process, which owns the lake. */
  readonly slots = new LocalSlotTable();
  /** The regions' MERGE items (the same DynamoDB table on AWS), likewise. */
  readonly regionMerges = new LocalRegionMergeTable();

  private constructor(
    readonly warehouse: Warehouse,
    private readonly options: RuntimeOptions,
  ) {
    this.paths = lakePaths(options.lake);
    this.storage = new FsStorage(this.paths.root);
    this.store = new ExecutionStore(this.paths.executionsDir, { readOnly: options.readOnly });
    this.catalog = new LocalCatalog(this.paths.catalogDir, (table, prefix) =>
      warehouse.coverPartition(this.storage, this.paths.buckets.cleansed, table, prefix),
    );
    this.workflow = options.workflow;
    this.asl = new LocalDefinition(this.workflow, options.definitionFile);
    this.crawlers = new Map(
      this.asl.tasks
        .filter((t) => t.kind === 'crawlerStart' && t.placeholder)
        .map((t) => {
          const name = this.asl.substitutions[t.placeholder as string] as string;
          return [
            name,
            new LocalCrawler(name, warehouse, this.storage, this.paths.buckets.cleansed, this.catalog),
          ];
        }),
    );
  }

  static async open(options: RuntimeOptions): Promise<LocalRuntime> {
    const paths = lakePaths(options.lake);
    assertLakeOf(paths.root, options.workflow.name);
    if (options.readOnly) return new LocalRuntime(await Warehouse.open(paths, { readOnly: true }), options);
    claimLake(paths.root, options.workflow.name);
    for (const b of Object.values(paths.buckets)) await mkdir(resolve(paths.root, b), { recursive: true });
    await cleanStaleTemps(paths); // what a killed run left: this command owns the lake now
    const warehouse = await Warehouse.open(paths);
    const missing = await warehouse.ensure(options.workflow.materializations, options.workflow.datasets);
    // A warehouse made anew beside cleansed data (e.g. a corrupt one moved aside) gets its views over the
    // promoted files back: partitions are registered without a crawl, so nothing else would restore them.
    if (missing.length) await warehouse.crawl(new FsStorage(paths.root), paths.buckets.cleansed);
    return new LocalRuntime(warehouse, options);
  }

  close(): void {
    this.warehouse.close();
  }

  /** The definition executions run, its placeholders replaced by local names. */
  definition(): AslDefinition {
    return this.asl.definition();
  }

  /** Names of the definition's top-level states (where an execution can stop and a redrive resume). */
  stateNames(): string[] {
    return Object.keys(this.definition().States);
  }

  /** Names of the Task states of the committed ASL (what faults can be injected into). */
  taskStates(): string[] {
    return this.asl.tasks.map((t) => t.stateName);
  }

  /** Lands a file under the key ARCHITECTURE.md gives, as an S3 upload would. The source is only read. */
  land(file: string): Promise<LandedObject> {
    return landFile(this.storage, this.paths.buckets.landing, file, this.workflow.datasets);
  }

  /** The EventBridge "Object Created" event S3 sends for the object: the execution input on AWS too. */
  objectCreatedEvent(obj: LandedObject, time: Date): Record<string, unknown> {
    return objectCreatedEvent(this.paths.buckets.landing, obj, time);
  }

  /**
   * Starts one execution for a landed object. An event for the content that the key's latest execution
   * already processed (or is processing) is a duplicate and is not run again, as StartExecution would
   * refuse it. The same content lands as a new run when it follows another version, or when the latest
   * run of it failed with a system fault (so landing it again after a fix retries it).
   */
  execute(obj: LandedObject): Promise<ExecutionSummary> {
    return this.byKey.run(obj.key, () => this.executeNow(obj));
  }

  /**
   * Lands a file and runs its execution. Files of one key (the same name in two directories) land and
   * run one after the other, in call order, so a later version is never overtaken by an earlier one.
   */
  landAndExecute(file: string): Promise<ExecutionSummary> {
    return this.byKey.run(landingKeyOfFile(file, this.workflow.datasets), async () =>
      this.executeNow(await this.land(file)),
    );
  }

  /**
   * `lakestep run --data` over many files: at most `concurrency` executions at once (default: the core
   * count). Results keep the files' order; once `stop()` says so, no further file is started.
   */
  runAll(
    files: readonly string[],
    concurrency: number = defaultConcurrency(),
    stop?: () => boolean,
    onDone?: (summary: ExecutionSummary, index: number) => void,
  ): Promise<ExecutionSummary[]> {
    return mapBounded(
      files,
      concurrency,
      async (f, i) => {
        const summary = await this.landAndExecute(f);
        onDone?.(summary, i);
        return summary;
      },
      stop,
    );
  }

  private async executeNow(obj: LandedObject): Promise<ExecutionSummary> {
    const latest = (await this.latestByKey()).get(obj.key);
    if (latest && latest.contentSha256 === obj.sha256 && !isSystemFault(latest))
      return { ...(await this.summarize(latest)), duplicateEvent: true };
    return this.start(obj);
  }

  /**
   * `lakestep rerun --object KEY`: a fresh execution for an object already in the landing bucket (after
   * a code or rule fix), whatever its earlier runs ended in. The writes are keyed as for any execution,
   * so the lake ends as one clean run of the object would leave it.
   */
  rerun(objectKey: string): Promise<ExecutionSummary> {
    return this.byKey.run(objectKey, () => this.rerunNow(objectKey));
  }

  private async rerunNow(objectKey: string): Promise<ExecutionSummary> {
    const ref = { bucket: this.paths.buckets.landing, key: objectKey };
    const head = await this.storage.head(ref);
    if (!head)
      throw new Error(
        `No object ${objectKey} in the landing bucket (${resolve(this.paths.root, this.paths.buckets.landing)}): land it with \`lakestep run --data FILE\``,
      );
    const latest = (await this.latestByKey()).get(objectKey);
    if (latest?.status === 'RUNNING')
      throw new Error(
        `Object ${objectKey}: its execution ${latest.name} is still running; rerun it when that one has finished`,
      );
    return this.start(await relandedObject(this.storage, ref));
  }

  /** Starts a new execution for a landed object, named by its key and content (-v2, -v3… when taken). */
  private async start(obj: LandedObject): Promise<ExecutionSummary> {
    const base = executionNameFor(obj.key, obj.sha256);
    let name = base;
    for (let n = 2; await this.store.exists(name); n++) name = `${base.slice(0, 76)}-v${n}`;
    const started = new Date();
    const record: ExecutionRecord = {
      name,
      stateMachine: this.workflow.name,
      definitionFile: this.asl.file,
      objectKey: obj.key,
      contentSha256: obj.sha256,
      input: this.objectCreatedEvent(obj, started),
      status: 'RUNNING',
      output: null,
      error: null,
      cause: null,
      startDate: started.toISOString(),
      stopDate: null,
      redriveCount: 0,
      definitionSha256: this.asl.sha256,
      owner: thisProcess(),
    };
    await this.store.create(record);
    (await this.latestByKey()).set(obj.key, record);
    return this.run(record, { definition: null, input: record.input, redrive: 0, memo: null });
  }

  /** Checks that an execution can be redriven and says where the redrive would resume (redrive-check.ts). */
  redrivePlan(name: string): Promise<RedrivePlan> {
    return planRedrive(
      {
        store: this.store,
        storage: this.storage,
        landingBucket: this.paths.buckets.landing,
        definition: this.asl,
        latestOf: async (key) => (await this.latestByKey()).get(key),
        lakeArg: this.options.lake,
      },
      name,
    );
  }

  /**
   * `lakestep replay NAME`: redrives a FAILED, TIMED_OUT or ABORTED execution as Step Functions does.
   * The same execution resumes at the state that did not succeed, with the input that state had; the
   * states that succeeded keep their results and do not run again (inside a Map or Parallel state, only
   * the iterations and branches whose tasks did not succeed run again). Its redriveCount grows by one,
   * and its history continues: an ExecutionRedriven event, then the new attempt's events.
   */
  async redrive(name: string): Promise<ExecutionSummary> {
    const { record, resume } = await this.redrivePlan(name);
    const redrive = record.redriveCount + 1;
    const now = new Date();
    const running: ExecutionRecord = {
      ...record,
      status: 'RUNNING',
      output: null,
      error: null,
      cause: null,
      stopDate: null,
      redriveCount: redrive,
      redriveDate: now.toISOString(),
      owner: thisProcess(),
    };
    await this.store.save(running);
    (await this.latestByKey()).set(running.objectKey, running);
    let trimmed: AslDefinition;
    try {
      await this.store.appendEvent(name, {
        type: 'ExecutionRedriven',
        timestamp: now.getTime(),
        redriveCount: redrive,
        resumeAt: resume.state,
        resumeReason: resume.why,
      });
      trimmed = definitionFrom(this.definition(), resume.state);
    } catch (e) {
      await this.recordRuntimeError(running, e);
      throw e;
    }
    return this.run(running, {
      definition: trimmed,
      input: resume.input,
      redrive,
      memo: resume.nested ? new TaskMemo(await this.store.tasks(name), resume.state) : null,
    });
  }

  /**
   * Stops the executions running now (Ctrl-C): each ends ABORTED once its running task has returned.
   * Returns their names (comma-separated), or null when none runs.
   */
  abort(cause = 'Aborted'): string | null {
    if (this.running.size === 0) return null;
    const names = [...this.running.keys()];
    for (const stop of this.running.values()) stop(cause);
    return names.join(', ');
  }

  /**
   * The latest execution of each object key, read from the store once per runtime and kept current by
   * execute(): re-reading every record for each landed object would make a large landing quadratic.
   */
  private latestIndex: Promise<Map<string, ExecutionRecord>> | null = null;
  private latestByKey(): Promise<Map<string, ExecutionRecord>> {
    // One read even when several executions ask at once (concurrent runs share the index).
    this.latestIndex ??= this.store.list().then((list) => {
      const index = new Map<string, ExecutionRecord>();
      for (const e of list) index.set(e.objectKey, e); // sorted by start
      return index;
    });
    this.latestIndex.catch(() => {
      this.latestIndex = null; // an unreadable store is read again next time
    });
    return this.latestIndex;
  }

  /** Saves an execution's record and keeps the latest-by-key index on it if it is the key's latest. */
  private async saveEnded(record: ExecutionRecord): Promise<void> {
    await this.store.save(record);
    const index = await this.latestByKey();
    if (index.get(record.objectKey)?.name === record.name) index.set(record.objectKey, record);
  }

  /**
   * Runs one attempt; an error of lakestep itself (not an outcome of the execution: a full disk, a bug)
   * ends the execution FAILED with `Lakestep.RuntimeError` once its tasks have stopped, instead of
   * leaving it RUNNING, and is rethrown. A redrive resumes it like any system fault.
   */
  private async run(record: ExecutionRecord, attempt: Attempt): Promise<ExecutionSummary> {
    try {
      return await this.runAttempt(record, attempt);
    } catch (e) {
      await this.recordRuntimeError(record, e);
      throw e;
    }
  }

  private async recordRuntimeError(record: ExecutionRecord, e: unknown): Promise<void> {
    try {
      await this.saveEnded(runtimeErrorRecord(record, e));
    } catch {
      // The store itself is failing: the next reader finds the record RUNNING with a dead owner (ABORTED).
    }
  }

  /**
   * Runs one attempt of an execution (the first, or a redrive) and records it: every event, every task
   * invocation, and the final status. An execution that did not succeed gives back its admission slots,
   * as the failure recorder does on AWS.
   */
  private async runAttempt(record: ExecutionRecord, attempt: Attempt): Promise<ExecutionSummary> {
    const { redrive, memo } = attempt;
    const definition = attempt.definition ?? this.definition();
    const machine = attempt.definition ? machineFor(definition) : this.asl.wholeMachine();
    const log = new AttemptLog(this.store, record.name, redrive, this.options.onEvent);
    const stopped = new AbortController();
    const handlers = bindTasks(this.asl.tasks, {
      storage: this.storage,
      warehouse: this.warehouse,
      datasets: this.workflow.datasets,
      crawlers: this.crawlers,
      faults: this.options.faults ?? [],
      signal: stopped.signal,
      overrides: this.options.taskOverrides,
      memo: memo ? (task, input) => memo.take(task.statePath, input) : undefined,
      portsFor: (task) => this.portsFor(task, log),
      record: (task, n, input, outcome, startedAt) => log.task(task, n, input, outcome, startedAt),
    });
    const run: MachineRun = {
      machine,
      definition,
      input: attempt.input,
      handlers,
      execution: {
        Id: `arn:aws:states:local:000000000000:execution:${record.stateMachine}:${record.name}`,
        Name: record.name,
        StartTime: record.startDate,
        Input: record.input,
        RedriveCount: redrive,
        ...(record.redriveDate ? { RedriveTime: record.redriveDate } : {}),
      },
      timing: this.options,
      onEvent: (e) => log.libraryEvent(e),
      onStarted: (abort) => this.running.set(record.name, abort),
      onStopped: () => {
        this.running.delete(record.name);
        stopped.abort();
      },
    };
    const end = await runMachine(run);
    if (!end.ended) {
      await log.settled();
      throw end.error;
    }
    log.ended(end.status);
    await log.flushed();
    if (end.status !== 'SUCCEEDED') {
      await releaseSlotsOf(
        record.name,
        { table: this.slots, gates: admissionGatesOf(this.workflow) },
        NO_LOG,
      );
      const merges = {
        table: this.regionMerges,
        materializations: regionMergesOf(this.workflow),
        datasets: this.workflow.datasets,
      };
      await releaseRegionMergesOf(record.name, record.objectKey, merges, NO_LOG);
    }
    const done = endedRecord(
      record,
      end.status,
      end.output,
      log.events,
      definition.TimeoutSeconds as number | undefined,
      end.abortCause,
    );
    await this.saveEnded(done);
    return redrive ? this.summarize(done) : this.summarize(done, log.events, log.tasks);
  }

  private portsFor(task: BoundTask, log: AttemptLog): CorePorts {
    const service = `lakestep-${
      task.placeholder
        ?.replace(/FunctionArn$/, '')
        .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
        .toLowerCase() ?? 'task'
    }`;
    return {
      storage: this.storage,
      buckets: this.paths.buckets,
      log: capturedLog(service, (line) => log.line('logs.jsonl', { state: task.stateName, ...line })),
      metrics: capturedMetrics(service, (line) => log.line('metrics.jsonl', line)),
      clock: { now: () => new Date() },
      datasets: this.workflow.datasets,
      catalog: this.catalog,
      admission: {
        table: this.slots,
        maxSlots: () => this.options.transformSlots ?? DEFAULT_STAGE_SETTINGS.transformMaxConcurrentRuns,
      },
      regionMerges: this.regionMerges,
    };
  }

  /** The run report of one execution, from its record, events and task results. */
  async summarize(
    record: ExecutionRecord,
    events?: StoredEvent[],
    tasks?: TaskRecord[],
  ): Promise<ExecutionSummary> {
    return summarizeExecution(
      record,
      events ?? (await this.store.events(record.name)),
      tasks ?? (await this.store.tasks(record.name)),
      {
        ingest: this.stateName('ingestObject'),
        dataQuality: this.stateName('checkDataQuality'),
        checkAnalytics: this.stateName(CHECK_ANALYTICS_STEP_ID),
      },
    );
  }

  private stateName(stepId: string): string {
    const step = this.workflow.steps.find((s) => s.id === stepId);
    return step?.stateName ?? stepId;
  }
}

/** Executions at once when none is asked for: one per core (the transform and the MERGE use DuckDB's threads). */
export function defaultConcurrency(): number {
  return Math.max(1, availableParallelism());
}

/** A run that ended in a system fault (not a data outcome): landing the same content again retries it. */
function isSystemFault(e: ExecutionRecord): boolean {
  if (e.status === 'TIMED_OUT' || e.status === 'ABORTED') return true;
  return e.status === 'FAILED' && e.error !== 'ObjectRejected' && e.error !== 'DataQualityFailed';
}
