/**
 * The execution store: every local execution's input, output, status, full event history, each task's
 * input and result (keyed by state path and Map index), and its captured logs and EMF metrics, under
 * <lake>/executions/<name>/. Status, replay and the inspector read it; appends make live updates visible.
 */
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
  redriveCount: number;
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
}

export class ExecutionStore {
  constructor(readonly dir: string) {}

  private path(name: string, file: string): string {
    return join(this.dir, name, file);
  }

  async create(record: ExecutionRecord): Promise<void> {
    await mkdir(join(this.dir, record.name), { recursive: true });
    await this.save(record);
  }

  async save(record: ExecutionRecord): Promise<void> {
    await writeFile(this.path(record.name, 'execution.json'), `${JSON.stringify(record, null, 2)}\n`);
  }

  async exists(name: string): Promise<boolean> {
    return (await this.get(name)) !== null;
  }

  async get(name: string): Promise<ExecutionRecord | null> {
    try {
      return JSON.parse(await readFile(this.path(name, 'execution.json'), 'utf8')) as ExecutionRecord;
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
    const records = await Promise.all(names.map((n) => this.get(n)));
    return records
      .filter((r): r is ExecutionRecord => r !== null)
      .sort((a, b) => a.startDate.localeCompare(b.startDate));
  }

  appendEvent(name: string, event: StoredEvent): Promise<void> {
    return appendFile(this.path(name, 'events.jsonl'), `${JSON.stringify(event)}\n`);
  }

  appendTask(name: string, task: TaskRecord): Promise<void> {
    return appendFile(this.path(name, 'tasks.jsonl'), `${JSON.stringify(task)}\n`);
  }

  appendLine(name: string, file: 'logs.jsonl' | 'metrics.jsonl', line: unknown): Promise<void> {
    return appendFile(this.path(name, file), `${JSON.stringify(line)}\n`);
  }

  async events(name: string): Promise<StoredEvent[]> {
    return readJsonl<StoredEvent>(this.path(name, 'events.jsonl'));
  }

  async tasks(name: string): Promise<TaskRecord[]> {
    return readJsonl<TaskRecord>(this.path(name, 'tasks.jsonl'));
  }

  async metrics(name: string): Promise<Record<string, unknown>[]> {
    return readJsonl(this.path(name, 'metrics.jsonl'));
  }
}

async function readJsonl<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}
