/**
 * What one attempt of an execution writes into the execution store while it runs and when it ends:
 * its events (a redrive's marked with its number), its task invocations, its captured log and metric
 * lines, and the final record — FAILED, TIMED_OUT or ABORTED with the error and cause Step Functions
 * would give, or `Lakestep.RuntimeError` when lakestep itself failed.
 */
import type { BoundTask } from './bindings';
import type {
  ExecutionRecord,
  ExecutionStatus,
  ExecutionStore,
  StoredEvent,
  TaskRecord,
} from './execution-store';
import { abortedRecord } from './execution-store';

/** The error of an execution that lakestep itself failed to run (not a task's, not the workflow's). */
export const RUNTIME_ERROR = 'Lakestep.RuntimeError';

export type EndedStatus = Exclude<ExecutionStatus, 'RUNNING'>;

/** How a task invocation ended, as the bindings report it. */
export type TaskOutcome = { error?: Error; result?: unknown };

export class AttemptLog {
  readonly events: StoredEvent[] = [];
  readonly tasks: TaskRecord[] = [];
  private readonly writes: Promise<void>[] = [];

  constructor(
    private readonly store: ExecutionStore,
    private readonly execution: string,
    /** 0 for a first attempt, N for the Nth redrive. */
    private readonly redrive: number,
    private readonly onEvent?: (execution: string, event: StoredEvent) => void,
  ) {}

  /** Keeps a write to wait for before the record ends; a failing append is not the execution's failure. */
  persist(p: Promise<void>): void {
    this.writes.push(p.catch(() => undefined));
  }

  /** An event of the library: stored flattened; a redrive's ExecutionStarted is left out (ExecutionRedriven stands for it). */
  libraryEvent(e: Record<string, unknown>): void {
    const stored = toStoredEvent(e);
    if (this.redrive && stored.type === 'ExecutionStarted') return;
    if (this.redrive) stored.redrive = this.redrive;
    this.add(stored);
  }

  /** The library ends its event stream without an event for a timeout or an abort: this records one. */
  ended(status: EndedStatus): void {
    if (status !== 'TIMED_OUT' && status !== 'ABORTED') return;
    this.add({
      type: status === 'TIMED_OUT' ? 'ExecutionTimedOut' : 'ExecutionAborted',
      timestamp: Date.now(),
      ...(this.redrive ? { redrive: this.redrive } : {}),
    });
  }

  /** One invocation of a task, with its input and its result or error. */
  task(task: BoundTask, attempt: number, input: unknown, outcome: TaskOutcome, startedAt: Date): void {
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
      ...(this.redrive ? { redrive: this.redrive } : {}),
    };
    this.tasks.push(t);
    this.persist(this.store.appendTask(this.execution, t));
  }

  /** A captured log or metric line of a task (logs.jsonl, metrics.jsonl). */
  line(file: 'logs.jsonl' | 'metrics.jsonl', line: unknown): void {
    this.persist(this.store.appendLine(this.execution, file, line));
  }

  /** Every write made so far has landed (or failed, which is left to the reader's damage report). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.writes);
  }

  /** Every write made so far has landed; a failed write is an error of the store. */
  async flushed(): Promise<void> {
    await Promise.all(this.writes);
  }

  private add(stored: StoredEvent): void {
    this.events.push(stored);
    this.persist(this.store.appendEvent(this.execution, stored));
    this.onEvent?.(this.execution, stored);
  }
}

/** The record of an attempt that ended: its status, output, and the error and cause it ended with. */
export function endedRecord(
  record: ExecutionRecord,
  status: EndedStatus,
  output: unknown,
  events: readonly StoredEvent[],
  timeoutSeconds: number | undefined,
  abortCause: string | null,
): ExecutionRecord {
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
        ? `The execution ran longer than the workflow's TimeoutSeconds (${timeoutSeconds ?? '?'} s)`
        : failed
          ? causeText(failed.cause)
          : null,
    stopDate: new Date().toISOString(),
  };
  return status === 'ABORTED' ? abortedRecord(base, abortCause ?? 'Aborted') : base;
}

/** The record of an execution lakestep itself failed to run (a full disk, a bug): FAILED, redrivable. */
export function runtimeErrorRecord(record: ExecutionRecord, e: unknown): ExecutionRecord {
  const { owner: _owner, ...finished } = record;
  return {
    ...finished,
    status: 'FAILED',
    output: null,
    error: RUNTIME_ERROR,
    cause: `lakestep itself failed while running execution ${record.name}: ${(e as Error).message ?? String(e)}`,
    stopDate: new Date().toISOString(),
  };
}

function causeText(cause: unknown): string | null {
  if (cause === undefined || cause === null) return null;
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

/** Flattens the library's events into what the store keeps (state name, input/output, error, retry). */
export function toStoredEvent(e: Record<string, unknown>): StoredEvent {
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
