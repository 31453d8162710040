/**
 * The embedded runtime: lands files in the local lake and runs one execution of the committed ASL per
 * landed object with aws-local-stepfunctions, every Task bound to its local stand-in, and every event,
 * task input/result, log line and metric persisted in the execution store.
 */
import './polyfills';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
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
import { placeholders, placeholdersIn } from '../workflows/render-asl';
import type { Workflow } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending';
import { type BoundTask, bindTasks, type Fault, findTasks, LocalCrawler } from './bindings';
import { capturedLog, capturedMetrics } from './capture';
import { LOCAL_DATABASES, Warehouse } from './catalog';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  ExecutionStore,
  type StoredEvent,
  type TaskRecord,
} from './execution-store';
import { FsStorage } from './fs-storage';
import { type LakePaths, lakePaths } from './lake';

export const ASL_DIR = resolve(__dirname, '..', 'asl');

export interface RuntimeOptions {
  readonly lake?: string;
  readonly workflow?: Workflow;
  readonly faults?: readonly Fault[];
  /** Local stand-in for Retry backoff and Wait durations (ms); AWS uses the ASL's own. */
  readonly retryDelayMs?: number;
  readonly waitMs?: number;
  readonly onEvent?: (execution: string, event: StoredEvent) => void;
}

export type Outcome = 'succeeded' | 'rejected' | 'dq_failed' | 'failed';

export interface StateRun {
  name: string;
  status: 'SUCCEEDED' | 'FAILED' | 'CAUGHT' | 'RUNNING';
  attempts: number;
  startedAt: string;
  durationMs: number | null;
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
  private readonly tasks: BoundTask[];
  /** The local crawlers by name (public so tests and game days can make one busy). */
  readonly crawlers: Map<string, LocalCrawler>;

  private constructor(
    readonly warehouse: Warehouse,
    private readonly options: RuntimeOptions,
  ) {
    this.paths = lakePaths(options.lake);
    this.storage = new FsStorage(this.paths.root);
    this.store = new ExecutionStore(this.paths.executionsDir);
    this.workflow = options.workflow ?? YOUTUBE_TRENDING;
    this.definitionFile = resolve(ASL_DIR, `${this.workflow.name}.asl.json`);
    this.rawText = readFileSync(this.definitionFile, 'utf8');
    this.tasks = findTasks(JSON.parse(this.rawText));
    const subs = localSubstitutions(this.rawText);
    this.crawlers = new Map(
      this.tasks
        .filter((t) => t.kind === 'crawlerStart' && t.placeholder)
        .map((t) => {
          const name = subs[t.placeholder as string] as string;
          return [name, new LocalCrawler(name, warehouse, this.storage, this.paths.buckets.cleansed)];
        }),
    );
  }

  static async open(options: RuntimeOptions = {}): Promise<LocalRuntime> {
    const paths = lakePaths(options.lake);
    for (const b of Object.values(paths.buckets)) await mkdir(resolve(paths.root, b), { recursive: true });
    const warehouse = await Warehouse.open(paths);
    await warehouse.ensure((options.workflow ?? YOUTUBE_TRENDING).materializations);
    return new LocalRuntime(warehouse, options);
  }

  close(): void {
    this.warehouse.close();
  }

  /** Names of the Task states of the committed ASL (what faults can be injected into). */
  taskStates(): string[] {
    return this.tasks.map((t) => t.stateName);
  }

  /** Lands a file under the key ARCHITECTURE.md gives, as an S3 upload would. The source is only read. */
  async land(file: string): Promise<LandedObject> {
    const bytes = await readFile(file);
    const key = landingKeyFor(basename(file));
    await this.storage.write({ bucket: this.paths.buckets.landing, key }, bytes);
    return {
      key,
      size: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      md5: createHash('md5').update(bytes).digest('hex'),
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
  async execute(obj: LandedObject): Promise<ExecutionSummary> {
    const base = executionNameFor(obj.key, obj.sha256);
    const latest = (await this.latestByKey()).get(obj.key);
    if (latest && latest.contentSha256 === obj.sha256 && !isSystemFault(latest))
      return { ...(await this.summarize(latest)), duplicateEvent: true };
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
    };
    await this.store.create(record);
    (await this.latestByKey()).set(obj.key, record);
    return this.run(record);
  }

  /**
   * The latest execution of each object key, read from the store once per runtime and kept current by
   * execute(): re-reading every record for each landed object would make a large landing quadratic.
   */
  private latestIndex: Map<string, ExecutionRecord> | null = null;
  private async latestByKey(): Promise<Map<string, ExecutionRecord>> {
    if (!this.latestIndex) {
      this.latestIndex = new Map();
      for (const e of await this.store.list()) this.latestIndex.set(e.objectKey, e); // sorted by start
    }
    return this.latestIndex;
  }

  private async run(record: ExecutionRecord): Promise<ExecutionSummary> {
    const definition = JSON.parse(substitute(this.rawText, localSubstitutions(this.rawText)));
    const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
    const writes: Promise<void>[] = [];
    const persist = (p: Promise<void>) => writes.push(p.catch(() => undefined));
    const taskLog: TaskRecord[] = [];
    const handlers = bindTasks(this.tasks, {
      storage: this.storage,
      warehouse: this.warehouse,
      crawlers: this.crawlers,
      faults: this.options.faults ?? [],
      portsFor: (task) => this.portsFor(record.name, task, persist),
      record: (task, attempt, input, outcome, startedAt) => {
        const t: TaskRecord = {
          statePath: task.statePath,
          mapIndex: null,
          attempt,
          resource: task.resource,
          input,
          ...(outcome.error
            ? { error: { name: outcome.error.name, message: outcome.error.message } }
            : { result: outcome.result }),
          startedAt: startedAt.toISOString(),
          durationMs: Date.now() - startedAt.getTime(),
        };
        taskLog.push(t);
        persist(this.store.appendTask(record.name, t));
      },
    });
    const delay = this.options.retryDelayMs ?? 5;
    const execution = machine.run(record.input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: Object.fromEntries(
          Object.entries(definition.States as Record<string, { Type: string }>)
            .filter(([, s]) => s.Type === 'Wait')
            .map(([n]) => [n, this.options.waitMs ?? 10]),
        ),
        retryIntervalOverrides: Object.fromEntries(this.tasks.map((t) => [t.stateName, delay])),
      },
      context: {
        Execution: {
          Id: `arn:aws:states:local:000000000000:execution:${this.workflow.name}:${record.name}`,
          Name: record.name,
          StartTime: record.startDate,
          Input: record.input as never,
        },
      },
    });
    const events: StoredEvent[] = [];
    const consume = (async () => {
      for await (const e of execution.eventLogs) {
        const stored = toStoredEvent(e as unknown as Record<string, unknown>);
        events.push(stored);
        persist(this.store.appendEvent(record.name, stored));
        this.options.onEvent?.(record.name, stored);
      }
    })();
    let status: Exclude<ExecutionStatus, 'RUNNING'> = 'SUCCEEDED';
    let output: unknown = null;
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
        throw e;
    }
    await consume;
    await Promise.all(writes);
    const failed = [...events].reverse().find((e) => e.type === 'ExecutionFailed');
    const done: ExecutionRecord = {
      ...record,
      status,
      output,
      error:
        status === 'TIMED_OUT'
          ? 'States.Timeout'
          : ((failed?.error as string | undefined) ?? (status === 'FAILED' ? 'States.Runtime' : null)),
      cause: failed ? causeText(failed.cause) : null,
      stopDate: new Date().toISOString(),
    };
    await this.store.save(done);
    const index = await this.latestByKey();
    if (index.get(done.objectKey)?.name === done.name) index.set(done.objectKey, done);
    return this.summarize(done, events, taskLog);
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
  if (e.Error !== undefined) out.error = e.Error;
  if (e.Cause !== undefined) out.cause = e.Cause;
  if (e.input !== undefined) out.input = e.input;
  if (e.output !== undefined) out.output = e.output;
  const retry = e.retry as { attempt?: number } | undefined;
  if (retry) out.retryAttempt = retry.attempt;
  return out;
}

/** The path of states an execution took, with attempts and durations (a loop's states appear per entry). */
export function stateRuns(events: readonly StoredEvent[]): StateRun[] {
  const runs: StateRun[] = [];
  const open = new Map<string, { run: StateRun; t0: number }>();
  for (const e of events) {
    const name = e.stateName as string | undefined;
    if (!name) continue;
    if (e.type === 'StateEntered') {
      const run: StateRun = {
        name,
        status: 'RUNNING',
        attempts: 1,
        startedAt: new Date(e.timestamp).toISOString(),
        durationMs: null,
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
