/**
 * `lakestep serve`'s HTTP server (node:http on 127.0.0.1): the analytics API (the shared handler core
 * over the lake's snapshot) and the dashboard page with its chart library from node_modules. Hardened
 * like the inspector: one Host header naming this server, a CSP allowing only this origin.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { handleApiRequest } from '../../handlers/core/api';
import { keyMatches } from '../../handlers/core/api-auth';
import { OPENAPI_PATH } from '../../handlers/core/api-contract';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';
import { Warehouse } from '../catalog';
import { type LakePaths, lakePaths } from '../lake';
import { type ApiKey, cursorSecretFor, resolveApiKey } from './key';
import { LakeRunRecords } from './run-records';
import { exportAnalyticsSnapshot, snapshotFile } from './snapshot';
import { SnapshotAnalytics } from './snapshot-analytics';

export const DEFAULT_PORT = 4322;
const HOST = '127.0.0.1';
export const DASHBOARD_DIR = resolve(__dirname, '..', 'dashboard', 'public');
/** chart.js's self-contained UMD build, served from node_modules (nothing from a CDN). */
export const CHART_JS = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// chart.js sets inline styles on its canvases, hence style-src 'unsafe-inline'; no script from elsewhere.
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export interface ServeOptions {
  readonly lake: string;
  /** 0 picks any free port. */
  readonly port?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Serve {
  readonly url: string;
  readonly port: number;
  readonly apiKey: ApiKey;
  readonly analytics: SnapshotAnalytics;
  /** Whether a snapshot was written at start (a lake made before serve existed). */
  readonly snapshotAtStart: 'present' | 'written' | 'none';
  close(): Promise<void>;
}

export class PortInUse extends Error {}

export async function startServe(options: ServeOptions): Promise<Serve> {
  const paths = lakePaths(options.lake);
  const apiKey = await resolveApiKey(paths, options.env);
  const snapshotAtStart = await ensureSnapshot(paths);
  const analytics = await SnapshotAnalytics.open(paths, YOUTUBE_TRENDING.materializations);
  const ports = { analytics, runs: new LakeRunRecords(paths) };
  const cursorSecret = cursorSecretFor(apiKey.key);
  let port = options.port ?? DEFAULT_PORT;

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      console.error(`lakestep serve: ${req.method} ${req.url}: ${(e as Error).stack ?? e}`);
      send(res, 500, {
        error: { code: 'internal', message: 'The server could not answer; its log has the cause' },
      });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only this machine's browser, by the names we print: a page elsewhere cannot rebind a name to us.
    const hosts = req.headersDistinct.host ?? [];
    const host = hosts[0] ?? '';
    if (hosts.length !== 1 || (host !== `${HOST}:${port}` && host !== `localhost:${port}`))
      return send(res, 421, {
        error: {
          code: 'misdirected',
          message: `lakestep serve answers only to http://${HOST}:${port} (asked for host ${JSON.stringify(hosts.join(', '))})`,
        },
      });
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    const path = url.pathname;
    if (path.startsWith('/v1/') || path === OPENAPI_PATH) {
      const query: Record<string, string[]> = {};
      for (const k of new Set(url.searchParams.keys())) query[k] = url.searchParams.getAll(k);
      const key = req.headersDistinct['x-api-key'];
      const response = await handleApiRequest(
        { method: req.method ?? 'GET', path, query, apiKey: key && key.length === 1 ? key[0] : undefined },
        ports,
        { authorize: (k) => keyMatches(k, apiKey.key), cursorSecret, serverUrl: `http://${HOST}:${port}` },
      );
      if (response.cause) console.error(`lakestep serve: ${req.method} ${req.url}:`, response.cause);
      res.writeHead(response.status, { ...response.headers, ...SECURITY_HEADERS });
      res.end(JSON.stringify(response.body));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, {
        error: {
          code: 'method_not_allowed',
          message: `${req.method} is not allowed: the dashboard only reads`,
        },
      });
    if (path === '/' || path === '/index.html') return file(res, join(DASHBOARD_DIR, 'index.html'));
    if (path === '/vendor/chart.umd.min.js') return file(res, CHART_JS);
    if (path.startsWith('/assets/')) {
      const asset = resolve(DASHBOARD_DIR, path.slice('/assets/'.length));
      if (asset.startsWith(DASHBOARD_DIR + sep) && TYPES[extname(asset)]) return file(res, asset);
    }
    send(res, 404, {
      error: { code: 'not_found', message: `Nothing at ${path}: the dashboard is at /, the API under /v1/` },
    });
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
  }).catch((e) => {
    analytics.close();
    throw e;
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}/`,
    port,
    apiKey,
    analytics,
    snapshotAtStart,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => {
          analytics.close();
          ok();
        });
        server.closeAllConnections();
      }),
  };
}

/**
 * A lake made before snapshots existed has a warehouse and no snapshot: write one now, when no run
 * holds the warehouse. If one does, its materialization will write the snapshot.
 */
async function ensureSnapshot(paths: LakePaths): Promise<'present' | 'written' | 'none'> {
  const missing = YOUTUBE_TRENDING.materializations.some((m) => !existsSync(snapshotFile(paths, m.table)));
  if (!missing) return 'present';
  if (!existsSync(paths.warehouse)) return 'none';
  let warehouse: Warehouse;
  try {
    warehouse = await Warehouse.open(paths, { readOnly: true });
  } catch {
    return 'none'; // a run holds it: its materialization writes the snapshot
  }
  try {
    await exportAnalyticsSnapshot(warehouse);
    return 'written';
  } finally {
    warehouse.close();
  }
}

async function file(res: ServerResponse, path: string): Promise<void> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    return send(res, 404, { error: { code: 'not_found', message: `No file at ${path}` } });
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
    'Cache-Control': 'no-cache',
    ...SECURITY_HEADERS,
  });
  res.end(body);
}

function send(res: ServerResponse, status: number, body: unknown): void {
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
