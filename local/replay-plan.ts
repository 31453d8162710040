/**
 * Which executions `lakestep replay` redrives, and which it skips and why: the latest execution of each
 * object that ended FAILED, TIMED_OUT or ABORTED, narrowed by when it stopped, the state it stopped at
 * and its error. Skipped ones carry their reason and the command that helps instead.
 */
import type { ExecutionRecord } from './execution-store';
import { type AslDefinition, resumePoint } from './redrive';
import { RedriveRefused } from './redrive-check';
import type { LocalRuntime } from './runtime';

export interface ReplayFilters {
  /** Only executions that stopped at or after this time. */
  readonly since?: Date;
  /** Only executions that stopped at this (top-level) state. */
  readonly state?: string;
  /** Only executions that failed with this error name. */
  readonly error?: string;
}

export interface ReplayCandidate {
  readonly record: ExecutionRecord;
  /** The state the execution stopped at. */
  readonly stoppedAt: string;
  readonly action: 'redrive' | 'skip';
  /** redrive: the state it resumes at, and why there. */
  readonly resumeAt?: string;
  readonly resumeWhy?: string;
  /** skip: a code, a sentence, and the command that helps instead (if any). */
  readonly skip?: { code: RedriveRefused['code']; message: string; advice: string | null };
}

export interface ReplaySelection {
  readonly candidates: ReplayCandidate[];
  /** Unsuccessful executions left out because a later execution of the same object exists. */
  readonly superseded: number;
}

const UNSUCCESSFUL = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/** "30m", "24h", "7d" → milliseconds; null when the text is not such a duration. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)(m|h|d)$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n) || n <= 0) return null;
  return n * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

/** Executions chosen by name: each is a candidate, redriven or skipped with its reason. */
export async function selectNamed(runtime: LocalRuntime, names: readonly string[]): Promise<ReplaySelection> {
  const candidates: ReplayCandidate[] = [];
  for (const name of names) candidates.push(await candidateFor(runtime, name));
  return { candidates, superseded: 0 };
}

/** `--failed`: every object's latest unsuccessful execution that the filters let through, oldest first. */
export async function selectFailed(runtime: LocalRuntime, filters: ReplayFilters): Promise<ReplaySelection> {
  const all = await runtime.store.list();
  const latest = new Map<string, ExecutionRecord>();
  for (const r of all) latest.set(r.objectKey, r); // list() is sorted by start
  const failed = all.filter((r) => UNSUCCESSFUL.has(r.status));
  const current = failed.filter((r) => latest.get(r.objectKey)?.name === r.name);
  const candidates: ReplayCandidate[] = [];
  for (const r of current) {
    const stopped = Date.parse(r.stopDate ?? r.redriveDate ?? r.startDate);
    if (filters.since && stopped < filters.since.getTime()) continue;
    if (filters.error !== undefined && r.error !== filters.error) continue;
    const c = await candidateFor(runtime, r.name, r);
    if (filters.state !== undefined && c.stoppedAt !== filters.state) continue;
    candidates.push(c);
  }
  const when = (c: ReplayCandidate) => c.record.stopDate ?? c.record.startDate;
  candidates.sort((a, b) => when(a).localeCompare(when(b)));
  return { candidates, superseded: failed.length - current.length };
}

async function candidateFor(
  runtime: LocalRuntime,
  name: string,
  known?: ExecutionRecord,
): Promise<ReplayCandidate> {
  try {
    const { record, resume } = await runtime.redrivePlan(name);
    return {
      record,
      stoppedAt: await stoppedAt(runtime, record),
      action: 'redrive',
      resumeAt: resume.state,
      resumeWhy: resume.why,
    };
  } catch (e) {
    if (!(e instanceof RedriveRefused)) throw e;
    const record = known ?? (await runtime.store.get(name));
    const placeholder: ExecutionRecord = {
      name,
      stateMachine: '',
      definitionFile: '',
      objectKey: '',
      contentSha256: '',
      input: null,
      status: 'FAILED',
      output: null,
      error: null,
      cause: null,
      startDate: '',
      stopDate: null,
      redriveCount: 0,
    };
    return {
      record: record ?? placeholder,
      stoppedAt: record ? await stoppedAt(runtime, record) : '',
      action: 'skip',
      skip: { code: e.code, message: e.message, advice: e.advice },
    };
  }
}

/** The top-level state an execution stopped at (for a data outcome, its Fail state). */
export async function stoppedAt(runtime: LocalRuntime, record: ExecutionRecord): Promise<string> {
  const definition = runtime.definition();
  return resumePoint(definition, await runtime.store.events(record.name), record.input).state;
}

export type { AslDefinition };
