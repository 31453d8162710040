/**
 * The per-state view of one execution: from its event history and task records, every state of the
 * graph with its outcome (the colour the page draws), each time it was entered (loops, Map iterations,
 * redrives) with timings, attempts, input, output, error and cause, and the transitions taken.
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
  readonly entries: StateEntry[];
  /** Map states only: one row per iteration. */
  readonly iterations: MapIteration[];
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

const text = (v: unknown): string | null =>
  v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v);

export function deriveStateViews(
  nodes: readonly StateNode[],
  events: readonly StoredEvent[],
  tasks: readonly TaskRecord[],
  executionRunning: boolean,
): StateViews {
  const views = new Map<string, StateView>();
  const idByName = new Map<string, string>();
  for (const n of nodes) {
    views.set(n.id, { ...n, status: 'notreached', entries: [], iterations: [] });
    // AWS requires state names unique across the whole machine, so a name finds its nested path.
    if (!idByName.has(n.name)) idByName.set(n.name, n.id);
  }
  const unknown = new Set<string>();
  const open = new Map<string, Open>();
  const openMaps: string[] = [];
  const transitions = new Map<string, { from: string; to: string }>();
  const lastTopLevel = new Map<string, string>(); // scope (parent + index + redrive) → last state id
  const redrives: RedriveView[] = [];
  let redrive = 0;
  let seq = 0;

  const current = () => redrives.at(-1);

  const queue = inTimeOrder(events);
  // Events of a state seen before its StateEntered (appends that landed out of order in the same ms).
  const orphans = new Map<string, StoredEvent[]>();
  for (let qi = 0; qi < queue.length; qi++) {
    const e = queue[qi] as StoredEvent;
    const r = typeof e.redrive === 'number' ? e.redrive : redrive;
    if (e.type === 'ExecutionStarted' || e.type === 'ExecutionRedriven') {
      if (e.type === 'ExecutionRedriven')
        redrive = typeof e.redriveCount === 'number' ? e.redriveCount : redrive + 1;
      redrives.push({
        redrive: e.type === 'ExecutionStarted' ? r : redrive,
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
      open.clear();
      openMaps.length = 0;
      continue;
    }
    if (
      e.type === 'ExecutionSucceeded' ||
      e.type === 'ExecutionFailed' ||
      e.type === 'ExecutionTimedOut' ||
      e.type === 'ExecutionAborted' ||
      e.type === 'ExecutionTerminated'
    ) {
      const run = current();
      if (run) {
        run.stoppedAt = e.timestamp;
        run.status =
          e.type === 'ExecutionSucceeded'
            ? 'SUCCEEDED'
            : e.type === 'ExecutionFailed'
              ? 'FAILED'
              : e.type === 'ExecutionTimedOut'
                ? 'TIMED_OUT'
                : 'ABORTED';
        run.error = text(e.error);
        run.cause = text(e.cause);
      }
      continue;
    }
    if (e.type.startsWith('MapIteration')) {
      const mapId = typeof e.parentState === 'string' ? idByName.get(e.parentState) : openMaps.at(-1);
      const view = mapId ? views.get(mapId) : undefined;
      const index = typeof e.index === 'number' ? e.index : -1;
      if (!view) continue;
      let it = view.iterations.find((x) => x.index === index && x.redrive === r);
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
      }
      if (e.type === 'MapIterationSucceeded') {
        it.status = 'succeeded';
        it.stoppedAt = e.timestamp;
        it.output = e.output ?? null;
      } else if (e.type === 'MapIterationFailed') {
        it.status = 'failed';
        it.stoppedAt = e.timestamp;
        it.error = text(e.error);
        it.cause = text(e.cause);
      }
      continue;
    }
    const name = typeof e.stateName === 'string' ? e.stateName : null;
    if (!name) continue;
    const id = idByName.get(name);
    const view = id ? views.get(id) : undefined;
    if (!id || !view) {
      unknown.add(name);
      continue;
    }
    const index = typeof e.index === 'number' ? e.index : null;
    const key = `${id}\u0000${index ?? ''}`;
    if (e.type === 'StateEntered') {
      const entry: StateEntry = {
        seq: seq++,
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
      open.set(key, { entry, attempt: { number: 1, startedAt: e.timestamp }, attempts: entry.attempts });
      if (view.type === 'Map') openMaps.push(id);
      const run = current();
      if (run && !run.states.includes(id)) run.states.push(id);
      const scope = `${view.parent ?? ''}\u0000${index ?? ''}\u0000${r}`;
      const prev = lastTopLevel.get(scope);
      if (prev && prev !== id) transitions.set(`${prev}\u0000${id}`, { from: prev, to: id });
      lastTopLevel.set(scope, id);
      const waiting = orphans.get(key)?.filter((o) => o.timestamp >= e.timestamp);
      orphans.delete(key);
      if (waiting?.length) queue.splice(qi + 1, 0, ...waiting);
      continue;
    }
    const cur = open.get(key);
    if (!cur) {
      orphans.set(key, [...(orphans.get(key) ?? []), e]);
      continue;
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
        const n = typeof e.retryAttempt === 'number' ? e.retryAttempt + 1 : cur.attempts.length + 1;
        cur.attempt = { number: n, startedAt: e.timestamp };
        break;
      }
      case 'StateCaught':
        entry.status = 'caught';
        closeEntry(open, key, view, openMaps);
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
        closeEntry(open, key, view, openMaps);
        break;
      default:
        break;
    }
  }
  // Attempts still open (a run in progress) are listed as running.
  for (const o of open.values())
    if (o.attempt)
      o.attempts.push({
        ...o.attempt,
        stoppedAt: null,
        status: 'running',
        error: null,
        cause: null,
        task: null,
      });

  attachTasks(views, tasks);
  for (const view of views.values()) view.status = stateStatus(view, executionRunning);
  // A state entered by a run that then stopped without closing it (killed process) did not finish.
  if (!executionRunning)
    for (const view of views.values())
      for (const entry of view.entries) if (entry.status === 'running') entry.status = 'failed';
  return {
    states: [...views.values()],
    transitions: [...transitions.values()],
    redrives,
    unknownStates: [...unknown],
  };
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

function closeEntry(open: Map<string, Open>, key: string, view: StateView, openMaps: string[]): void {
  open.delete(key);
  if (view.type === 'Map') {
    const i = openMaps.lastIndexOf(view.id);
    if (i >= 0) openMaps.splice(i, 1);
  }
}

/** Each task record is one attempt of one entry: the latest entry of its state entered before it began. */
function attachTasks(views: Map<string, StateView>, tasks: readonly TaskRecord[]): void {
  const byPath = new Map<string, TaskRecord[]>();
  for (const t of tasks) byPath.set(t.statePath, [...(byPath.get(t.statePath) ?? []), t]);
  for (const view of views.values()) {
    const own = byPath.get(view.id) ?? byPath.get(view.name);
    if (!own || view.entries.length === 0) continue;
    const used = new Map<StateEntry, number>();
    for (const t of own) {
      const started = Date.parse(t.startedAt);
      const candidates = view.entries.filter(
        (en) => (t.mapIndex === null || en.index === t.mapIndex) && en.enteredAt <= started + 1,
      );
      const entry = candidates.at(-1) ?? view.entries[0];
      if (!entry) continue;
      const i = used.get(entry) ?? 0;
      used.set(entry, i + 1);
      const attempt = entry.attempts[i];
      const task = {
        input: t.input,
        ...(t.error ? { error: t.error } : { result: t.result }),
        durationMs: t.durationMs,
      };
      if (attempt) entry.attempts[i] = { ...attempt, task };
    }
  }
}

function stateStatus(view: StateView, executionRunning: boolean): StateStatus {
  const last = view.entries.at(-1);
  if (!last) return 'notreached';
  if (last.status === 'running') return executionRunning ? 'running' : 'failed';
  if (last.status === 'failed') return 'failed';
  if (last.status === 'caught') return 'caught';
  // Succeeded in the end: "retried" when any attempt of its latest run failed first.
  const latestRun = view.entries.filter((en) => en.redrive === last.redrive);
  return latestRun.some((en) => en.attempts.length > 1) ? 'retried' : 'succeeded';
}
