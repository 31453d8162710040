/**
 * What the inspector's API answers about executions, read from the execution store of one lake: the list
 * (one unreadable record is a problem on its row, not a failed page) and one execution in full, with its
 * per-state view, redrives, data, logs and the replay command of a run that did not succeed.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  isOrphaned,
  type StoredEvent,
  type TaskRecord,
} from '../execution-store';
import { type LakePaths, lakePaths } from '../lake';
import { lakeFlag, type ReplayAdvice, replayAdviceFor, shellArg } from '../replay-advice';
import { deriveDataView, qualityPayload, type RunDataView } from './data-view';
import type { Graphs } from './graphs';
import { streamJsonlFile } from './jsonl';
import { StateViewBuilder, type StateViews, TimeOrderWindow, type ViewCaps } from './state-view';

export const STATUSES: readonly ExecutionStatus[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
];

export interface ExecutionListItem {
  name: string;
  stateMachine: string | null;
  objectKey: string | null;
  status: ExecutionStatus | null;
  startDate: string | null;
  stopDate: string | null;
  durationMs: number | null;
  error: string | null;
  redriveCount: number;
  /** RUNNING on record, but the process running it on this host is gone: it will not finish. */
  orphaned: boolean;
  /** Why the record could not be read; the row is still listed so nothing is hidden. */
  problem: string | null;
}

export interface ExecutionList {
  lake: string;
  executionsDir: string;
  lakeExists: boolean;
  executions: ExecutionListItem[];
  counts: Record<ExecutionStatus, number>;
  total: number;
}

export interface ExecutionDetail {
  record: ExecutionRecord & { durationMs: number | null; orphaned: boolean };
  definitionFile: string | null;
  stateMachine: string;
  view: StateViews;
  data: RunDataView;
  /** The latest log lines (at most LOG_LINES); `logCount` in all. */
  logs: Record<string, unknown>[];
  logCount: number;
  replay: ReplayAdvice | null;
  eventCount: number;
  /** What could not be read (bad lines in the history, a missing graph), each naming the file. */
  problems: string[];
}

export interface EventPage {
  events: StoredEvent[];
  problem: string | null;
  offset: number;
  limit: number;
  /** Events in the whole history. */
  total: number;
}

export class ExecutionNotFound extends Error {}

/** What one answer holds at most, so a history of millions of events answers in bounded size. */
export const VIEW_CAPS: ViewCaps = { entriesPerState: 200, iterationsPerMap: 1000 };
export const DEFAULT_EVENT_PAGE = 3000;
export const MAX_EVENT_PAGE = 10000;
const LOG_LINES = 1000;
const METRIC_LINES = 10000;
const DETAIL_CACHE = 8;

const NAME = /^[A-Za-z0-9_.=-][A-Za-z0-9_.=@+-]*$/;

export function durationOf(startDate: string | null, stopDate: string | null): number | null {
  if (!startDate || !stopDate) return null;
  const ms = Date.parse(stopDate) - Date.parse(startDate);
  return Number.isFinite(ms) ? ms : null;
}

export class LakeExecutions {
  readonly paths: LakePaths;
  /** Parsed records by name, reused while execution.json keeps its mtime and size (large lakes). */
  private readonly records = new Map<
    string,
    { key: string; item: ExecutionListItem; record: ExecutionRecord | null }
  >();
  /** The latest details read, by name, with the file signature they were read at. */
  private readonly details = new Map<string, { sig: string; detail: Promise<ExecutionDetail> }>();
  private readonly stopping = new AbortController();

  constructor(
    readonly lake: string,
    private readonly graphs: Graphs,
  ) {
    this.paths = lakePaths(lake);
  }

  private dir(name: string): string {
    if (!NAME.test(name) || name.includes('..'))
      throw new ExecutionNotFound(`"${name}" is not an execution name`);
    return join(this.paths.executionsDir, name);
  }

  async list(statuses?: readonly ExecutionStatus[]): Promise<ExecutionList> {
    let names: string[] = [];
    let lakeExists = true;
    try {
      names = (await readdir(this.paths.executionsDir, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      lakeExists = await stat(this.paths.root).then(
        () => true,
        () => false,
      );
    }
    const items = (await Promise.all(names.map((n) => this.listItem(n)))).filter(
      (i): i is ExecutionListItem => i !== null,
    );
    const live = new Set(names);
    for (const n of this.records.keys()) if (!live.has(n)) this.records.delete(n);
    // Newest first: that is what one opens the inspector for.
    items.sort(
      (a, b) => (b.startDate ?? '').localeCompare(a.startDate ?? '') || a.name.localeCompare(b.name),
    );
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<ExecutionStatus, number>;
    for (const i of items) if (i.status) counts[i.status]++;
    const wanted = statuses && statuses.length > 0 ? new Set(statuses) : null;
    return {
      lake: this.paths.root,
      executionsDir: this.paths.executionsDir,
      lakeExists,
      executions: wanted ? items.filter((i) => i.status && wanted.has(i.status)) : items,
      counts,
      total: items.length,
    };
  }

  private async listItem(name: string): Promise<ExecutionListItem | null> {
    const file = join(this.paths.executionsDir, name, 'execution.json');
    let key: string;
    try {
      const s = await stat(file);
      key = `${s.mtimeMs}:${s.size}`;
    } catch {
      return null; // a directory being created: its record follows
    }
    const hit = this.records.get(name);
    // Whether its process is alive can change while the file does not: asked on every listing.
    if (hit && hit.key === key)
      return { ...hit.item, orphaned: hit.record !== null && isOrphaned(hit.record) };
    let item: ExecutionListItem;
    let record: ExecutionRecord | null = null;
    try {
      const r = JSON.parse(await readFile(file, 'utf8')) as ExecutionRecord;
      record = r;
      item = {
        name,
        stateMachine: r.stateMachine ?? null,
        objectKey: r.objectKey ?? null,
        status: STATUSES.includes(r.status) ? r.status : null,
        startDate: r.startDate ?? null,
        stopDate: r.stopDate ?? null,
        durationMs: durationOf(r.startDate, r.stopDate),
        error: r.error ?? null,
        redriveCount: r.redriveCount ?? 0,
        orphaned: isOrphaned(r),
        problem: STATUSES.includes(r.status)
          ? null
          : `execution.json has no known status (${String(r.status)})`,
      };
    } catch (e) {
      item = {
        name,
        stateMachine: null,
        objectKey: null,
        status: null,
        startDate: null,
        stopDate: null,
        durationMs: null,
        error: null,
        redriveCount: 0,
        orphaned: false,
        problem: `execution.json is unreadable (${(e as Error).message})`,
      };
    }
    this.records.set(name, { key, item, record });
    return item;
  }

  async record(name: string): Promise<ExecutionRecord> {
    const file = join(this.dir(name), 'execution.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new ExecutionNotFound(`No execution named "${name}" in ${this.paths.executionsDir}`);
      throw new Error(`The record of execution "${name}" (${file}) cannot be read: ${(e as Error).message}`);
    }
    try {
      return JSON.parse(text) as ExecutionRecord;
    } catch (e) {
      throw new Error(
        `The record of execution "${name}" (${file}) is not valid JSON: ${(e as Error).message}`,
      );
    }
  }

  /**
   * One page of the raw history, streamed from disk: `limit` events from `offset` in file order, and
   * how many there are in all. Only the page is kept in memory, whatever the history's length.
   */
  async events(name: string, page: { offset?: number; limit?: number } = {}): Promise<EventPage> {
    const offset = Math.max(0, page.offset ?? 0);
    const limit = Math.min(MAX_EVENT_PAGE, Math.max(0, page.limit ?? DEFAULT_EVENT_PAGE));
    const events: StoredEvent[] = [];
    const read = await streamJsonlFile<StoredEvent>(
      join(this.dir(name), 'events.jsonl'),
      (e, n) => {
        if (n >= offset && n < offset + limit) events.push(e);
      },
      this.stopping.signal,
    );
    return { events, problem: read.problem, offset, limit, total: read.count };
  }

  /**
   * One execution in full, bounded: the per-state view keeps the latest entries and iterations of each
   * state (with their counts), the logs their latest lines. Concurrent asks for the same files share one
   * read, and an unchanged execution is answered from the last read.
   */
  async detail(name: string): Promise<ExecutionDetail> {
    const sig = await this.signature(name);
    const hit = this.details.get(name);
    if (hit && hit.sig === sig) return hit.detail;
    const detail = this.readDetail(name);
    this.details.delete(name);
    this.details.set(name, { sig, detail });
    while (this.details.size > DETAIL_CACHE) this.details.delete(this.details.keys().next().value as string);
    // A running one may be orphaned without its files changing: shared while it loads, then read again.
    detail.then(
      (d) => {
        if (d.record.status === 'RUNNING' && this.details.get(name)?.detail === detail)
          this.details.delete(name);
      },
      () => {
        if (this.details.get(name)?.detail === detail) this.details.delete(name);
      },
    );
    return detail;
  }

  /** Stops every read in progress (the server is closing): they end with ReadStopped. */
  close(): void {
    this.stopping.abort();
  }

  private async readDetail(name: string): Promise<ExecutionDetail> {
    const record = await this.record(name);
    const dir = this.dir(name);
    const signal = this.stopping.signal;
    const problems: string[] = [];
    const machine = record.stateMachine || 'youtube-trending';
    // A run whose process is gone is not running any more, whatever its record says.
    const orphaned = isOrphaned(record);
    const running = record.status === 'RUNNING' && !orphaned;
    let definitionFile: string | null = null;
    let nodes: Awaited<ReturnType<Graphs['get']>>['states'] = [];
    let graphProblem: string | null = null;
    try {
      const graph = await this.graphs.get(machine);
      definitionFile = graph.definitionFile;
      nodes = graph.states;
    } catch (e) {
      graphProblem = (e as Error).message;
    }
    const builder = new StateViewBuilder(nodes, VIEW_CAPS);
    const window = new TimeOrderWindow((e) => builder.add(e));
    const events = await streamJsonlFile<StoredEvent>(
      join(dir, 'events.jsonl'),
      (e) => window.push(e),
      signal,
    );
    window.end();
    let quality: TaskRecord | null = null;
    const tasks = await streamJsonlFile<TaskRecord>(
      join(dir, 'tasks.jsonl'),
      (t) => {
        builder.attachTask(t);
        if (qualityPayload(t)) quality = t;
      },
      signal,
    );
    const metricLines: Record<string, unknown>[] = [];
    const metrics = await streamJsonlFile<Record<string, unknown>>(
      join(dir, 'metrics.jsonl'),
      (m) => {
        if (metricLines.length < METRIC_LINES) metricLines.push(m);
      },
      signal,
    );
    const logs: Record<string, unknown>[] = [];
    const logRead = await streamJsonlFile<Record<string, unknown>>(
      join(dir, 'logs.jsonl'),
      (l) => {
        logs.push(l);
        if (logs.length >= LOG_LINES * 2) logs.splice(0, logs.length - LOG_LINES);
      },
      signal,
    );
    if (logs.length > LOG_LINES) logs.splice(0, logs.length - LOG_LINES);
    if (events.problem) problems.push(`The history of "${name}" is unreadable: ${events.problem}`);
    for (const r of [tasks, metrics, logRead]) if (r.problem) problems.push(r.problem);
    if (orphaned)
      problems.push(
        `The record says RUNNING, but the process that ran it (pid ${record.owner?.pid}) is gone: it will not finish. Replay it: npx lakestep replay ${shellArg(record.name)}${lakeFlag(this.lake)}`,
      );
    if (graphProblem) problems.push(graphProblem);
    const states = builder.finish(running);
    if (states.unknownStates.length > 0)
      problems.push(
        `The history names states the committed ASL does not have (${states.unknownStates.join(', ')}): the definition changed since this run`,
      );
    const data = await deriveDataView(this.paths.root, quality ? [quality] : [], metricLines);
    problems.push(...data.problems);
    const status = record.status;
    return {
      record: {
        ...record,
        durationMs: durationOf(record.startDate, record.stopDate),
        orphaned,
      },
      definitionFile,
      stateMachine: machine,
      view: states,
      data,
      logs,
      logCount: logRead.count,
      replay: status === 'RUNNING' || status === 'SUCCEEDED' ? null : replayAdviceFor(record, this.lake),
      eventCount: events.count,
      problems,
    };
  }

  /** Cheap change signature of one execution's files: what live updates poll. */
  async signature(name: string): Promise<string> {
    const dir = this.dir(name);
    const parts = await Promise.all(
      ['execution.json', 'events.jsonl', 'tasks.jsonl', 'metrics.jsonl', 'logs.jsonl'].map((f) =>
        stat(join(dir, f)).then(
          (s) => `${s.mtimeMs}:${s.size}`,
          () => '-',
        ),
      ),
    );
    return parts.join('|');
  }

  /** Change signature of the executions directory: names and each record's mtime and size. */
  async listSignature(): Promise<string> {
    let names: string[];
    try {
      names = await readdir(this.paths.executionsDir);
    } catch {
      return 'none';
    }
    const parts = await Promise.all(
      names.sort().map((n) =>
        stat(join(this.paths.executionsDir, n, 'execution.json')).then(
          (s) => `${n}:${s.mtimeMs}:${s.size}`,
          () => `${n}:-`,
        ),
      ),
    );
    return parts.join('|');
  }
}
