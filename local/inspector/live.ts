/**
 * Live updates for the inspector page over Server-Sent Events. The store is plain files appended by
 * another process, so the feed polls cheap signatures (mtime and size) of the executions directory and
 * of each watched execution's files, and pushes a fresh snapshot when one changes. Polling stops when the
 * last page disconnects.
 */
import type { ServerResponse } from 'node:http';
import { ExecutionNotFound, type LakeExecutions } from './executions';

export interface LiveOptions {
  /** How often a watched execution's files are checked, ms. */
  readonly executionPollMs?: number;
  /** How often the executions directory is checked, ms. */
  readonly listPollMs?: number;
}

interface Client {
  readonly res: ServerResponse;
  readonly execution: string | null;
  listSig: string | null;
  execSig: string | null;
  busy: boolean;
}

export class LiveFeed {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private ticks = 0;
  private readonly execMs: number;
  private readonly listEvery: number;

  constructor(
    private readonly executions: LakeExecutions,
    options: LiveOptions = {},
  ) {
    this.execMs = options.executionPollMs ?? 250;
    this.listEvery = Math.max(1, Math.round((options.listPollMs ?? 1000) / this.execMs));
  }

  /** Starts a stream for one page: the list, and the execution it shows (if any), now and on change. */
  subscribe(res: ServerResponse, execution: string | null): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
    });
    res.write('retry: 1500\n\n');
    const client: Client = { res, execution, listSig: null, execSig: null, busy: false };
    this.clients.add(client);
    res.on('close', () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stop();
    });
    void this.refresh(client, true);
    this.start();
  }

  close(): void {
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.stop();
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.ticks++;
      const withList = this.ticks % this.listEvery === 0;
      for (const c of this.clients) void this.refresh(c, withList);
    }, this.execMs);
    this.timer.unref();
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.res.write(': keep-alive\n\n');
    }, 15000);
    this.heartbeat.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = null;
    this.heartbeat = null;
  }

  private async refresh(c: Client, withList: boolean): Promise<void> {
    if (c.busy) return;
    c.busy = true;
    try {
      if (withList) {
        const sig = await this.executions.listSignature();
        if (sig !== c.listSig) {
          c.listSig = sig;
          send(c.res, 'executions', await this.executions.list());
        }
      }
      if (c.execution) {
        let sig: string;
        try {
          sig = await this.executions.signature(c.execution);
        } catch (e) {
          sig = `error:${(e as Error).message}`;
        }
        if (sig !== c.execSig) {
          c.execSig = sig;
          try {
            send(c.res, 'execution', await this.executions.detail(c.execution));
          } catch (e) {
            send(c.res, 'execution-error', {
              name: c.execution,
              notFound: e instanceof ExecutionNotFound,
              error: (e as Error).message,
            });
          }
        }
      }
    } catch (e) {
      send(c.res, 'feed-error', { error: (e as Error).message });
    } finally {
      c.busy = false;
    }
  }
}

function send(res: ServerResponse, event: string, data: unknown): void {
  if (res.writableEnded) return;
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
