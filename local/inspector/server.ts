/**
 * The inspector's HTTP server (node:http, bound to 127.0.0.1): the page and its assets from disk, a JSON
 * API over one lake's execution store, the state machine graph, and live updates. Every error answers
 * with a message naming what was wrong, never a stack trace.
 */

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import type { ExecutionStatus } from '../execution-store';
import { lakeWorkflow } from '../lake-workflow';
import { ExecutionNotFound, LakeExecutions, STATUSES } from './executions';
import { GraphNotFound, Graphs } from './graphs';
import { ReadStopped } from './jsonl';
import { LiveFeed, type LiveOptions } from './live';

export const PUBLIC_DIR = resolve(__dirname, 'public');
export const DEFAULT_PORT = 4321;
const HOST = '127.0.0.1';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

// The page loads nothing from another origin; the graph SVG carries its own <style>, hence inline styles.
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export interface InspectorOptions extends LiveOptions {
  readonly lake: string;
  /** 0 picks any free port. */
  readonly port?: number;
  readonly aslDir?: string;
  /** The workflow whose machine the page draws first when the lake records none (a lake not made yet). */
  readonly workflow?: string;
}

export interface Inspector {
  readonly url: string;
  readonly port: number;
  readonly executions: LakeExecutions;
  close(): Promise<void>;
}

export class PortInUse extends Error {}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startInspector(options: InspectorOptions): Promise<Inspector> {
  const graphs = new Graphs(options.aslDir);
  const executions = new LakeExecutions(options.lake, graphs);
  const live = new LiveFeed(executions, options);
  let port = options.port ?? DEFAULT_PORT;
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      const status =
        e instanceof HttpError
          ? e.status
          : e instanceof ExecutionNotFound
            ? 404
            : e instanceof ReadStopped
              ? 503
              : 500;
      json(res, status, { error: (e as Error).message });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only this machine's browser, by the names we print: a page elsewhere cannot rebind a name to us.
    // Node keeps the first of two Host headers: a request with two is ambiguous, so it is refused.
    const hosts = req.headersDistinct.host ?? [];
    if (hosts.length > 1)
      throw new HttpError(400, `A request must have one Host header, this one has ${hosts.length}`);
    const host = req.headers.host ?? '';
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`)
      throw new HttpError(
        421,
        `The inspector answers only to http://${HOST}:${port} (asked for host "${host}")`,
      );
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError(405, `${req.method} is not supported: the inspector only reads the lake`);
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    const path = url.pathname;
    if (path === '/' || path === '/index.html') return file(res, resolve(PUBLIC_DIR, 'index.html'));
    if (path.startsWith('/assets/')) return asset(res, decoded(path.slice('/assets/'.length)));
    if (path === '/api/overview') return json(res, 200, await overview());
    if (path === '/api/executions')
      return json(res, 200, await executions.list(statusFilter(url.searchParams.get('status'))));
    if (path === '/api/live') {
      const name = url.searchParams.get('execution');
      return live.subscribe(res, name ? name : null);
    }
    const exec = /^\/api\/executions\/([^/]+)(\/events)?$/.exec(path);
    if (exec) {
      const name = decoded(exec[1] as string);
      if (exec[2]) {
        await executions.record(name); // a missing execution is a 404, not an empty history
        const page = {
          offset: count(url.searchParams, 'offset'),
          limit: count(url.searchParams, 'limit'),
        };
        return json(res, 200, await executions.events(name, page));
      }
      return json(res, 200, await executions.detail(name));
    }
    const graph = /^\/api\/graph\/([^/]+)$/.exec(path);
    if (graph) {
      try {
        return json(res, 200, await graphs.get(decoded(graph[1] as string)));
      } catch (e) {
        if (e instanceof GraphNotFound) throw new HttpError(404, e.message);
        throw e;
      }
    }
    throw new HttpError(404, `Nothing at ${path}`);
  }

  async function overview() {
    // The lake's own workflow first: the page draws the first machine.
    const own = lakeWorkflowOrNull(executions.paths.root) ?? options.workflow ?? null;
    const machines = (await graphs.machines()).sort((a, b) => Number(b === own) - Number(a === own));
    const list = await executions.list();
    return {
      lake: executions.paths.root,
      executionsDir: executions.paths.executionsDir,
      lakeExists: list.lakeExists,
      total: list.total,
      machines,
    };
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE')
        fail(
          new PortInUse(
            `port ${port} on ${HOST} is already in use; choose another with --port N, or --port 0 for any free port`,
          ),
        );
      else if (e.code === 'EACCES')
        fail(new PortInUse(`port ${port} on ${HOST} is not allowed for this user; choose one above 1023`));
      else fail(e);
    });
    server.listen(port, HOST, () => ok());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}/`,
    port,
    executions,
    close: () =>
      new Promise<void>((ok) => {
        live.close();
        executions.close();
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** A path segment decoded; a malformed %-escape is the request's fault (400), not a server error. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `"${segment}" is not a valid URL path segment (a malformed %-escape)`);
  }
}

/** A whole-number query parameter (absent: undefined); anything else is the request's fault. */
function count(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  if (v === null) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new HttpError(400, `${name} must be a whole number, got "${v}"`);
  return Number(v);
}

function statusFilter(param: string | null): ExecutionStatus[] | undefined {
  if (!param) return undefined;
  const wanted = param.split(',').map((s) => s.trim().toUpperCase());
  const bad = wanted.filter((s) => !STATUSES.includes(s as ExecutionStatus));
  if (bad.length > 0)
    throw new HttpError(400, `Unknown status ${bad.join(', ')}: use one or more of ${STATUSES.join(', ')}`);
  return wanted as ExecutionStatus[];
}

async function asset(res: ServerResponse, name: string): Promise<void> {
  const path = resolve(PUBLIC_DIR, name);
  if (!path.startsWith(PUBLIC_DIR + sep) || !TYPES[extname(path)])
    throw new HttpError(404, `No asset named ${name}`);
  return file(res, path);
}

async function file(res: ServerResponse, path: string): Promise<void> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    throw new HttpError(404, `No asset at ${path}`);
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
    'Cache-Control': 'no-cache',
    ...SECURITY_HEADERS,
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...SECURITY_HEADERS,
  });
  res.end(JSON.stringify(body));
}

/** The workflow the lake records, or null (none yet, or a damaged record: the page still draws). */
function lakeWorkflowOrNull(root: string): string | null {
  try {
    return lakeWorkflow(root);
  } catch {
    return null;
  }
}
