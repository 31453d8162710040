/**
 * Runs one attempt of a state machine with aws-local-stepfunctions until it ends: tasks answered by
 * their local handlers, Retry and Wait durations scaled to local time, the execution's context object
 * as Step Functions gives it, and every task call still running waited for before the end is reported
 * (so that nothing writes to the lake after the execution is recorded).
 */
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';
import type { Handler } from './bindings';
import { lendingPermit } from './bounded';
import type { LocalMachine } from './definition';
import type { EndedStatus } from './execution-recording';
import type { AslDefinition } from './redrive';

/** Local stand-ins for the ASL's durations, in ms (AWS uses the ASL's own). */
export interface LocalTiming {
  /** Every Retry's backoff: default 5. */
  readonly retryDelayMs?: number;
  /** Waits with fixed seconds (the crawler wait loop): default 10. */
  readonly waitMs?: number;
  /** Waits whose seconds a task answered (a slot, a region MERGE), spent without the run permit: default 100. */
  readonly answeredWaitMs?: number;
}

export interface MachineRun {
  readonly machine: LocalMachine;
  /** The definition the machine runs (its Wait states get the local durations). */
  readonly definition: AslDefinition;
  readonly input: unknown;
  /** Local handlers by Task state name. */
  readonly handlers: Record<string, Handler>;
  /** The context object's `Execution`: Id, Name, StartTime, Input, RedriveCount (and RedriveTime). */
  readonly execution: Record<string, unknown>;
  readonly timing: LocalTiming;
  /** Every event of the library, in order. */
  readonly onEvent: (event: Record<string, unknown>) => void;
  /** Called once the run has started, with what stops it (an abort: it ends ABORTED with that cause). */
  readonly onStarted: (abort: (cause: string) => void) => void;
  /** Called as soon as the run has ended, before its task calls have been waited for. */
  readonly onStopped: () => void;
}

export type MachineEnd =
  | {
      readonly ended: true;
      readonly status: EndedStatus;
      readonly output: unknown;
      readonly abortCause: string | null;
    }
  /** The library itself failed (not the execution): nothing of it may be recorded as the execution's end. */
  | { readonly ended: false; readonly error: unknown };

/** A Lambda result that tells the execution to wait before asking again (`waitSeconds` > 0). */
function answersAWait(result: unknown): boolean {
  const payload = (result as { Payload?: { waitSeconds?: unknown } } | null)?.Payload;
  return typeof payload?.waitSeconds === 'number' && payload.waitSeconds > 0;
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

export async function runMachine(run: MachineRun): Promise<MachineEnd> {
  const inflight = new Set<Promise<unknown>>();
  const tracked = Object.fromEntries(
    Object.entries(run.handlers).map(([n, h]) => [
      n,
      (input: unknown) => {
        const p = h(input).then(async (result) => {
          // An answered wait (a full gate, another execution's region MERGE) is spent here, without the
          // run permit of a backfill (local/bounded.ts): the execution it waits for may need a permit to
          // finish, and waiters holding every permit would never let it (the Wait state itself is 1 ms).
          if (answersAWait(result)) await lendingPermit(() => sleep(run.timing.answeredWaitMs ?? 100));
          return result;
        });
        inflight.add(p);
        void p.then(
          () => inflight.delete(p),
          () => inflight.delete(p),
        );
        return p;
      },
    ]),
  );
  const delay = run.timing.retryDelayMs ?? 5;
  const execution = run.machine.run(run.input as never, {
    overrides: {
      taskResourceLocalHandlers: tracked as never,
      waitTimeOverrides: Object.fromEntries(
        Object.entries(run.definition.States)
          .filter(([, s]) => s.Type === 'Wait')
          // A wait whose seconds a task answered was spent after that task (answersAWait).
          .map(([n, s]) => [n, s.SecondsPath ? 1 : (run.timing.waitMs ?? 10)]),
      ),
      retryIntervalOverrides: Object.fromEntries(Object.keys(run.handlers).map((n) => [n, delay])),
    },
    context: { Execution: run.execution as never },
  });
  let abortCause: string | null = null;
  run.onStarted((cause) => {
    abortCause ??= cause;
    execution.abort();
  });
  const consume = (async () => {
    for await (const e of execution.eventLogs) run.onEvent(e as unknown as Record<string, unknown>);
  })();
  let status: EndedStatus = 'SUCCEEDED';
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
    run.onStopped();
  }
  await Promise.allSettled([...inflight]);
  if (unexpected !== undefined) return { ended: false, error: unexpected };
  await consume;
  return { ended: true, status, output, abortCause };
}
