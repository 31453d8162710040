/**
 * The execution store: every local execution's input, output, status, full event history, each task's
 * input and result (keyed by state path and Map index), and its captured logs and EMF metrics, under
 * <lake>/executions/<name>/. Status, replay and the inspector read it; appends make live updates visible.
 */
import { appendFile, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type Damage, describeDamage, endsMidLine, readJsonlRecords } from './records-reader';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  name: string;
  stateMachine: string;
  definitionFile: string;
  objectKey: string;
  /** SHA-256 of the landed content: what a duplicate event is recognised by. */
  contentSha256: string;
  input: unknown;
  status: ExecutionStatus;
  output: unknown;
  error: string | null;
  cause: string | null;
  startDate: string;
  stopDate: string | null;
  /** How many times the execution was redriven (`lakestep replay`); 0 for a first attempt. */
  redriveCount: number;
  /** When the latest redrive started (ISO-8601); absent until the first redrive. */
  redriveDate?: string;
  /** SHA-256 of the definition (with its placeholders) the execution started with: a redrive runs that one. */
  definitionSha256?: string;
  /** The process running it, while RUNNING: a RUNNING record whose process is gone was interrupted. */
  owner?: { pid: number; host: string };
}

export interface StoredEvent {
  type: string;
  timestamp: number;
  [k: string]: unknown;
}

export interface TaskRecord {
  /** State path: the state name, prefixed by its Map/Parallel parents ("Map/Inner"). */
  statePath: string;
  mapIndex: number | null;
  attempt: number;
  resource: string;
  input: unknown;
  result?: unknown;
  error?: { name: string; message: string };
  startedAt: string;
  durationMs: number;
  /** The redrive this invocation belongs to; absent for the first attempt. */
  redrive?: number;
}

/** The owner stamp of a record run by this process. */
export function thisProcess(): { pid: number; host: string } {
  return { pid: process.pid, host: hostname() };
}

/** True when the record says RUNNING but the process that ran it on this host is gone. */
export function isOrphaned(record: ExecutionRecord): boolean {
  if (record.status !== 'RUNNING' || !record.owner || record.owner.host !== hostname()) return false;
  if (record.owner.pid === process.pid) return false;
  try {
    process.kill(record.owner.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** An interrupted run, as it is recorded: ABORTED, as Step Functions records a stopped execution. */
export function abortedRecord(record: ExecutionRecord, cause: string, at = new Date()): ExecutionRecord {
  const { owner: _owner, ...rest } = record;
  return { ...rest, status: 'ABORTED', error: null, cause, stopDate: at.toISOString() };
}

export interface StoreOptions {
  /**
   * Read-only: nothing is written (status, inspect, dry runs). An orphaned RUNNING record is still
   * shown as ABORTED, but only in memory: the command that owns the lake records it.
   */
  readonly readOnly?: boolean;
  /** Told once about each damaged record that was skipped; by default a line on stderr. */
  readonly onDamage?: (damage: Damage) => void;
}

export class ExecutionStore {
  /** Appends to one file run one after another, so its lines keep the order they were made in. */
  private readonly tails = new Map<string, Promise<void>>();
  /** Files this store has appended to: each is checked for a torn last line once, before its first append. */
  private readonly started = new Set<string>();
  private readonly damaged = new Map<string, Damage>();

  constructor(
    readonly dir: string,
    private readonly options: StoreOptions = {},
  ) {}

  /** Every damaged record skipped so far, each naming its file (and line). */
  get damage(): Damage[] {
    return [...this.damaged.values()];
  }

  private report(damage: readonly Damage[]): void {
    for (const d of damage) {
      const key = `${d.path}\u0000${d.line ?? ''}`;
      if (this.damaged.has(key)) continue;
      this.damaged.set(key, d);
      if (this.options.onDamage) this.options.onDamage(d);
      else process.stderr.write(`lakestep: damaged record skipped: ${describeDamage(d)}\n`);
    }
  }

  /**
   * Appends one line. Lines asked for while the file's previous write runs are written together by the
   * next one (one open/write/close for many lines: an execution makes ~50 lines, most while another is
   * being written); each caller's promise settles once its own line is on disk, in the order asked.
   */
  private append(name: string, file: string, line: unknown): Promise<void> {
    const path = this.path(name, file);
    const text = `${JSON.stringify(line)}\n`;
    const waiting = this.waiting.get(path);
    if (waiting) {
      waiting.lines.push(text);
      return waiting.written;
    }
    const group: { lines: string[]; written: Promise<void> } = { lines: [text], written: Promise.resolve() };
    this.waiting.set(path, group);
    const next = (this.tails.get(path) ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        // From here on, new lines wait for the next write.
        if (this.waiting.get(path) === group) this.waiting.delete(path);
        // A torn last line (a full disk, a kill) is closed first, so this record starts on its own line.
        const fresh = !this.started.has(path) && (await endsMidLine(path));
        this.started.add(path);
        try {
          await appendFile(path, `${fresh ? '\n' : ''}${group.lines.join('')}`);
        } catch (e) {
          this.started.delete(path); // a failed append (a full disk) may have left part of its line
          throw e;
        }
      });
    group.written = next;
    this.tails.set(path, next);
    void next
      .finally(() => {
        if (this.tails.get(path) === next) this.tails.delete(path);
      })
      .catch(() => undefined);
    return next;
  }

  /** Per file, the lines waiting for the write after the running one. */
  private readonly waiting = new Map<string, { lines: string[]; written: Promise<void> }>();

  private path(name: string, file: string): string {
    return join(this.dir, name, file);
  }

  async create(record: ExecutionRecord): Promise<void> {
    await mkdir(join(this.dir, record.name), { recursive: true });
    await this.save(record);
  }

  /** Writes the record whole (a temporary file renamed over it): a reader never sees half a record. */
  async save(record: ExecutionRecord): Promise<void> {
    if (this.options.readOnly)
      throw new Error(`The execution store ${this.dir} was opened read-only: ${record.name} is not saved`);
    const file = this.path(record.name, 'execution.json');
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
    await rename(tmp, file);
  }

  /** Whether the name is taken: a damaged record still holds its name. */
  async exists(name: string): Promise<boolean> {
    return stat(this.path(name, 'execution.json')).then(
      () => true,
      () => false,
    );
  }

  /**
   * The record of an execution, or null. A RUNNING record whose process on this host is gone (killed,
   * or interrupted past its Ctrl-C handling) is recorded as ABORTED here, so every reader sees it the
   * same way and `lakestep replay` can redrive it.
   */
  async get(name: string): Promise<ExecutionRecord | null> {
    const record = await this.read(name);
    if (!record || !isOrphaned(record)) return record;
    const owner = record.owner as { pid: number; host: string };
    const aborted = abortedRecord(
      record,
      `The process running it (pid ${owner.pid} on ${owner.host}) ended before the execution finished`,
    );
    if (!this.options.readOnly) await this.save(aborted);
    return aborted;
  }

  private async read(name: string): Promise<ExecutionRecord | null> {
    try {
      const record = JSON.parse(await readFile(this.path(name, 'execution.json'), 'utf8')) as unknown;
      const problem = recordShapeProblem(record);
      if (problem) throw new Error(problem);
      return record as ExecutionRecord;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(
        `Execution ${name}: its record ${this.path(name, 'execution.json')} is unreadable (${(e as Error).message})`,
      );
    }
  }

  async list(): Promise<ExecutionRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    // One unreadable record is reported and skipped: it must not hide the rest of the lake.
    const records = await Promise.all(
      names.map((n) =>
        this.get(n).catch((e: Error) => {
          this.report([{ path: this.path(n, 'execution.json'), line: null, problem: recordProblem(e) }]);
          return null;
        }),
      ),
    );
    return records
      .filter((r): r is ExecutionRecord => r !== null)
      .sort((a, b) => a.startDate.localeCompare(b.startDate));
  }

  appendEvent(name: string, event: StoredEvent): Promise<void> {
    return this.append(name, 'events.jsonl', event);
  }

  appendTask(name: string, task: TaskRecord): Promise<void> {
    return this.append(name, 'tasks.jsonl', task);
  }

  appendLine(name: string, file: 'logs.jsonl' | 'metrics.jsonl', line: unknown): Promise<void> {
    return this.append(name, file, line);
  }

  events(name: string): Promise<StoredEvent[]> {
    return this.readLines<StoredEvent>(name, 'events.jsonl');
  }

  tasks(name: string): Promise<TaskRecord[]> {
    return this.readLines<TaskRecord>(name, 'tasks.jsonl');
  }

  metrics(name: string): Promise<Record<string, unknown>[]> {
    return this.readLines(name, 'metrics.jsonl');
  }

  /** The good lines of one file; the damaged ones are reported and skipped. */
  private async readLines<T>(name: string, file: string): Promise<T[]> {
    const read = await readJsonlRecords<T>(this.path(name, file));
    this.report(read.damage);
    return read.items;
  }
}

/** What is wrong with an unreadable record, without repeating its path (the damage names it). */
function recordProblem(e: Error): string {
  const m = /is unreadable \((.*)\)$/s.exec(e.message);
  return `unreadable, execution skipped (${m ? m[1] : e.message})`;
}

/** What makes a parsed execution.json unusable, or null: every reader relies on these fields. */
function recordShapeProblem(v: unknown): string | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const r = v as Record<string, unknown>;
  const missing = ['name', 'status', 'objectKey', 'startDate'].filter((k) => typeof r[k] !== 'string');
  return missing.length ? `it has no ${missing.join(', ')}` : null;
}
