/**
 * The per-state view of one execution: from its event history and task records, every state of the
 * graph with its outcome (the colour the page draws), each time it was entered (loops, Map iterations,
 * redrives) with timings, attempts, input, output, error and cause, and the transitions taken.
 * Built one event at a time in one pass (histories of millions of events), keeping a bounded number of
 * entries and iterations per state: memory and the answer stay bounded, the counts say what was left out.
 */
import type { StoredEvent, TaskRecord } from '../execution-store';

export type StateStatus = 'succeeded' | 'failed' | 'retried' | 'caught' | 'running' | 'notreached';
export type RunStatus = 'succeeded' | 'failed' | 'caught' | 'running';

/** The part of a graph node the view needs: ids are state paths ("Name" or "Parent/Child"). */
export interface StateNode {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly parent: string | null;
}

export interface Attempt {
  readonly number: number;
  readonly startedAt: number;
  readonly stoppedAt: number | null;
  readonly status: 'succeeded' | 'failed' | 'running';
  readonly error: string | null;
  readonly cause: string | null;
  /** The task's own call for this attempt (Task states): its input after Parameters, result or error. */
  readonly task: {
    readonly input: unknown;
    readonly result?: unknown;
    readonly error?: { name: string; message: string };
    readonly durationMs: number;
  } | null;
}

export interface StateEntry {
  /** Position among all entries of the execution, in the order they happened (ties in ms included). */
  readonly seq: number;
  /** 0 for the execution's first run, N for the Nth redrive. */
  readonly redrive: number;
  /** The Map iteration this entry belongs to, or null outside a Map. */
  readonly index: number | null;
  readonly enteredAt: number;
  stoppedAt: number | null;
  status: RunStatus;
  readonly input: unknown;
  output: unknown;
  error: string | null;
  cause: string | null;
  readonly attempts: Attempt[];
}

export interface MapIteration {
  readonly index: number;
  readonly redrive: number;
  readonly startedAt: number;
  stoppedAt: number | null;
  status: 'succeeded' | 'failed' | 'running';
  output: unknown;
  error: string | null;
  cause: string | null;
}

export interface StateView {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly parent: string | null;
  status: StateStatus;
  /** The latest entries, at most the builder's cap; `entryCount` says how many there were in all. */
  readonly entries: StateEntry[];
  entryCount: number;
  /** Map states only: one row per iteration (the latest, at most the cap); `iterationCount` in all. */
  readonly iterations: MapIteration[];
  iterationCount: number;
}

export interface RedriveView {
  readonly redrive: number;
  readonly startedAt: number;
  stoppedAt: number | null;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'RUNNING';
  error: string | null;
  cause: string | null;
  /** Redrives only: the state it resumed at, and why there. */
  readonly resumeAt: string | null;
  readonly resumeReason: string | null;
  /** State ids entered during this attempt, in order of first entry. */
  readonly states: string[];
}

export interface StateViews {
  readonly states: StateView[];
  readonly transitions: { from: string; to: string }[];
  readonly redrives: RedriveView[];
  /** Events naming a state the graph does not have (a definition changed since the run). */
  readonly unknownStates: string[];
}

interface Open {
  entry: StateEntry;
  attempt: { number: number; startedAt: number } | null;
  attempts: Attempt[];
}

/** Internal bookkeeping of a view: its entries by Map index, and which redrives retried it. */
interface Track {
  readonly view: StateView;
  /** Redrives in which an attempt of this state failed and was retried. */
  readonly retried: Set<number>;
  /** Entries dropped beyond the cap: tasks of dropped entries are not attached to kept ones. */
  dropped: number;
}

export interface ViewCaps {
  /** Entries kept per state (the latest). */
  readonly entriesPerState: number;
  /** Iterations kept per Map state (the latest started). */
  readonly iterationsPerMap: number;
}

const NO_CAPS: ViewCaps = { entriesPerState: Infinity, iterationsPerMap: Infinity };

const text = (v: unknown): string | null =>
  v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v);

const ENDS: Record<string, RedriveView['status']> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
  ExecutionTerminated: 'ABORTED',
};

/** Keeps the latest `cap` items of a growing list, trimming in batches so each push stays O(1). */
function keepLatest<T>(list: T[], cap: number, onDrop?: (dropped: T[]) => void): void {
  if (list.length <= cap * 2 || !Number.isFinite(cap)) return;
  const dropped = list.splice(0, list.length - cap);
  onDrop?.(dropped);
}

/**
 * Derives the views from events given in time order (see inTimeOrder / TimeOrderWindow), then attaches
 * task records; each call does a constant amount of work, so a history costs time linear in its length.
 */
export class StateViewBuilder {
  private readonly tracks = new Map<string, Track>();
  private readonly idByName = new Map<string, string>();
  private readonly unknown = new Set<string>();
  private readonly open = new Map<string, Open>();
  private readonly openMaps: string[] = [];
  private readonly transitions = new Map<string, { from: string; to: string }>();
  /** scope (parent + index + redrive) → last state id */
  private readonly lastTopLevel = new Map<string, string>();
  private readonly redrives: RedriveView[] = [];
  /** Iterations still running, by Map, index and redrive: a finished one gets no more events. */
  private readonly runningIterations = new Map<string, MapIteration>();
  /** Events of a state seen before its StateEntered (appends that landed out of order in the same ms). */
  private readonly orphans = new Map<string, StoredEvent[]>();
  private redrive = 0;
  private seq = 0;
  /** Attempts used per entry while attaching tasks. */
  private readonly used = new Map<StateEntry, number>();
  private indexed: Map<string, { all: StateEntry[]; byIndex: Map<number, StateEntry[]> }> | null = null;
  private closed = false;

  constructor(
    nodes: readonly StateNode[],
    private readonly caps: ViewCaps = NO_CAPS,
  ) {
    for (const n of nodes) {
      const view: StateView = {
        ...n,
        status: 'notreached',
        entries: [],
        entryCount: 0,
        iterations: [],
        iterationCount: 0,
      };
      this.tracks.set(n.id, { view, retried: new Set(), dropped: 0 });
      // AWS requires state names unique across the whole machine, so a name finds its nested path.
      if (!this.idByName.has(n.name)) this.idByName.set(n.name, n.id);
    }
  }

  add(e: StoredEvent): void {
    const r = typeof e.redrive === 'number' ? e.redrive : this.redrive;
    if (e.type === 'ExecutionStarted' || e.type === 'ExecutionRedriven') {
      if (e.type === 'ExecutionRedriven')
        this.redrive = typeof e.redriveCount === 'number' ? e.redriveCount : this.redrive + 1;
      this.redrives.push({
        redrive: e.type === 'ExecutionStarted' ? r : this.redrive,
        startedAt: e.timestamp,
        stoppedAt: null,
        status: 'RUNNING',
        error: null,
        cause: null,
        resumeAt: typeof e.resumeAt === 'string' ? e.resumeAt : null,
        resumeReason: typeof e.resumeReason === 'string' ? e.resumeReason : null,
        states: [],
      });
      // A redrive resumes: what was left open by the failed attempt is closed by it.
      this.open.clear();
      this.openMaps.length = 0;
      this.runningIterations.clear();
      return;
    }
    const end = ENDS[e.type];
    if (end) {
      const run = this.redrives.at(-1);
      if (run) {
        run.stoppedAt = e.timestamp;
        run.status = end;
        run.error = text(e.error);
        run.cause = text(e.cause);
      }
      return;
    }
    if (e.type.startsWith('MapIteration')) {
      this.iteration(e, r);
      return;
    }
    const name = typeof e.stateName === 'string' ? e.stateName : null;
    if (!name) return;
    const id = this.idByName.get(name);
    const track = id ? this.tracks.get(id) : undefined;
    if (!id || !track) {
      this.unknown.add(name);
      return;
    }
    const view = track.view;
    const index = typeof e.index === 'number' ? e.index : null;
    const key = `${id}\u0000${index ?? ''}`;
    if (e.type === 'StateEntered') {
      const entry: StateEntry = {
        seq: this.seq++,
        redrive: r,
        index,
        enteredAt: e.timestamp,
        stoppedAt: null,
        status: 'running',
        input: e.input ?? null,
        output: null,
        error: null,
        cause: null,
        attempts: [],
      };
      view.entries.push(entry);
      view.entryCount++;
      keepLatest(view.entries, this.caps.entriesPerState, (d) => {
        track.dropped += d.length;
      });
      this.open.set(key, { entry, attempt: { number: 1, startedAt: e.timestamp }, attempts: entry.attempts });
      if (view.type === 'Map') this.openMaps.push(id);
      const run = this.redrives.at(-1);
      if (run && !run.states.includes(id)) run.states.push(id);
      const scope = `${view.parent ?? ''}\u0000${index ?? ''}\u0000${r}`;
      const prev = this.lastTopLevel.get(scope);
      if (prev && prev !== id) this.transitions.set(`${prev}\u0000${id}`, { from: prev, to: id });
      this.lastTopLevel.set(scope, id);
      const waiting = this.orphans.get(key);
      this.orphans.delete(key);
      for (const o of waiting ?? []) if (o.timestamp >= e.timestamp) this.add(o);
      return;
    }
    const cur = this.open.get(key);
    if (!cur) {
      const list = this.orphans.get(key);
      if (list) list.push(e);
      else this.orphans.set(key, [e]);
      return;
    }
    const { entry } = cur;
    entry.stoppedAt = e.timestamp;
    switch (e.type) {
      case 'StateFailed':
        entry.status = 'failed';
        entry.error = text(e.error);
        entry.cause = text(e.cause);
        if (cur.attempt) {
          cur.attempts.push({
            ...cur.attempt,
            stoppedAt: e.timestamp,
            status: 'failed',
            error: entry.error,
            cause: entry.cause,
            task: null,
          });
          cur.attempt = null;
        }
        break;
      case 'StateRetried': {
        // Arrives after the backoff: the next attempt starts now.
        entry.status = 'running';
        track.retried.add(entry.redrive);
        const n = typeof e.retryAttempt === 'number' ? e.retryAttempt + 1 : cur.attempts.length + 1;
        cur.attempt = { number: n, startedAt: e.timestamp };
        break;
      }
      case 'StateCaught':
        entry.status = 'caught';
        this.closeEntry(key, view);
        break;
      case 'StateExited':
        entry.status = 'succeeded';
        entry.output = e.output ?? null;
        entry.error = null;
        entry.cause = null;
        if (cur.attempt)
          cur.attempts.push({
            ...cur.attempt,
            stoppedAt: e.timestamp,
            status: 'succeeded',
            error: null,
            cause: null,
            task: null,
          });
        this.closeEntry(key, view);
        break;
      default:
        break;
    }
  }

  private iteration(e: StoredEvent, r: number): void {
    const mapId = typeof e.parentState === 'string' ? this.idByName.get(e.parentState) : this.openMaps.at(-1);
    const view = mapId ? this.tracks.get(mapId)?.view : undefined;
    const index = typeof e.index === 'number' ? e.index : -1;
    if (!view) return;
    const key = `${view.id}\u0000${index}\u0000${r}`;
    let it = this.runningIterations.get(key);
    if (!it) {
      it = {
        index,
        redrive: r,
        startedAt: e.timestamp,
        stoppedAt: null,
        status: 'running',
        output: null,
        error: null,
        cause: null,
      };
      view.iterations.push(it);
      view.iterationCount++;
      keepLatest(view.iterations, this.caps.iterationsPerMap);
      this.runningIterations.set(key, it);
    }
    if (e.type === 'MapIterationSucceeded') {
      it.status = 'succeeded';
      it.stoppedAt = e.timestamp;
      it.output = e.output ?? null;
      this.runningIterations.delete(key);
    } else if (e.type === 'MapIterationFailed') {
      it.status = 'failed';
      it.stoppedAt = e.timestamp;
      it.error = text(e.error);
      it.cause = text(e.cause);
      this.runningIterations.delete(key);
    }
  }

  private closeEntry(key: string, view: StateView): void {
    this.open.delete(key);
    if (view.type === 'Map') {
      const i = this.openMaps.lastIndexOf(view.id);
      if (i >= 0) this.openMaps.splice(i, 1);
    }
  }

  /** Ends the history: attempts still open (a run in progress) are listed as running. */
  private closeHistory(): void {
    if (this.closed) return;
    this.closed = true;
    for (const o of this.open.values())
      if (o.attempt)
        o.attempts.push({
          ...o.attempt,
          stoppedAt: null,
          status: 'running',
          error: null,
          cause: null,
          task: null,
        });
    for (const t of this.tracks.values()) {
      const { view } = t;
      const before = view.entries.length;
      if (before > this.caps.entriesPerState) {
        view.entries.splice(0, before - this.caps.entriesPerState);
        t.dropped += before - this.caps.entriesPerState;
      }
      if (view.iterations.length > this.caps.iterationsPerMap)
        view.iterations.splice(0, view.iterations.length - this.caps.iterationsPerMap);
    }
  }

  /**
   * One task record is one attempt of one entry: the latest kept entry of its state (and Map index)
   * entered before it began. Found by binary search, since entries are kept in time order.
   */
  attachTask(t: TaskRecord): void {
    this.closeHistory();
    if (!this.indexed) {
      this.indexed = new Map();
      for (const [id, { view }] of this.tracks) {
        const byIndex = new Map<number, StateEntry[]>();
        for (const en of view.entries)
          if (en.index !== null) {
            const list = byIndex.get(en.index);
            if (list) list.push(en);
            else byIndex.set(en.index, [en]);
          }
        this.indexed.set(id, { all: view.entries, byIndex });
      }
    }
    const id = this.tracks.has(t.statePath) ? t.statePath : this.idByName.get(t.statePath);
    const track = id ? this.tracks.get(id) : undefined;
    const index = id ? this.indexed.get(id) : undefined;
    if (!track || !index || track.view.entries.length === 0) return;
    const pool = t.mapIndex === null ? index.all : (index.byIndex.get(t.mapIndex) ?? []);
    const started = Date.parse(t.startedAt);
    let entry = lastEnteredBy(pool, started + 1);
    // Before every kept entry: its own entry was dropped by the cap (or, uncapped, the history is odd).
    if (!entry) {
      if (track.dropped > 0) return;
      entry = track.view.entries[0];
    }
    if (!entry) return;
    const i = this.used.get(entry) ?? 0;
    this.used.set(entry, i + 1);
    const attempt = entry.attempts[i];
    const task = {
      input: t.input,
      ...(t.error ? { error: t.error } : { result: t.result }),
      durationMs: t.durationMs,
    };
    if (attempt) entry.attempts[i] = { ...attempt, task };
  }

  finish(executionRunning: boolean): StateViews {
    this.closeHistory();
    const views = [...this.tracks.values()];
    for (const t of views) t.view.status = stateStatus(t, executionRunning);
    // A state entered by a run that then stopped without closing it (killed process) did not finish.
    if (!executionRunning)
      for (const { view } of views)
        for (const entry of view.entries) if (entry.status === 'running') entry.status = 'failed';
    return {
      states: views.map((t) => t.view),
      transitions: [...this.transitions.values()],
      redrives: this.redrives,
      unknownStates: [...this.unknown],
    };
  }
}

/** The last entry entered at or before `time`, in a list ordered by entry time. */
function lastEnteredBy(entries: readonly StateEntry[], time: number): StateEntry | undefined {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((entries[mid] as StateEntry).enteredAt <= time) lo = mid + 1;
    else hi = mid;
  }
  return entries[lo - 1];
}

export function deriveStateViews(
  nodes: readonly StateNode[],
  events: readonly StoredEvent[],
  tasks: readonly TaskRecord[],
  executionRunning: boolean,
  caps: ViewCaps = NO_CAPS,
): StateViews {
  const builder = new StateViewBuilder(nodes, caps);
  for (const e of inTimeOrder(events)) builder.add(e);
  for (const t of tasks) builder.attachTask(t);
  return builder.finish(executionRunning);
}

/**
 * The history in time order. The store appends events without waiting for the previous append, so its
 * file order can differ from the order they happened; a stable sort by timestamp restores it across
 * milliseconds, and the orphan queue above within one.
 */
export function inTimeOrder(events: readonly StoredEvent[]): StoredEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i)
    .map((x) => x.e);
}

/**
 * The same order for a history read as a stream: events are held in a window and released oldest
 * first, so an event written up to `size` lines late still takes its place. The store's appends to one
 * file are serialised now, so file order is already time order but for older lakes.
 */
export class TimeOrderWindow {
  private buffer: { e: StoredEvent; i: number }[] = [];
  private n = 0;

  constructor(
    private readonly release: (e: StoredEvent) => void,
    private readonly size = 4096,
  ) {}

  push(e: StoredEvent): void {
    this.buffer.push({ e, i: this.n++ });
    if (this.buffer.length >= this.size * 2) this.flush(this.size);
  }

  end(): void {
    this.flush(0);
  }

  private flush(keep: number): void {
    this.buffer.sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i);
    const out = this.buffer.splice(0, this.buffer.length - keep);
    for (const x of out) this.release(x.e);
  }
}

function stateStatus({ view, retried }: Track, executionRunning: boolean): StateStatus {
  const last = view.entries.at(-1);
  if (!last) return 'notreached';
  if (last.status === 'running') return executionRunning ? 'running' : 'failed';
  if (last.status === 'failed') return 'failed';
  if (last.status === 'caught') return 'caught';
  // Succeeded in the end: "retried" when any attempt of its latest run failed first.
  const latestRun = view.entries.filter((en) => en.redrive === last.redrive);
  return retried.has(last.redrive) || latestRun.some((en) => en.attempts.length > 1)
    ? 'retried'
    : 'succeeded';
}
