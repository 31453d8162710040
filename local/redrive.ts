/**
 * Local redrive, as Step Functions does it: find the state an unsuccessful execution did not finish,
 * and run the same definition from there with the input that state had; inside a Map or Parallel state,
 * tasks that already succeeded answer from their recorded results, so only the failed iterations and
 * branches run again. Pure functions over the definition and the execution store's records.
 */
import type { StoredEvent, TaskRecord } from './execution-store';

type AslState = Record<string, unknown> & { Type: string };
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [k: string]: unknown;
}

export interface ResumePoint {
  /** The top-level state the redrive starts at. */
  readonly state: string;
  /** The input that state had (its last StateEntered), or the execution input when nothing ran. */
  readonly input: unknown;
  /** Why the redrive starts there, for people. */
  readonly why: string;
  /** Set when the state is a Map or Parallel: its nested tasks' earlier results are reused. */
  readonly nested: boolean;
}

/** An event of the top-level flow: a state of the definition's own States, not inside a Map iteration. */
function topLevel(e: StoredEvent, definition: AslDefinition): boolean {
  return typeof e.stateName === 'string' && e.index === undefined && e.stateName in definition.States;
}

/**
 * Where a redrive resumes. Top-level states run one at a time, so the state to resume is the last one
 * entered: if it never exited (it failed, or the execution timed out or was aborted inside it), it runs
 * again with the input it had; if it exited and the execution stopped in between, the next state runs
 * (a Choice is evaluated again from its input: it has no side effects).
 */
export function resumePoint(
  definition: AslDefinition,
  events: readonly StoredEvent[],
  executionInput: unknown,
): ResumePoint {
  let last: StoredEvent | null = null;
  let closedBy: StoredEvent | null = null;
  for (const e of events) {
    if (!topLevel(e, definition)) continue;
    if (e.type === 'StateEntered') {
      last = e;
      closedBy = null;
    } else if (
      last &&
      e.stateName === last.stateName &&
      (e.type === 'StateExited' || e.type === 'StateCaught')
    )
      closedBy = e;
  }
  const resumeAt = (state: string, input: unknown, why: string): ResumePoint => {
    const type = definition.States[state]?.Type;
    return { state, input, why, nested: type === 'Map' || type === 'Parallel' };
  };
  if (!last) return resumeAt(definition.StartAt, executionInput, 'no state ran: from the start');
  const name = last.stateName as string;
  if (!closedBy) return resumeAt(name, last.input, `"${name}" did not succeed`);
  const state = definition.States[name] as AslState;
  if (closedBy.type === 'StateExited' && typeof state.Next === 'string')
    return resumeAt(
      state.Next,
      closedBy.output,
      `"${name}" succeeded and the execution stopped before "${state.Next}"`,
    );
  return resumeAt(
    name,
    last.input,
    `the execution stopped after "${name}", whose next state is decided again`,
  );
}

/** The states reachable from a state: the redrive's definition keeps only these (unreachable ones are invalid ASL). */
function reachable(definition: AslDefinition, from: string): Set<string> {
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length) {
    const name = todo.pop() as string;
    if (seen.has(name)) continue;
    const state = definition.States[name];
    if (!state) throw new Error(`The definition has no state "${name}"`);
    seen.add(name);
    const next = [
      state.Next,
      state.Default,
      ...((state.Choices as { Next?: string }[] | undefined) ?? []).map((c) => c.Next),
      ...((state.Catch as { Next?: string }[] | undefined) ?? []).map((c) => c.Next),
    ];
    for (const n of next) if (typeof n === 'string') todo.push(n);
  }
  return seen;
}

/** The same definition (Retry, Catch, timeouts unchanged), starting at the resume state. */
export function definitionFrom(definition: AslDefinition, state: string): AslDefinition {
  const keep = reachable(definition, state);
  return {
    ...definition,
    StartAt: state,
    States: Object.fromEntries(Object.entries(definition.States).filter(([n]) => keep.has(n))),
  };
}

/** JSON with object keys sorted: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/**
 * Results of the tasks nested in a Map or Parallel state, from earlier attempts, keyed by state path
 * and the task's input. A task asked again with the same input takes the next recorded success, in
 * the order they happened (so a polling loop replays its answers in order); when none is left, it runs.
 */
export class TaskMemo {
  private readonly queues = new Map<string, unknown[]>();
  private hits = 0;

  constructor(records: readonly TaskRecord[], underState: string) {
    const prefix = `${underState}/`;
    for (const r of records) {
      if (!r.statePath.startsWith(prefix) || r.result === undefined) continue;
      const key = `${r.statePath}\u0000${canonicalJson(r.input)}`;
      const q = this.queues.get(key) ?? [];
      q.push(r.result);
      this.queues.set(key, q);
    }
  }

  /** The recorded result for this call, if an earlier attempt had one left; undefined otherwise. */
  take(statePath: string, input: unknown): { result: unknown } | undefined {
    const q = this.queues.get(`${statePath}\u0000${canonicalJson(input)}`);
    if (!q?.length) return undefined;
    this.hits++;
    return { result: q.shift() };
  }

  /** How many calls were answered from earlier attempts. */
  get reused(): number {
    return this.hits;
  }
}
