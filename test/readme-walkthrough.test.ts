/**
 * The README's quick start and game-day walkthrough, and docs/monitoring.md's rehearsal, run verbatim
 * in a temporary clone beside ../shared (issue 14 item 4): the commands are parsed from the docs' code
 * blocks, so the test fails when the docs drift from what works.
 *
 * Two deviations, both forced: `npm install` is answered by the clone's node_modules (a link to this
 * one's: the install itself is what CI's fresh clone runs, and the network is not the test's), and the
 * quick start's `npm test` is not run (it is what runs this test). `inspect` gets `--port 0`: tests bind
 * a free port, never the default 4321 that another process may hold.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { commandsOf } from './helpers/docs-blocks';
import { ROOT, tempDir } from './helpers/lake';

jest.setTimeout(600_000);

const SHARED = resolve(process.env.LAKESTEP_SHARED ?? join(ROOT, '..', 'shared'));

interface Result {
  code: number | null;
  output: string;
}

describe('the documented walkthroughs, verbatim in a fresh clone', () => {
  const { dir, cleanup } = tempDir('walkthrough');
  /** Servers still running when a test fails: stopped, so that nothing outlives the test. */
  const servers = new Set<number>();
  afterAll(() => {
    for (const pid of servers)
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    cleanup();
  });
  const clone = join(dir, 'lakestep');
  const bin = join(dir, 'bin');
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    // The working tree as a clone would have it (tracked and new files, nothing ignored).
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT })
      .toString()
      .split('\0')
      .filter((f) => f && existsSync(join(ROOT, f)));
    for (const f of files) {
      mkdirSync(dirname(join(clone, f)), { recursive: true });
      copyFileSync(join(ROOT, f), join(clone, f));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    symlinkSync(SHARED, join(dir, 'shared'));
    // `npm install` is satisfied by the linked node_modules; every other npm command is npm's own.
    mkdirSync(bin);
    const npm = execFileSync('sh', ['-c', 'command -v npm']).toString().trim();
    writeFileSync(
      join(bin, 'npm'),
      `#!/bin/sh\nif [ "$1" = install ] && [ -d node_modules ]; then echo "npm install: node_modules present"; exit 0; fi\nexec ${npm} "$@"\n`,
    );
    chmodSync(join(bin, 'npm'), 0o755);
    env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', LAKESTEP_SHARED: SHARED };
    delete env.LAKESTEP_LAKE;
  });

  function sh(command: string): Promise<Result> {
    return new Promise((res) => {
      const child = spawn('bash', ['-c', command], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('exit', (code) => res({ code, output }));
    });
  }

  /** A server command: started, checked once it serves, then stopped with Ctrl-C. */
  async function serve(command: string): Promise<Result> {
    // Its own process group, so that Ctrl-C reaches every process of it as a terminal's would (npx
    // runs the command in a child and does not forward a signal sent to itself alone).
    const child: ChildProcess = spawn('bash', ['-c', `exec ${command} --port 0`], {
      cwd: clone,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    servers.add(child.pid as number);
    let output = '';
    const url = await new Promise<string>((res, rej) => {
      const onData = (d: Buffer) => {
        output += d;
        const m = /lakestep inspector: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
        if (m?.[1] && output.includes('Ctrl-C stops it')) res(m[1]);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) => rej(new Error(`${command} exited (${code}) before serving:\n${output}`)));
    });
    const list = (await (await fetch(`${url}api/executions`)).json()) as { total: number };
    output += `\nserved ${list.total} executions`;
    // npx dies of the Ctrl-C itself (no exit code); the inspector under it exits 0.
    const code = await new Promise<number | null>((res) => {
      child.removeAllListeners('exit');
      child.on('exit', (c, signal) => res(signal === 'SIGINT' ? 0 : c));
      process.kill(-(child.pid as number), 'SIGINT');
    });
    servers.delete(child.pid as number);
    return { code, output };
  }

  const run = (command: string) => (/^npx lakestep inspect\b/.test(command) ? serve(command) : sh(command));

  it("README's quick start: npm install && npm start", async () => {
    const [install] = commandsOf('README.md', 'quick-start');
    expect(install).toMatch(/^npm install && npm start\b/);
    const out = await run(install as string);
    expect([out.code, out.output]).toEqual([0, expect.stringContaining('Ran 14 executions')]);
    expect(out.output).toContain(`Lake: ${join(clone, '.lakestep-sample')}`);
    expect(out.output).toMatch(/succeeded 11 {3}rejected 2 {3}dq_failed 1 {3}failed 0/);
  });

  it("README's game-day walkthrough: the fault happens, status names it, replay --failed fixes it", async () => {
    const commands = commandsOf('README.md', 'game-day');
    expect(commands).toHaveLength(7);
    const outputs: Result[] = [];
    for (const command of commands) outputs.push(await run(command));
    const [land, query, transient, promote, status, replay, inspect] = outputs as Result[];
    expect([land?.code, land?.output]).toEqual([0, expect.stringContaining('failed 0')]);
    expect(query?.code).toBe(0);
    expect(query?.output).toMatch(/\(5 rows\)/);
    // The transient fault is retried and the fresh execution succeeds.
    expect(transient?.output).toContain('runs again as a fresh execution');
    expect(transient?.output).toMatch(/↻ Transform small batch: .*retrying/);
    expect(transient?.code).toBe(0);
    // The permanent one fails at "Promote batch" — not "already processed … succeeded".
    expect(promote?.code).toBe(1);
    expect(promote?.output).toMatch(/FAILED at "Promote batch"/);
    expect(promote?.output).not.toContain('→ succeeded');
    expect(status?.code).toBe(1);
    expect(status?.output).toMatch(/"Promote batch"/);
    expect(status?.output).toMatch(/npx lakestep replay raw_statistics-region-gb-GBvideos-csv-/);
    expect(replay?.code).toBe(0);
    expect(replay?.output).toMatch(/resume at "Promote batch"/);
    expect(replay?.output).toMatch(/succeeded 1, failed again 0/);
    expect(inspect?.code).toBe(0);
    expect(inspect?.output).toMatch(/served \d+ executions/);
  });

  it("docs/monitoring.md's rehearsal", async () => {
    const commands = commandsOf('docs/monitoring.md', 'rehearsal');
    expect(commands).toHaveLength(3);
    const results: Result[] = [];
    for (const command of commands) results.push(await run(command));
    const [fault, status, replay] = results;
    expect(fault?.code).toBe(1);
    expect(fault?.output).toMatch(/FAILED at "Promote batch"/);
    expect(status?.output).toMatch(/ALARM page\s+executions-failed-system/);
    expect(replay?.code).toBe(0);
  });
});
