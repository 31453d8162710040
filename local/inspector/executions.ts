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
import { deriveDataView, type RunDataView } from './data-view';
import type { Graphs } from './graphs';
import { readJsonlFile } from './jsonl';
import { deriveStateViews, type StateViews } from './state-view';

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
  logs: Record<string, unknown>[];
  replay: ReplayAdvice | null;
  eventCount: number;
  /** What could not be read (bad lines in the history, a missing graph), each naming the file. */
  problems: string[];
}

export class ExecutionNotFound extends Error {}

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

  async events(name: string): Promise<{ events: StoredEvent[]; problem: string | null }> {
    const read = await readJsonlFile<StoredEvent>(join(this.dir(name), 'events.jsonl'));
    return { events: read.items, problem: read.problem };
  }

  async detail(name: string): Promise<ExecutionDetail> {
    const record = await this.record(name);
    const dir = this.dir(name);
    const [events, tasks, metrics, logs] = await Promise.all([
      readJsonlFile<StoredEvent>(join(dir, 'events.jsonl')),
      readJsonlFile<TaskRecord>(join(dir, 'tasks.jsonl')),
      readJsonlFile<Record<string, unknown>>(join(dir, 'metrics.jsonl')),
      readJsonlFile<Record<string, unknown>>(join(dir, 'logs.jsonl')),
    ]);
    const problems = [events, tasks, metrics, logs].flatMap((r) => (r.problem ? [r.problem] : []));
    if (events.problem) problems[0] = `The history of "${name}" is unreadable: ${events.problem}`;
    const machine = record.stateMachine || 'youtube-trending';
    // A run whose process is gone is not running any more, whatever its record says.
    const orphaned = isOrphaned(record);
    const running = record.status === 'RUNNING' && !orphaned;
    if (orphaned)
      problems.push(
        `The record says RUNNING, but the process that ran it (pid ${record.owner?.pid}) is gone: it will not finish. Replay it: npx lakestep replay ${shellArg(record.name)}${lakeFlag(this.lake)}`,
      );
    let states: StateViews;
    let definitionFile: string | null = null;
    try {
      const graph = await this.graphs.get(machine);
      definitionFile = graph.definitionFile;
      states = deriveStateViews(graph.states, events.items, tasks.items, running);
    } catch (e) {
      problems.push((e as Error).message);
      states = deriveStateViews([], events.items, tasks.items, running);
    }
    if (states.unknownStates.length > 0)
      problems.push(
        `The history names states the committed ASL does not have (${states.unknownStates.join(', ')}): the definition changed since this run`,
      );
    const data = await deriveDataView(this.paths.root, tasks.items, metrics.items);
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
      logs: logs.items,
      replay: status === 'RUNNING' || status === 'SUCCEEDED' ? null : replayAdviceFor(record, this.lake),
      eventCount: events.items.length,
      problems,
    };
  }

  /** Cheap change signature of one execution's files: what live updates poll. */
  async signature(name: string): Promise<string> {
    const dir = this.dir(name);
    const parts = await Promise.all(
      ['execution.json', 'events.jsonl', 'tasks.jsonl', 'metrics.jsonl'].map((f) =>
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
