/**
 * The inspector without a browser: its JSON API over a lake with real executions (a success and a
 * system fault), the per-state view derived from histories (retries, redrives, Map iterations, events
 * appended out of order), errors as messages, the static page, live updates over SSE, and the command.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ExecutionRecord, StoredEvent } from '../local/execution-store';
import type { ExecutionSummary } from '../local/execution-summary';
import type { ExecutionDetail, ExecutionList } from '../local/inspector/executions';
import { parseJsonl } from '../local/inspector/jsonl';
import { type Inspector, startInspector } from '../local/inspector/server';
import { deriveStateViews, type StateNode } from '../local/inspector/state-view';
import { replayAdviceFor } from '../local/replay-advice';
import { LocalRuntime } from '../local/runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { aslStateNames, lakeWithRuns, sampleInputs } from './helpers/browser';
import { cli, ROOT, tempDir } from './helpers/lake';

async function getJson<T>(inspector: Inspector, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, inspector.url));
  return { status: res.status, body: (await res.json()) as T };
}

/** Reads Server-Sent Events from the inspector until `until` accepts one (or the test times out). */
function sse(url: string) {
  const events: { event: string; data: unknown }[] = [];
  const waiters: (() => void)[] = [];
  let buffer = '';
  const req = get(url, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let cut = buffer.indexOf('\n\n');
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
        for (const w of waiters.splice(0)) w();
        cut = buffer.indexOf('\n\n');
      }
    });
  });
  return {
    async next<T>(event: string, accept: (data: T) => boolean): Promise<T> {
      for (;;) {
        const i = events.findIndex((e) => e.event === event && accept(e.data as T));
        if (i >= 0) return events.splice(0, i + 1).at(-1)?.data as T;
        await new Promise<void>((ok) => waiters.push(ok));
      }
    },
    close: () => req.destroy(),
  };
}

describe('inspector API over a lake with a success and a system fault', () => {
  const { dir, cleanup } = tempDir('inspector');
  const lake = join(dir, 'lake');
  let runs: { succeeded: ExecutionSummary; failed: ExecutionSummary };
  let inspector: Inspector;

  beforeAll(async () => {
    runs = await lakeWithRuns(lake, await sampleInputs(join(dir, 'in')));
    inspector = await startInspector({ lake, port: 0, executionPollMs: 50, listPollMs: 100 });
  });
  afterAll(async () => {
    await inspector?.close();
    cleanup();
  });

  it('lists the executions with status, object, start, duration; filters by status', async () => {
    const { body } = await getJson<ExecutionList>(inspector, '/api/executions');
    expect(body.total).toBe(2);
    expect(body.counts).toMatchObject({ SUCCEEDED: 1, FAILED: 1, RUNNING: 0 });
    const failed = body.executions.find((e) => e.name === runs.failed.name);
    expect(failed).toMatchObject({
      status: 'FAILED',
      objectKey: runs.failed.objectKey,
      error: runs.failed.error,
      problem: null,
    });
    expect(failed?.durationMs).toBeGreaterThanOrEqual(0);
    expect(failed?.startDate).toMatch(/^\d{4}-\d\d-\d\dT/);

    const only = await getJson<ExecutionList>(inspector, '/api/executions?status=failed');
    expect(only.body.executions.map((e) => e.name)).toEqual([runs.failed.name]);
    const bad = await getJson<{ error: string }>(inspector, '/api/executions?status=DONE');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('Unknown status DONE');
  });

  it('serves the graph of the committed ASL: one state per ASL state, in the SVG too', async () => {
    const names = await aslStateNames();
    const { body } = await getJson<{ states: { id: string }[]; svg: string; definitions: object }>(
      inspector,
      '/api/graph/youtube-trending',
    );
    expect(body.states.map((s) => s.id).sort()).toEqual([...names].sort());
    expect(body.svg.match(/data-state="/g)).toHaveLength(names.length);
    expect(Object.keys(body.definitions).sort()).toEqual([...names].sort());
    const missing = await getJson<{ error: string }>(inspector, '/api/graph/no-such-machine');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('No committed ASL for state machine "no-such-machine"');
  });

  it('derives a failed run: the failing state, its attempts and errors, what was not reached, the replay command', async () => {
    const { status, body } = await getJson<ExecutionDetail>(
      inspector,
      `/api/executions/${encodeURIComponent(runs.failed.name)}`,
    );
    expect(status).toBe(200);
    const byId = new Map(body.view.states.map((s) => [s.id, s]));
    const failing = byId.get('Promote batch');
    expect(failing?.status).toBe('failed');
    const entry = failing?.entries.at(-1);
    expect(entry?.error).toBe(runs.failed.error);
    expect(entry?.cause).toContain('Promote batch');
    const attempts = entry?.attempts ?? [];
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.map((a) => a.number)).toEqual(attempts.map((_, i) => i + 1));
    expect(attempts.every((a) => a.status === 'failed' && a.error === runs.failed.error)).toBe(true);
    expect(attempts.every((a) => a.task?.error?.name === runs.failed.error)).toBe(true);
    expect(byId.get('Check data quality')?.status).toBe('succeeded');
    expect(byId.get('Start crawler')?.status).toBe('notreached');
    expect(byId.get('Done')?.status).toBe('notreached');
    expect(body.view.transitions).toContainEqual({ from: 'Quality passed?', to: 'Promote batch' });
    const record = JSON.parse(
      readFileSync(join(lake, 'executions', runs.failed.name, 'execution.json'), 'utf8'),
    ) as ExecutionRecord;
    expect(body.replay).toEqual(replayAdviceFor(record, lake));
    expect(body.replay?.command).toContain('lakestep replay');
    expect(body.problems).toEqual([]);
  });

  it('derives a succeeded run: every state it took, inputs and outputs, the loop, the data and DQ rules', async () => {
    const { body } = await getJson<ExecutionDetail>(
      inspector,
      `/api/executions/${encodeURIComponent(runs.succeeded.name)}`,
    );
    const byId = new Map(body.view.states.map((s) => [s.id, s]));
    for (const s of runs.succeeded.states) expect(byId.get(s.name)?.status).toBe('succeeded');
    expect(byId.get('Object rejected')?.status).toBe('notreached');
    expect(byId.get('Quarantine batch')?.status).toBe('notreached');
    const path = body.view.states
      .flatMap((s) => s.entries.map((e) => ({ name: s.name, seq: e.seq })))
      .sort((a, b) => a.seq - b.seq)
      .map((e) => e.name);
    expect(path).toEqual(runs.succeeded.states.map((s) => s.name)); // loops included, in order
    const waits = runs.succeeded.states.filter((s) => s.name === 'Wait for crawler').length;
    expect(byId.get('Wait for crawler')?.entries).toHaveLength(waits);
    const dq = byId.get('Check data quality')?.entries[0];
    expect(dq?.input).toMatchObject({ ingest: { objectKey: runs.succeeded.objectKey } });
    expect(dq?.output).toMatchObject({ quality: { passed: true, rows: runs.succeeded.rows } });
    expect(body.data.rows).toEqual(runs.succeeded.rows);
    expect(body.data.passed).toBe(true);
    expect(body.data.rules.map((r) => [r.rule, r.passed])).toEqual([
      ['zero_rows', true],
      ['quarantined_share', true],
    ]);
    expect(body.data.rules[1]?.detail).toContain('quarantined');
    expect(body.data.metrics.map((m) => m.name)).toEqual(
      expect.arrayContaining(['RowsRead', 'RowsCleansed', 'BatchesPassed']),
    );
    expect(body.replay).toBeNull();
  });

  it('answers a missing or malformed execution with a message, not a trace', async () => {
    const missing = await getJson<{ error: string }>(inspector, '/api/executions/no-such-run');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe(`No execution named "no-such-run" in ${join(lake, 'executions')}`);
    const traversal = await getJson<{ error: string }>(inspector, '/api/executions/..%2F..%2Fetc');
    expect(traversal.status).toBe(404);
    expect(traversal.body.error).toContain('is not an execution name');
    const events = await getJson<{ error: string }>(inspector, '/api/executions/no-such-run/events');
    expect(events.status).toBe(404);
    for (const path of ['/api/executions/bad%E0%A4%A', '/api/graph/%ZZ', '/assets/%'])
      expect(await getJson<{ error: string }>(inspector, path)).toMatchObject({
        status: 400,
        body: { error: expect.stringContaining('malformed %-escape') },
      });
  });

  it('serves the page and its assets with a no-network policy, nothing outside them, only to its own host', async () => {
    const page = await fetch(inspector.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('/assets/app.js');
    expect(html).not.toMatch(/https?:\/\//);
    const js = await fetch(new URL('/assets/app.js', inspector.url));
    expect(js.headers.get('content-type')).toContain('text/javascript');
    for (const path of ['/assets/..%2Fserver.ts', '/assets/%2E%2E/server.ts', '/nothing'])
      expect((await fetch(new URL(path, inspector.url))).status).toBe(404);
    const post = await fetch(new URL('/api/executions', inspector.url), { method: 'POST' });
    expect(post.status).toBe(405);
    const rebound = await new Promise<number>((ok) =>
      get(new URL('/api/executions', inspector.url), { headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        ok(res.statusCode ?? 0);
      }),
    );
    expect(rebound).toBe(421);
  });

  it('reports an unreadable history by file and line, and still lists the execution', async () => {
    const other = join(dir, 'broken-lake');
    cpSync(lake, other, { recursive: true });
    const events = join(other, 'executions', runs.succeeded.name, 'events.jsonl');
    const lines = readFileSync(events, 'utf8').split('\n');
    lines.splice(3, 0, '{"type":"StateEntered", truncated');
    writeFileSync(events, lines.join('\n'));
    const broken = await startInspector({ lake: other, port: 0 });
    try {
      const { status, body } = await getJson<ExecutionDetail>(
        broken,
        `/api/executions/${encodeURIComponent(runs.succeeded.name)}`,
      );
      expect(status).toBe(200);
      expect(body.problems[0]).toMatch(
        /^The history of ".+" is unreadable: events\.jsonl: line 4 is not valid JSON/,
      );
      writeFileSync(join(other, 'executions', runs.failed.name, 'execution.json'), '{ nope');
      const list = await getJson<ExecutionList>(broken, '/api/executions');
      const row = list.body.executions.find((e) => e.name === runs.failed.name);
      expect(row?.problem).toContain('execution.json is unreadable');
      const detail = await getJson<{ error: string }>(broken, `/api/executions/${runs.failed.name}`);
      expect(detail.status).toBe(500);
      expect(detail.body.error).toContain('is not valid JSON');
      expect(detail.body.error).not.toMatch(/\n\s+at /);
    } finally {
      await broken.close();
    }
  });

  it('shows a redriven execution attempt by attempt: where it resumed, and the state that failed then succeeded', async () => {
    const other = join(dir, 'redrive-lake');
    cpSync(lake, other, { recursive: true });
    const rt = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake: other,
      retryDelayMs: 1,
      waitMs: 1,
    });
    try {
      expect((await rt.redrive(runs.failed.name)).status).toBe('SUCCEEDED');
    } finally {
      rt.close();
    }
    const redriven = await startInspector({ lake: other, port: 0 });
    try {
      const { body } = await getJson<ExecutionDetail>(redriven, `/api/executions/${runs.failed.name}`);
      expect(body.record).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
      expect(body.view.redrives.map((r) => [r.redrive, r.status, r.error, r.resumeAt])).toEqual([
        [0, 'FAILED', runs.failed.error, null],
        [1, 'SUCCEEDED', null, 'Promote batch'],
      ]);
      const promote = body.view.states.find((s) => s.id === 'Promote batch');
      expect(promote?.entries.map((e) => [e.redrive, e.status])).toEqual([
        [0, 'failed'],
        [1, 'succeeded'],
      ]);
      expect(promote?.status).toBe('succeeded');
      expect(body.view.states.find((s) => s.id === 'Done')?.status).toBe('succeeded');
      expect(body.replay).toBeNull();
      const list = await getJson<ExecutionList>(redriven, '/api/executions');
      expect(list.body.executions.find((e) => e.name === runs.failed.name)?.redriveCount).toBe(1);
    } finally {
      await redriven.close();
    }
  });

  it('says when a RUNNING record has lost its process, and draws nothing as running', async () => {
    const other = join(dir, 'orphan-lake');
    cpSync(lake, other, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const file = join(other, 'executions', runs.failed.name, 'execution.json');
    const record = JSON.parse(readFileSync(file, 'utf8')) as ExecutionRecord;
    writeFileSync(
      file,
      JSON.stringify({
        ...record,
        status: 'RUNNING',
        stopDate: null,
        owner: { pid: dead, host: hostname() },
      }),
    );
    const orphan = await startInspector({ lake: other, port: 0 });
    try {
      const list = await getJson<ExecutionList>(orphan, '/api/executions');
      expect(list.body.executions.find((e) => e.name === runs.failed.name)?.orphaned).toBe(true);
      const { body } = await getJson<ExecutionDetail>(orphan, `/api/executions/${runs.failed.name}`);
      expect(body.record.orphaned).toBe(true);
      expect(body.problems.join('\n')).toContain(`the process that ran it (pid ${dead}) is gone`);
      expect(body.view.states.some((s) => s.status === 'running')).toBe(false);
    } finally {
      await orphan.close();
    }
  });

  it('pushes the list and a running execution as they change (SSE)', async () => {
    const name = 'live-run-test';
    const execDir = join(lake, 'executions', name);
    mkdirSync(execDir);
    const record = {
      ...JSON.parse(readFileSync(join(lake, 'executions', runs.succeeded.name, 'execution.json'), 'utf8')),
      name,
      status: 'RUNNING',
      stopDate: null,
      output: null,
      startDate: new Date().toISOString(),
    };
    writeFileSync(join(execDir, 'execution.json'), JSON.stringify(record));
    const t = Date.now();
    const line = (e: StoredEvent) => appendFileSync(join(execDir, 'events.jsonl'), `${JSON.stringify(e)}\n`);
    line({ type: 'ExecutionStarted', timestamp: t, input: {} });
    const feed = sse(new URL(`/api/live?execution=${name}`, inspector.url).href);
    try {
      const list = await feed.next<ExecutionList>('executions', (l) =>
        l.executions.some((e) => e.name === name),
      );
      expect(list.counts.RUNNING).toBe(1);
      await feed.next<ExecutionDetail>('execution', (d) => d.record.name === name);
      line({
        type: 'StateEntered',
        timestamp: t + 1,
        stateName: 'Ingest object',
        stateType: 'Task',
        input: {},
      });
      const running = await feed.next<ExecutionDetail>(
        'execution',
        (d) => d.view.states.find((s) => s.id === 'Ingest object')?.status === 'running',
      );
      expect(running.record.status).toBe('RUNNING');
      line({
        type: 'StateExited',
        timestamp: t + 2,
        stateName: 'Ingest object',
        input: {},
        output: { ok: 1 },
      });
      const exited = await feed.next<ExecutionDetail>(
        'execution',
        (d) => d.view.states.find((s) => s.id === 'Ingest object')?.status === 'succeeded',
      );
      expect(exited.view.states.find((s) => s.id === 'Ingest object')?.entries[0]?.output).toEqual({ ok: 1 });
      writeFileSync(join(execDir, 'execution.json'), JSON.stringify({ ...record, status: 'SUCCEEDED' }));
      const done = await feed.next<ExecutionList>('executions', (l) => l.counts.RUNNING === 0);
      expect(done.counts.SUCCEEDED).toBe(2);
    } finally {
      feed.close();
    }
  });
});

describe('the per-state view of a history', () => {
  const nodes: StateNode[] = [
    { id: 'A', name: 'A', type: 'Task', parent: null },
    { id: 'M', name: 'M', type: 'Map', parent: null },
    { id: 'M/In', name: 'In', type: 'Task', parent: 'M' },
    { id: 'B', name: 'B', type: 'Task', parent: null },
    { id: 'C', name: 'C', type: 'Succeed', parent: null },
  ];
  const ev = (type: string, timestamp: number, extra: Record<string, unknown> = {}): StoredEvent => ({
    type,
    timestamp,
    ...extra,
  });

  it('shows a state failed before a redrive and succeeded after it, with the attempts per redrive', () => {
    const events = [
      ev('ExecutionStarted', 1),
      ev('StateEntered', 2, { stateName: 'A', input: { n: 1 } }),
      ev('StateExited', 3, { stateName: 'A', output: { n: 2 } }),
      ev('StateEntered', 4, { stateName: 'B', input: { n: 2 } }),
      ev('StateFailed', 5, { stateName: 'B', error: 'Boom', cause: 'it broke' }),
      ev('ExecutionFailed', 6, { error: 'Boom', cause: 'it broke' }),
      ev('ExecutionRedriven', 10, { redriveCount: 1 }),
      ev('StateEntered', 11, { stateName: 'B', input: { n: 2 }, redrive: 1 }),
      ev('StateFailed', 12, { stateName: 'B', error: 'Flaky', redrive: 1 }),
      ev('StateRetried', 13, { stateName: 'B', retryAttempt: 1, redrive: 1 }),
      ev('StateExited', 14, { stateName: 'B', output: { n: 3 }, redrive: 1 }),
      ev('StateEntered', 15, { stateName: 'C', input: { n: 3 }, redrive: 1 }),
      ev('StateExited', 15, { stateName: 'C', output: { n: 3 }, redrive: 1 }),
      ev('ExecutionSucceeded', 16, { output: { n: 3 }, redrive: 1 }),
    ];
    const view = deriveStateViews(nodes, events, [], false);
    const b = view.states.find((s) => s.id === 'B');
    expect(b?.status).toBe('retried');
    expect(b?.entries.map((e) => [e.redrive, e.status, e.attempts.length])).toEqual([
      [0, 'failed', 1],
      [1, 'succeeded', 2],
    ]);
    expect(view.redrives.map((r) => [r.redrive, r.status, r.error])).toEqual([
      [0, 'FAILED', 'Boom'],
      [1, 'SUCCEEDED', null],
    ]);
    expect(view.redrives[1]?.states).toEqual(['B', 'C']);
    expect(view.states.find((s) => s.id === 'M')?.status).toBe('notreached');
    expect(view.transitions).toEqual([
      { from: 'A', to: 'B' },
      { from: 'B', to: 'C' },
    ]);
  });

  it('puts Map iterations and their inner states under the Map, each iteration its own entry', () => {
    const events = [
      ev('ExecutionStarted', 1),
      ev('StateEntered', 2, { stateName: 'M' }),
      ev('MapIterationStarted', 3, { index: 0 }),
      ev('MapIterationStarted', 3, { index: 1 }),
      ev('StateEntered', 4, { stateName: 'In', index: 0, input: 'x' }),
      ev('StateEntered', 4, { stateName: 'In', index: 1, input: 'y' }),
      ev('StateExited', 5, { stateName: 'In', index: 1, output: 'Y' }),
      ev('StateFailed', 6, { stateName: 'In', index: 0, error: 'Bad', cause: 'x is bad' }),
      ev('MapIterationSucceeded', 6, { index: 1, output: 'Y' }),
      ev('MapIterationFailed', 7, { index: 0, error: 'Bad', cause: 'x is bad' }),
      ev('StateFailed', 8, { stateName: 'M', error: 'Bad' }),
      ev('ExecutionFailed', 9, { error: 'Bad' }),
    ];
    const view = deriveStateViews(nodes, events, [], false);
    const map = view.states.find((s) => s.id === 'M');
    expect(map?.status).toBe('failed');
    expect(map?.iterations.map((i) => [i.index, i.status, i.error])).toEqual([
      [0, 'failed', 'Bad'],
      [1, 'succeeded', null],
    ]);
    const inner = view.states.find((s) => s.id === 'M/In');
    expect(inner?.entries.map((e) => [e.index, e.status, e.input])).toEqual([
      [0, 'failed', 'x'],
      [1, 'succeeded', 'y'],
    ]);
  });

  it('reads events appended out of order, and a running state as running', () => {
    const events = [
      ev('ExecutionStarted', 1),
      ev('StateFailed', 3, { stateName: 'A', error: 'E1' }), // written before its StateEntered
      ev('StateEntered', 3, { stateName: 'A' }),
      ev('StateRetried', 4, { stateName: 'A', retryAttempt: 1 }),
    ];
    const view = deriveStateViews(nodes, events, [], true);
    const a = view.states.find((s) => s.id === 'A');
    expect(a?.status).toBe('running');
    expect(a?.entries[0]?.attempts.map((x) => [x.number, x.status])).toEqual([
      [1, 'failed'],
      [2, 'running'],
    ]);
    expect(deriveStateViews(nodes, events, [], false).states.find((s) => s.id === 'A')?.status).toBe(
      'failed',
    );
  });

  it('names a bad line of a JSON-lines file and waits for a line still being written', () => {
    expect(parseJsonl('{"a":1}\n{"b":2}\n{"c":', 'events.jsonl')).toEqual({
      items: [{ a: 1 }, { b: 2 }],
      problem: null,
    });
    expect(parseJsonl('{"a":1}\nnot json\n[1]\n', 'events.jsonl').problem).toMatch(
      /^events\.jsonl: line 2 is not valid JSON .*; line 3 is not a JSON object$/,
    );
  });
});

describe('lakestep inspect', () => {
  const { dir, cleanup } = tempDir('inspect-cli');
  afterAll(cleanup);

  it('refuses a port in use, naming it', async () => {
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
    const port = (busy.address() as { port: number }).port;
    try {
      const out = await cli(['inspect', '--lake', join(dir, 'lake'), '--port', String(port)]);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      busy.close();
    }
  });

  it('rejects a port that is not one (usage error)', async () => {
    const out = await cli(['inspect', '--port', 'http']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--port must be a whole number from 0 to 65535, got "http"');
  });

  it('prints the URL of a server that answers, says the lake is missing, and stops on Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'cli', 'bin.js'), 'inspect', '--lake', join(dir, 'none'), '--port', '0'],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((ok, fail) => {
      child.stdout.on('data', (c: string) => {
        stdout += c;
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout);
        if (m && stdout.includes('Ctrl-C')) ok(m[0]);
      });
      child.on('exit', (code) => fail(new Error(`inspect exited ${code}: ${stdout}`)));
    });
    expect(stdout).toContain('does not exist yet');
    const overview = (await (await fetch(`${url}api/overview`)).json()) as { lakeExists: boolean };
    expect(overview.lakeExists).toBe(false);
    const code = await new Promise<number | null>((ok) => {
      child.removeAllListeners('exit');
      child.on('exit', ok);
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
  });
});
