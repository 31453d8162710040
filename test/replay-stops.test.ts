/**
 * Executions that stop without failing are replayable too: TIMED_OUT (the workflow's TimeoutSeconds),
 * ABORTED by Ctrl-C during `lakestep run` (or runtime.abort()), and a RUNNING record whose process was
 * killed, which every reader then sees as ABORTED. Each is redriven to the clean run's lake.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionStore } from '../local/execution-store';
import { LocalRuntime } from '../local/runtime';
import { writeSample } from '../local/sample-data';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { CATEGORY_DAILY_SQL, cli, query, ROOT, runFiles, tempDir } from './helpers/lake';

const FAST = { retryDelayMs: 1, waitMs: 1 } as const;

function eventsOf(lake: string, name: string): Record<string, unknown>[] {
  return readFileSync(join(lake, 'executions', name, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/** Starts `lakestep run` and resolves once its output contains the text (the process keeps running). */
function startRun(args: string[], until: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'cli', 'bin.js'), 'run', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  return new Promise((res, rej) => {
    const onData = (d: Buffer) => {
      text += d.toString();
      if (text.includes(until)) res({ child, output: () => text });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => rej(new Error(`lakestep run exited (${code}) before "${until}":\n${text}`)));
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null)
      res({ code: child.exitCode, signal: child.signalCode });
    else child.on('exit', (code, signal) => res({ code, signal }));
  });
}

describe('replaying timed-out and aborted executions', () => {
  const { dir, cleanup } = tempDir('replay-stops');
  afterAll(cleanup);
  let statistics: string;
  let clean: Record<string, unknown>[];

  beforeAll(async () => {
    const files = await writeSample(join(dir, 'data'), {
      regions: ['GB'],
      rowsPerRegion: 40,
      includeBadObjects: false,
    });
    statistics = files.find((f) => f.endsWith('.csv')) as string;
    const lake = join(dir, 'clean');
    await runFiles(lake, [statistics]);
    clean = await query(lake, CATEGORY_DAILY_SQL);
    expect(clean.length).toBeGreaterThan(0);
  });

  it("TIMED_OUT: the workflow's TimeoutSeconds ends a hung execution; the redrive resumes where it stood", async () => {
    // The committed ASL with a 2-second workflow timeout, and a task that never answers.
    const asl = JSON.parse(readFileSync(join(ROOT, 'asl', 'youtube-trending.asl.json'), 'utf8'));
    asl.TimeoutSeconds = 2;
    const definitionFile = join(dir, 'short-timeout.asl.json');
    writeFileSync(definitionFile, JSON.stringify(asl));
    const lake = join(dir, 'timed-out');
    const rt = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake,
      definitionFile,
      faults: [{ state: 'Promote batch', mode: 'hang' }],
      ...FAST,
    });
    let name: string;
    try {
      const run = await rt.execute(await rt.land(statistics));
      name = run.name;
      expect(run).toMatchObject({ status: 'TIMED_OUT', outcome: 'failed', error: 'States.Timeout' });
      expect(run.cause).toContain('TimeoutSeconds (2 s)');
    } finally {
      rt.close();
    }
    const events = eventsOf(lake, name);
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionTimedOut' });
    expect(events.filter((e) => e.type === 'ExecutionTimedOut')).toHaveLength(1);

    const again = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, definitionFile, ...FAST });
    try {
      const plan = await again.redrivePlan(name);
      // Normally "Promote batch" (hung); on a very slow machine the 2 s may end an earlier state.
      expect(again.stateNames()).toContain(plan.resume.state);
      const replayed = await again.redrive(name);
      expect(replayed).toMatchObject({ status: 'SUCCEEDED', error: null, cause: null });
      expect(replayed.states.find((s) => s.redrive === 1)?.name).toBe(plan.resume.state);
    } finally {
      again.close();
    }
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(clean);
  });

  it('ABORTED by runtime.abort(): the running task returns first, then the execution is recorded and replayable', async () => {
    const lake = join(dir, 'aborted');
    let rt: LocalRuntime | null = null;
    rt = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake,
      faults: [{ state: 'Promote batch', mode: 'hang' }],
      ...FAST,
      onEvent: (_n, e) => {
        if (e.type === 'StateEntered' && e.stateName === 'Promote batch') rt?.abort('Stopped by the test');
      },
    });
    let name: string;
    try {
      const run = await rt.execute(await rt.land(statistics));
      name = run.name;
      expect(run).toMatchObject({ status: 'ABORTED', error: null, cause: 'Stopped by the test' });
    } finally {
      rt.close();
    }
    const store = new ExecutionStore(join(lake, 'executions'));
    expect(await store.get(name)).toMatchObject({ status: 'ABORTED', stopDate: expect.any(String) });
    expect(eventsOf(lake, name).at(-1)).toMatchObject({ type: 'ExecutionAborted' });
    // The hung call ended with the execution, and was recorded before the record was.
    expect((await store.tasks(name)).at(-1)).toMatchObject({
      statePath: 'Promote batch',
      error: { name: 'States.Aborted' },
    });

    const out = await cli(['replay', name, '--lake', lake]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('from "Promote batch"');
    expect(out.stdout).toContain('succeeded');
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(clean);
  });

  it('Ctrl-C during `lakestep run`: exit 130, the execution ABORTED; `replay --failed` finishes it', async () => {
    const lake = join(dir, 'ctrl-c');
    const { child, output } = await startRun(
      ['--lake', lake, '--data', statistics, '--inject-fault', 'Promote batch:hang'],
      'Check data quality',
    );
    child.kill('SIGINT');
    const { code } = await exited(child);
    expect(code).toBe(130);
    expect(output()).toContain('SIGINT: stopping');
    const [record] = await new ExecutionStore(join(lake, 'executions')).list();
    expect(record).toMatchObject({ status: 'ABORTED', cause: expect.stringContaining('Ctrl-C') });
    expect(record?.owner).toBeUndefined();

    const out = await cli(['replay', '--failed', '--lake', lake]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(record?.name);
    expect(out.stdout).toContain('succeeded 1, failed again 0; skipped 0');
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(clean);
  });

  it('a killed `lakestep run` leaves a RUNNING record that readers see as ABORTED; it is replayable', async () => {
    const lake = join(dir, 'killed');
    const { child } = await startRun(
      ['--lake', lake, '--data', statistics, '--inject-fault', 'Promote batch:hang'],
      'Check data quality',
    );
    child.kill('SIGKILL');
    await exited(child);
    const [name] = readdirSync(join(lake, 'executions'));
    const raw = JSON.parse(readFileSync(join(lake, 'executions', name as string, 'execution.json'), 'utf8'));
    expect(raw).toMatchObject({ status: 'RUNNING', owner: { pid: child.pid } });

    const record = await new ExecutionStore(join(lake, 'executions')).get(name as string);
    expect(record).toMatchObject({ status: 'ABORTED', cause: expect.stringContaining(`pid ${child.pid}`) });
    const persisted = JSON.parse(
      readFileSync(join(lake, 'executions', name as string, 'execution.json'), 'utf8'),
    );
    expect(persisted.status).toBe('ABORTED');

    const out = await cli(['replay', '--failed', '--json', '--lake', lake]);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(doc.executions).toEqual([
      expect.objectContaining({
        name,
        status: 'ABORTED',
        action: 'redrive',
        result: expect.objectContaining({ status: 'SUCCEEDED', redriveCount: 1 }),
      }),
    ]);
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(clean);
  });
});
