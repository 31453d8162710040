/**
 * The embedded runtime: lands files in the local lake and runs one execution of the committed ASL per
 * landed object with aws-local-stepfunctions, every Task bound to its local stand-in, and every event,
 * task input/result, log line and metric persisted in the execution store.
 */
import './polyfills';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
import { landingKeyFor } from '../handlers/core/classify';
import { executionNameFor } from '../handlers/core/execution-name';
import type { CorePorts } from '../handlers/core/ports';
import { releaseSlotsOf } from '../handlers/core/record-failure';
import { DEFAULT_STAGE_SETTINGS } from '../infra/config';
import { placeholders, placeholdersIn } from '../workflows/render-asl';
import { admissionGatesOf } from '../workflows/transform-admission';
import type { Workflow } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending';
import { type BoundTask, bindTasks, type Fault, findTasks, type Handler, LocalCrawler } from './bindings';
import { KeyedQueue, mapBounded } from './bounded';
import { capturedLog, capturedMetrics } from './capture';
import { LOCAL_DATABASES, Warehouse } from './catalog';
import {
  abortedRecord,
  type ExecutionRecord,
  type ExecutionStatus,
  ExecutionStore,
  type StoredEvent,
  type TaskRecord,
  thisProcess,
} from './execution-store';
import { FsStorage } from './fs-storage';
import { type LakePaths, lakePaths } from './lake';
import { cleanStaleTemps } from './lake-cleanup';
import { LocalCatalog } from './local-catalog';
import { LocalSlotTable } from './local-slot-table';
import { type AslDefinition, definitionFrom, type ResumePoint, resumePoint, TaskMemo } from './redrive';
import { isDataOutcome, replayAdviceFor, rerunCommandFor } from './replay-advice';

export const ASL_DIR = resolve(__dirname, '..', 'asl');

const NO_LOG = { info() {}, warn() {}, error() {} };

export interface RuntimeOptions {
  readonly lake?: string;
  readonly workflow?: Workflow;
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

/** Why an execution cannot be redriven, with the command that helps instead (if any). */
/** The error of an execution that lakestep itself failed to run (not a task's, not the workflow's). */
export const RUNTIME_ERROR = 'Lakestep.RuntimeError';

export class RedriveRefused extends Error {
  constructor(
    readonly code:
      | 'not_found'
      | 'not_unsuccessful'
      | 'data_outcome'
      | 'superseded'
      | 'definition_changed'
      | 'object_changed',
    message: string,
    readonly advice: string | null,
  ) {
    super(message);
    this.name = 'RedriveRefused';
  }
}

/** What a redrive of an execution would do: where it resumes, with what. */
export interface RedrivePlan {
  readonly record: ExecutionRecord;
  readonly resume: ResumePoint;
}

export type Outcome = 'succeeded' | 'rejected' | 'dq_failed' | 'failed';

/** One attempt of an execution: the definition it runs (a redrive's starts at the resume state), its input. */
interface Attempt {
  /** What a redrive runs (the definition trimmed to its resume point); null: the whole definition. */
  readonly definition: AslDefinition | null;
  readonly input: unknown;
  /** 0 for the first attempt, N for the Nth redrive. */
  readonly redrive: number;
  readonly memo: TaskMemo | null;
}

export interface StateRun {
  name: string;
  status: 'SUCCEEDED' | 'FAILED' | 'CAUGHT' | 'RUNNING';
  attempts: number;
  startedAt: string;
  durationMs: number | null;
  /** Set (1, 2, …) when the state ran in a redrive of the execution; absent in the first attempt. */
  redrive?: number;
}

export interface ExecutionSummary {
  name: string;
  objectKey: string;
  dataset: 'statistics' | 'categories' | null;
  region: string | null;
  status: Exclude<ExecutionStatus, 'RUNNING'>;
  outcome: Outcome;
  error: string | null;
  cause: string | null;
  reason: string | null;
  states: StateRun[];
  rows: { read: number; cleansed: number; quarantined: number; duplicates: number } | null;
  /** True when this object version had already been processed (a duplicate event) and was not run again. */
  duplicateEvent?: boolean;
}

export interface LandedObject {
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
  readonly md5: string;
  /** Orders versions of one key, as S3's event sequencer does (hex, grows with every landing). */
  readonly sequencer: string;
}

let landings = 0;
/** A hex sequencer that grows with every landing in this process and across runs (time-based). */
function nextSequencer(): string {
  landings = (landings + 1) % 0x10000;
  return `${Date.now().toString(16).padStart(12, '0')}${landings.toString(16).padStart(4, '0')}`.toUpperCase();
}

/** Local values for every placeholder: names shaped like the AWS ones, so ARN-parsing code sees real shapes. */
export function localSubstitutions(text: string): Record<string, string> {
  const subs: Record<string, string> = {};
  for (const name of placeholdersIn(text)) {
    const kebab = name
      .replace(/(FunctionArn|JobName|CrawlerName)$/, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .toLowerCase();
    if (name in LOCAL_DATABASES) subs[name] = LOCAL_DATABASES[name as keyof typeof LOCAL_DATABASES];
    else if (name.endsWith('FunctionArn'))
      subs[name] = `arn:aws:lambda:local:000000000000:function:lakestep-local-${kebab}`;
    else if (name.endsWith('JobName') || name.endsWith('CrawlerName')) subs[name] = `lakestep-local-${kebab}`;
    else if (name === placeholders.athenaWorkGroup) subs[name] = 'lakestep-local';
    else throw new Error(`No local value for placeholder \${${name}}`);
  }
  return subs;
}

export function substitute(text: string, subs: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z][A-Za-z0-9]*)\}/g, (m, name: string) => subs[name] ?? m);
}

export class LocalRuntime {
  readonly paths: LakePaths;
  readonly storage: FsStorage;
  readonly store: ExecutionStore;
  private readonly workflow: Workflow;
  private readonly definitionFile: string;
  private readonly rawText: string;
  private readonly definitionSha256: string;
  private readonly tasks: BoundTask[];
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
    this.workflow = options.workflow ?? YOUTUBE_TRENDING;
    this.definitionFile = options.definitionFile
      ? resolve(options.definitionFile)
      : resolve(ASL_DIR, `${this.workflow.name}.asl.json`);
    this.rawText = readFileSync(this.definitionFile, 'utf8');
    this.definitionSha256 = createHash('sha256').update(this.rawText).digest('hex');
    this.tasks = findTasks(JSON.parse(this.rawText));
    const subs = localSubstitutions(this.rawText);
    this.crawlers = new Map(
      this.tasks
        .filter((t) => t.kind === 'crawlerStart' && t.placeholder)
        .map((t) => {
          const name = subs[t.placeholder as string] as string;
          return [
            name,
            new LocalCrawler(name, warehouse, this.storage, this.paths.buckets.cleansed, this.catalog),
          ];
        }),
    );
  }

  static async open(options: RuntimeOptions = {}): Promise<LocalRuntime> {
    const paths = lakePaths(options.lake);
    if (options.readOnly) return new LocalRuntime(await Warehouse.open(paths, { readOnly: true }), options);
    for (const b of Object.values(paths.buckets)) await mkdir(resolve(paths.root, b), { recursive: true });
    await cleanStaleTemps(paths); // what a killed run left: this command owns the lake now
    const warehouse = await Warehouse.open(paths);
    const missing = await warehouse.ensure((options.workflow ?? YOUTUBE_TRENDING).materializations);
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
    return JSON.parse(substitute(this.rawText, localSubstitutions(this.rawText))) as AslDefinition;
  }

  private firstRun: InstanceType<typeof StateMachine> | null = null;
  private firstRunMachine(): InstanceType<typeof StateMachine> {
    this.firstRun ??= machineFor(this.definition());
    return this.firstRun;
  }

  /** Names of the definition's top-level states (where an execution can stop and a redrive resume). */
  stateNames(): string[] {
    return Object.keys(this.definition().States);
  }

  /** Names of the Task states of the committed ASL (what faults can be injected into). */
  taskStates(): string[] {
    return this.tasks.map((t) => t.stateName);
  }

  /** Lands a file under the key ARCHITECTURE.md gives, as an S3 upload would. The source is only read. */
  async land(file: string): Promise<LandedObject> {
    const key = landingKeyFor(basename(file));
    // One streaming pass copies and hashes: a large upload needs no buffer of its size.
    const sha256 = createHash('sha256');
    const md5 = createHash('md5');
    let size = 0;
    const source = await stat(file).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`Cannot land ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    });
    if (!source.isFile()) throw new Error(`Cannot land ${file}: not a file`);
    await this.storage.writeFromFile({ bucket: this.paths.buckets.landing, key }, file, (chunk) => {
      sha256.update(chunk);
      md5.update(chunk);
      size += chunk.byteLength;
    });
    return {
      key,
      size,
      sha256: sha256.digest('hex'),
      md5: md5.digest('hex'),
      sequencer: nextSequencer(),
    };
  }

  /** The EventBridge "Object Created" event S3 sends for the object: the execution input on AWS too. */
  objectCreatedEvent(obj: LandedObject, time: Date): Record<string, unknown> {
    return {
      version: '0',
      id: createHash('sha256').update(`${obj.key}:${obj.sha256}`).digest('hex').slice(0, 36),
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '000000000000',
      time: time.toISOString(),
      region: 'local',
      resources: [`arn:aws:s3:::${this.paths.buckets.landing}`],
      detail: {
        version: '0',
        bucket: { name: this.paths.buckets.landing },
        object: {
          key: obj.key,
          size: obj.size,
          etag: obj.md5,
          sequencer: obj.sequencer,
        },
        reason: 'PutObject',
      },
    };
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
    return this.byKey.run(landingKeyFor(basename(file)), async () => this.executeNow(await this.land(file)));
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
    const bytes = await this.storage.readBytes(ref);
    return this.start({
      key: objectKey,
      size: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      md5: createHash('md5').update(bytes).digest('hex'),
      sequencer: nextSequencer(),
    });
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
      definitionFile: this.definitionFile,
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
      definitionSha256: this.definitionSha256,
      owner: thisProcess(),
    };
    await this.store.create(record);
    (await this.latestByKey()).set(obj.key, record);
    return this.run(record, { definition: null, input: record.input, redrive: 0, memo: null });
  }

  /**
   * Checks that an execution can be redriven and says where the redrive would resume. Refused (with
   * what to do instead): a successful or running execution, a data outcome (its Fail state would only
   * fail again), an execution superseded by a later one of the same object, one whose definition has
   * changed since (a redrive runs the definition the execution started with, as on AWS), and one to
   * resume at its first state when the landed object is no longer the content it was started for.
   */
  async redrivePlan(name: string): Promise<RedrivePlan> {
    const record = await this.store.get(name);
    if (!record)
      throw new RedriveRefused(
        'not_found',
        `No execution named ${name} in ${this.store.dir}`,
        'list executions with `lakestep status`',
      );
    if (record.status === 'SUCCEEDED' || record.status === 'RUNNING')
      throw new RedriveRefused(
        'not_unsuccessful',
        `Execution ${name} is ${record.status}: only FAILED, TIMED_OUT or ABORTED executions are redriven`,
        null,
      );
    const rerun = rerunCommandFor(record.objectKey, this.lakeArg());
    if (isDataOutcome(record))
      throw new RedriveRefused(
        'data_outcome',
        `Execution ${name} ended in ${record.error}, a data outcome: redriving its Fail state would only fail again; fix the data (land a corrected file) or the rules, then rerun the object`,
        rerun,
      );
    const latest = (await this.latestByKey()).get(record.objectKey);
    if (latest && latest.name !== record.name)
      throw new RedriveRefused(
        'superseded',
        `Execution ${name} is superseded: ${latest.name} (${latest.status}) is a later execution of ${record.objectKey}`,
        latest.status === 'SUCCEEDED' || latest.status === 'RUNNING'
          ? null
          : (replayAdviceFor(latest, this.lakeArg())?.command ?? null),
      );
    const changed = record.definitionSha256
      ? record.definitionSha256 !== this.definitionSha256
      : resolve(record.definitionFile) !== this.definitionFile;
    if (changed)
      throw new RedriveRefused(
        'definition_changed',
        `Execution ${name} started with another version of the workflow definition than ${this.definitionFile}: a redrive runs the definition the execution started with (as Step Functions does), so start a fresh execution of the object instead`,
        rerun,
      );
    const definition = this.definition();
    const resume = resumePoint(definition, await this.store.events(name), record.input);
    if (resume.state === definition.StartAt) {
      const landed = { bucket: this.paths.buckets.landing, key: record.objectKey };
      const now = (await this.storage.head(landed))
        ? createHash('sha256')
            .update(await this.storage.readBytes(landed))
            .digest('hex')
        : null;
      if (now !== record.contentSha256)
        throw new RedriveRefused(
          'object_changed',
          `Execution ${name} would resume at its first state, but ${record.objectKey} ${now ? 'holds other content' : 'is gone from the landing bucket'} since it started; rerun the object as it is now`,
          now ? rerun : null,
        );
    }
    return { record, resume };
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

  private lakeArg(): string | undefined {
    return this.options.lake;
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

  /**
   * Runs one attempt of an execution (the first, or a redrive) and records it: every event (a redrive's
   * carry `redrive: N`, and its library-made ExecutionStarted is left out: the ExecutionRedriven event
   * stands for it), every task invocation, and the final status.
   */
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
    const { owner: _owner, ...finished } = record;
    const failed: ExecutionRecord = {
      ...finished,
      status: 'FAILED',
      output: null,
      error: RUNTIME_ERROR,
      cause: `lakestep itself failed while running execution ${record.name}: ${(e as Error).message ?? String(e)}`,
      stopDate: new Date().toISOString(),
    };
    try {
      await this.store.save(failed);
      const index = await this.latestByKey();
      if (index.get(failed.objectKey)?.name === failed.name) index.set(failed.objectKey, failed);
    } catch {
      // The store itself is failing: the next reader finds the record RUNNING with a dead owner (ABORTED).
    }
  }

  private async runAttempt(record: ExecutionRecord, attempt: Attempt): Promise<ExecutionSummary> {
    const { redrive, memo } = attempt;
    const definition = attempt.definition ?? this.definition();
    // A first run uses the whole definition, built and validated once per runtime (~0.2 s a time).
    const machine = attempt.definition ? machineFor(definition) : this.firstRunMachine();
    const writes: Promise<void>[] = [];
    const persist = (p: Promise<void>) => writes.push(p.catch(() => undefined));
    const taskLog: TaskRecord[] = [];
    const stopped = new AbortController();
    const handlers = bindTasks(this.tasks, {
      storage: this.storage,
      warehouse: this.warehouse,
      crawlers: this.crawlers,
      faults: this.options.faults ?? [],
      signal: stopped.signal,
      overrides: this.options.taskOverrides,
      memo: memo ? (task, input) => memo.take(task.statePath, input) : undefined,
      portsFor: (task) => this.portsFor(record.name, task, persist),
      record: (task, attemptNo, input, outcome, startedAt) => {
        const t: TaskRecord = {
          statePath: task.statePath,
          mapIndex: null,
          attempt: attemptNo,
          resource: task.resource,
          input,
          ...(outcome.error
            ? { error: { name: outcome.error.name, message: outcome.error.message } }
            : { result: outcome.result }),
          startedAt: startedAt.toISOString(),
          durationMs: Date.now() - startedAt.getTime(),
          ...(redrive ? { redrive } : {}),
        };
        taskLog.push(t);
        persist(this.store.appendTask(record.name, t));
      },
    });
    // Task calls still running when the execution stops (abort, timeout, a failed Map iteration's
    // siblings) are waited for, so that nothing writes to the lake after the execution is recorded.
    const inflight = new Set<Promise<unknown>>();
    const tracked = Object.fromEntries(
      Object.entries(handlers).map(([n, h]) => [
        n,
        (input: unknown) => {
          const p = h(input);
          inflight.add(p);
          void p.then(
            () => inflight.delete(p),
            () => inflight.delete(p),
          );
          return p;
        },
      ]),
    );
    const delay = this.options.retryDelayMs ?? 5;
    const execution = machine.run(attempt.input as never, {
      overrides: {
        taskResourceLocalHandlers: tracked as never,
        waitTimeOverrides: Object.fromEntries(
          Object.entries(definition.States)
            .filter(([, s]) => s.Type === 'Wait')
            // A slot wait loops until another execution's transform ends: not a busy loop of 10 ms turns.
            .map(([n, s]) => [
              n,
              s.SecondsPath ? (this.options.answeredWaitMs ?? 100) : (this.options.waitMs ?? 10),
            ]),
        ),
        retryIntervalOverrides: Object.fromEntries(this.tasks.map((t) => [t.stateName, delay])),
      },
      context: {
        Execution: {
          Id: `arn:aws:states:local:000000000000:execution:${record.stateMachine}:${record.name}`,
          Name: record.name,
          StartTime: record.startDate,
          Input: record.input as never,
          RedriveCount: redrive,
          ...(record.redriveDate ? { RedriveTime: record.redriveDate } : {}),
        },
      },
    });
    let abortCause: string | null = null;
    this.running.set(record.name, (cause) => {
      abortCause ??= cause;
      execution.abort();
    });
    const events: StoredEvent[] = [];
    const consume = (async () => {
      for await (const e of execution.eventLogs) {
        const stored = toStoredEvent(e as unknown as Record<string, unknown>);
        if (redrive && stored.type === 'ExecutionStarted') continue;
        if (redrive) stored.redrive = redrive;
        events.push(stored);
        persist(this.store.appendEvent(record.name, stored));
        this.options.onEvent?.(record.name, stored);
      }
    })();
    let status: Exclude<ExecutionStatus, 'RUNNING'> = 'SUCCEEDED';
    let output: unknown = null;
    let unexpected: unknown;
    try {
      output = await execution.result;
    } catch (e) {
      status =
        e instanceof ExecutionTimeoutError
          ? 'TIMED_OUT'
          : e instanceof ExecutionAbortedError
            ? 'ABORTED'
            : 'FAILED';
      if (
        !(
          e instanceof ExecutionError ||
          e instanceof ExecutionTimeoutError ||
          e instanceof ExecutionAbortedError
        )
      )
        unexpected = e;
    } finally {
      this.running.delete(record.name);
      stopped.abort();
    }
    await Promise.allSettled([...inflight]);
    if (unexpected !== undefined) {
      await Promise.allSettled(writes);
      throw unexpected;
    }
    await consume;
    // The library ends the event stream without an event for a timeout or an abort: record one.
    if (status === 'TIMED_OUT' || status === 'ABORTED') {
      const ended: StoredEvent = {
        type: status === 'TIMED_OUT' ? 'ExecutionTimedOut' : 'ExecutionAborted',
        timestamp: Date.now(),
        ...(redrive ? { redrive } : {}),
      };
      events.push(ended);
      persist(this.store.appendEvent(record.name, ended));
      this.options.onEvent?.(record.name, ended);
    }
    await Promise.all(writes);
    // What the failure recorder does on AWS: a stopped execution gives back the slots it still holds.
    if (status !== 'SUCCEEDED')
      await releaseSlotsOf(
        record.name,
        { table: this.slots, gates: admissionGatesOf(this.workflow) },
        NO_LOG,
      );
    const failed = [...events].reverse().find((e) => e.type === 'ExecutionFailed');
    const { owner: _owner, ...finished } = record;
    const base: ExecutionRecord = {
      ...finished,
      status,
      output,
      error:
        status === 'TIMED_OUT'
          ? 'States.Timeout'
          : ((failed?.error as string | undefined) ?? (status === 'FAILED' ? 'States.Runtime' : null)),
      cause:
        status === 'TIMED_OUT'
          ? `The execution ran longer than the workflow's TimeoutSeconds (${definition.TimeoutSeconds ?? '?'} s)`
          : failed
            ? causeText(failed.cause)
            : null,
      stopDate: new Date().toISOString(),
    };
    const done = status === 'ABORTED' ? abortedRecord(base, abortCause ?? 'Aborted') : base;
    await this.store.save(done);
    const index = await this.latestByKey();
    if (index.get(done.objectKey)?.name === done.name) index.set(done.objectKey, done);
    return redrive ? this.summarize(done) : this.summarize(done, events, taskLog);
  }

  private portsFor(execution: string, task: BoundTask, persist: (p: Promise<void>) => void): CorePorts {
    const service = `lakestep-${
      task.placeholder
        ?.replace(/FunctionArn$/, '')
        .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
        .toLowerCase() ?? 'task'
    }`;
    return {
      storage: this.storage,
      buckets: this.paths.buckets,
      log: capturedLog(service, (line) =>
        persist(this.store.appendLine(execution, 'logs.jsonl', { state: task.stateName, ...line })),
      ),
      metrics: capturedMetrics(service, (line) =>
        persist(this.store.appendLine(execution, 'metrics.jsonl', line)),
      ),
      clock: { now: () => new Date() },
      catalog: this.catalog,
      admission: {
        table: this.slots,
        maxSlots: () => this.options.transformSlots ?? DEFAULT_STAGE_SETTINGS.transformMaxConcurrentRuns,
      },
    };
  }

  /** The run report of one execution, from its record, events and task results. */
  async summarize(
    record: ExecutionRecord,
    events?: StoredEvent[],
    tasks?: TaskRecord[],
  ): Promise<ExecutionSummary> {
    const evs = events ?? (await this.store.events(record.name));
    const tks = tasks ?? (await this.store.tasks(record.name));
    const lastResult = (state: string) => {
      const t = tks.filter((x) => x.statePath === state && x.result !== undefined).at(-1);
      return (t?.result as { Payload?: Record<string, unknown> } | undefined)?.Payload ?? null;
    };
    const ingest = lastResult(this.stateName('ingestObject'));
    const quality = lastResult(this.stateName('checkDataQuality'));
    const status = record.status === 'RUNNING' ? 'FAILED' : record.status;
    const outcome: Outcome =
      status === 'SUCCEEDED'
        ? 'succeeded'
        : record.error === 'ObjectRejected'
          ? 'rejected'
          : record.error === 'DataQualityFailed'
            ? 'dq_failed'
            : 'failed';
    const reason =
      outcome === 'rejected'
        ? ((ingest?.reason as string) ?? null)
        : outcome === 'dq_failed'
          ? ((quality?.reason as string) ?? null)
          : null;
    return {
      name: record.name,
      objectKey: record.objectKey,
      dataset: (ingest?.dataset as ExecutionSummary['dataset']) ?? null,
      region: (ingest?.region as string) ?? null,
      status,
      outcome,
      error: record.error,
      cause: record.cause,
      reason,
      states: stateRuns(evs),
      rows: (quality?.rows as ExecutionSummary['rows']) ?? null,
    };
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

function machineFor(definition: AslDefinition): InstanceType<typeof StateMachine> {
  return new StateMachine(definition as never, { validationOptions: { checkArn: false } });
}

/** A run that ended in a system fault (not a data outcome): landing the same content again retries it. */
function isSystemFault(e: ExecutionRecord): boolean {
  if (e.status === 'TIMED_OUT' || e.status === 'ABORTED') return true;
  return e.status === 'FAILED' && e.error !== 'ObjectRejected' && e.error !== 'DataQualityFailed';
}

function causeText(cause: unknown): string | null {
  if (cause === undefined || cause === null) return null;
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

/** Flattens the library's events into what the store keeps (state name, input/output, error, retry). */
function toStoredEvent(e: Record<string, unknown>): StoredEvent {
  const state = e.state as { name?: string; type?: string; input?: unknown; output?: unknown } | undefined;
  const out: StoredEvent = { type: String(e.type), timestamp: Number(e.timestamp) };
  if (state) {
    out.stateName = state.name;
    out.stateType = state.type;
    out.input = state.input;
    if ('output' in state) out.output = state.output;
  }
  if (e.index !== undefined) out.index = e.index;
  // Map iteration and Parallel branch events name the Map/Parallel state they belong to.
  const parent = e.parentState as { name?: string } | undefined;
  if (parent?.name !== undefined) out.parentState = parent.name;
  if (e.Error !== undefined) out.error = e.Error;
  if (e.Cause !== undefined) out.cause = e.Cause;
  if (e.input !== undefined) out.input = e.input;
  if (e.output !== undefined) out.output = e.output;
  const retry = e.retry as { attempt?: number } | undefined;
  if (retry) out.retryAttempt = retry.attempt;
  return out;
}

/**
 * The path of states an execution took, with attempts and durations (a loop's states appear per entry).
 * Across redrives it is the combined picture: the states an earlier attempt finished appear once, from
 * that attempt; the state it did not finish appears as it ended then, followed by its redriven run(s).
 */
export function stateRuns(events: readonly StoredEvent[]): StateRun[] {
  const runs: StateRun[] = [];
  const open = new Map<string, { run: StateRun; t0: number }>();
  for (const e of events) {
    if (e.type === 'ExecutionRedriven') open.clear();
    const name = e.stateName as string | undefined;
    if (!name) continue;
    if (e.type === 'StateEntered') {
      const run: StateRun = {
        name,
        status: 'RUNNING',
        attempts: 1,
        startedAt: new Date(e.timestamp).toISOString(),
        durationMs: null,
        ...(typeof e.redrive === 'number' && e.redrive > 0 ? { redrive: e.redrive } : {}),
      };
      runs.push(run);
      open.set(name, { run, t0: e.timestamp });
      continue;
    }
    const cur = open.get(name);
    if (!cur) continue;
    cur.run.durationMs = e.timestamp - cur.t0;
    // A StateFailed followed by StateRetried is an attempt, not the end of the state.
    if (e.type === 'StateRetried') {
      cur.run.attempts++;
      cur.run.status = 'RUNNING';
    } else if (e.type === 'StateFailed') cur.run.status = 'FAILED';
    else if (e.type === 'StateCaught') {
      cur.run.status = 'CAUGHT';
      open.delete(name);
    } else if (e.type === 'StateExited') {
      cur.run.status = 'SUCCEEDED';
      open.delete(name);
    }
  }
  for (const r of runs) if (r.status === 'RUNNING' && r.durationMs === null) r.status = 'FAILED';
  return runs;
}
