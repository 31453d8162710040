/**
 * The moto helper itself (tests of the tests): a free loopback port, stopped with its whole process
 * group, no server left behind when the process that started it dies, and a clear failure (not a skip)
 * when moto is not installed.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startMoto } from './helpers/moto';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether any process of the group is still alive (zombies aside, a dead group answers ESRCH). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pgid: number, withinMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return true;
    await sleep(100);
  }
  return false;
}

it('serves on 127.0.0.1 at a port chosen at run time, and stop() ends its whole process group', async () => {
  const [a, b] = await Promise.all([startMoto(), startMoto()]);
  try {
    expect(a?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a?.endpoint).not.toBe(b?.endpoint);
    for (const m of [a, b]) {
      const res = await fetch(`${m?.endpoint}/moto-api/data.json`);
      expect(res.ok).toBe(true);
      expect(groupAlive(m?.pid ?? 0)).toBe(true);
    }
  } finally {
    await a?.stop();
    await b?.stop();
  }
  expect(groupAlive(a?.pid ?? 0)).toBe(false);
  expect(groupAlive(b?.pid ?? 0)).toBe(false);
});

/** Starts moto in a separate node process that then ends as `ending` says; answers the server's pid. */
async function startThenEnd(
  ending: string,
): Promise<{ pid: number; code: number | null; signal: string | null }> {
  const script = `
    const { startMoto } = require(${JSON.stringify(resolve(__dirname, 'helpers', 'moto.ts'))});
    startMoto().then((m) => { process.stdout.write(String(m.pid) + '\\n'); setTimeout(() => { ${ending}; }, 50); });
  `;
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const exit = await new Promise<{ code: number | null; signal: string | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return { pid: Number(out.trim()), ...exit };
}

it('leaves no server behind when the process that started it exits, or is killed, without stopping it', async () => {
  const [exited, killed] = await Promise.all([
    startThenEnd('process.exit(3)'),
    startThenEnd("process.kill(process.pid, 'SIGTERM')"),
  ]);
  expect(exited).toMatchObject({ code: 3 });
  expect(killed).toMatchObject({ signal: 'SIGTERM' });
  for (const { pid } of [exited, killed]) {
    expect(pid).toBeGreaterThan(0);
    expect(await gone(pid)).toBe(true);
  }
});

it('fails with a message saying how to install moto when python3 cannot run it (it does not skip)', async () => {
  await expect(startMoto({ module: 'moto_is_not_installed_here' })).rejects.toThrow(
    /moto did not start: python3 -m moto_is_not_installed_here \(exit 1\)[\s\S]*No module named moto_is_not_installed_here[\s\S]*pip install 'moto\[server\]'/,
  );
});
