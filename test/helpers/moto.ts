/**
 * A moto server (python3 -m moto.server) on loopback for one test file: a free port chosen at run time,
 * started in its own process group, ready once it answers, and stopped (the whole group) after the
 * file's tests, failed or not. No moto, no tests: the suite fails saying how to install it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

const HOST = '127.0.0.1';
const READY_WITHIN_MS = 30_000;
const STOP_WITHIN_MS = 5_000;

/** Credentials moto accepts (it checks none unless auth is switched on, see Moto.enforceAuth). */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
export const MOTO_REGION = 'eu-west-1';
/** moto's default account. */
export const MOTO_ACCOUNT = '123456789012';

export interface Moto {
  readonly endpoint: string;
  /** The server's process id, also its process group's. */
  readonly pid: number;
  /** SDK v3 client config for this server (path-style S3: no bucket subdomains on 127.0.0.1). */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: true;
    maxAttempts: 1;
  };
  /** moto's own settings (POST /moto-api/config), e.g. { stepfunctions: { execute_state_machine: true } }. */
  configure(config: Record<string, unknown>): Promise<void>;
  /** From the next request on, every call is authenticated and authorized against moto's IAM (or not). */
  enforceAuth(on: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** A port nobody listens on right now; moto binds it a moment later (a clash is retried in startMoto). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

/**
 * Every server still running when this process ends without stopping it (process.exit, a crash, a
 * signal): killed synchronously. A signal is raised again once the servers are gone, so the process
 * still ends as that signal would end it.
 */
const running = new Set<ChildProcess>();
const killAll = () => {
  for (const child of running) killGroup(child, 'SIGKILL');
  running.clear();
};
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });

async function post(endpoint: string, path: string, body: string): Promise<void> {
  const res = await fetch(`${endpoint}${path}`, { method: 'POST', body });
  if (!res.ok) throw new Error(`moto ${path} answered ${res.status}: ${await res.text()}`);
}

export interface MotoOptions {
  /** The server's environment on top of this process's (e.g. SF_EXECUTION_HISTORY_TYPE). */
  readonly env?: Readonly<Record<string, string>>;
  /** The Python module to run; only the helper's own tests change it (to one that is not installed). */
  readonly module?: string;
}

async function startOnce(options: MotoOptions): Promise<Moto | 'port-taken'> {
  const port = await freePort();
  const endpoint = `http://${HOST}:${port}`;
  const module = options.module ?? 'moto.server';
  const child = spawn('python3', ['-m', module, '-H', HOST, '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  running.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    // Keep only the start of stderr: moto logs every request there.
    if (stderr.length < 20_000) stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (e) => {
    spawnError = e;
  });

  const stop = async () => {
    killGroup(child, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      exited.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), STOP_WITHIN_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!done) {
      killGroup(child, 'SIGKILL');
      await exited;
    }
    running.delete(child);
  };

  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      running.delete(child);
      if (/address already in use/i.test(stderr)) return 'port-taken';
      const why = spawnError ? `${spawnError.message}` : `exit ${child.exitCode ?? child.signalCode}`;
      throw new Error(
        `moto did not start: python3 -m ${module} (${why}).\n${stderr.trim().slice(-2000)}\n` +
          "The AWS adapter tests need moto for python3, with its server extras: pip install 'moto[server]'.",
      );
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `moto did not answer on ${endpoint} within ${READY_WITHIN_MS / 1000} s.\n${stderr.trim().slice(-2000)}`,
      );
    }
    await sleep(100);
  }

  return {
    endpoint,
    pid: child.pid ?? 0,
    clientConfig: {
      endpoint,
      region: MOTO_REGION,
      credentials: { ...MOTO_CREDENTIALS },
      forcePathStyle: true,
      // Our adapters decide what is retried; the SDK's own retries would hide moto's answers.
      maxAttempts: 1,
    },
    configure: (config) => post(endpoint, '/moto-api/config', JSON.stringify(config)),
    enforceAuth: (on) => post(endpoint, '/moto-api/reset-auth', on ? '0' : 'inf'),
    stop,
  };
}

/** Starts a moto server on a free loopback port and waits until it answers. */
export async function startMoto(options: MotoOptions = {}): Promise<Moto> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const moto = await startOnce(options);
    if (moto !== 'port-taken') return moto;
  }
  throw new Error('moto could not bind a free port on 127.0.0.1 in 5 attempts');
}

/**
 * One moto server for the calling test file: started in beforeAll, stopped in afterAll. Returns a getter
 * (the server exists only once beforeAll ran).
 */
export function useMoto(options: MotoOptions = {}): () => Moto {
  let moto: Moto | undefined;
  beforeAll(async () => {
    moto = await startMoto(options);
  }, READY_WITHIN_MS + 10_000);
  afterAll(async () => {
    await moto?.stop();
  });
  return () => {
    if (!moto) throw new Error('moto is not running (its beforeAll failed; see the first error)');
    return moto;
  };
}

/**
 * Points the SDK's default client resolution at `moto` through the environment, as a command's own client
 * (sdkClientFor) finds AWS; answers a function that puts the environment back as it was.
 */
export function pointSdkAtMoto(moto: Moto): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
  });
  return () => {
    process.env = saved;
  };
}
