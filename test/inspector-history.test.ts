/**
 * The inspector over a long history (200k events, 100k task records, synthetic, in a temp lake): one
 * execution's detail completes and stays bounded, the raw history comes in pages, /api/overview answers
 * while the detail loads, and SIGTERM ends `lakestep inspect` while it loads. Also: two Host headers
 * are refused. Behaviour only; the timings are measured outside the tests.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { ExecutionRecord } from '../local/execution-store';
import type { EventPage, ExecutionDetail } from '../local/inspector/executions';
import { type Inspector, startInspector } from '../local/inspector/server';
import { ROOT, tempDir } from './helpers/lake';

const LOOPS = 100_000; // two events and one task record each: 200k events

/** A Task state of the committed ASL, entered LOOPS times (each with its task record). */
function taskState(): string {
  const asl = JSON.parse(readFileSync(join(ROOT, 'asl', 'youtube-trending.asl.json'), 'utf8')) as {
    States: Record<string, { Type: string }>;
  };
  const found = Object.entries(asl.States).find(([, s]) => s.Type === 'Task');
  if (!found) throw new Error('The committed ASL has no Task state');
  return found[0];
}

function writeLongHistory(lake: string, name: string): { state: string } {
  const dir = join(lake, 'executions', name);
  mkdirSync(dir, { recursive: true });
  const state = taskState();
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const record: ExecutionRecord = {
    name,
    stateMachine: 'youtube-trending',
    definitionFile: join(ROOT, 'asl', 'youtube-trending.asl.json'),
    objectKey: 'raw_statistics/region=us/USvideos.csv',
    contentSha256: '0'.repeat(64),
    input: {},
    status: 'FAILED',
    output: null,
    error: 'Lambda.ServiceException',
    cause: 'synthetic',
    startDate: new Date(t0).toISOString(),
    stopDate: new Date(t0 + LOOPS * 2 + 10).toISOString(),
    redriveCount: 0,
  };
  writeFileSync(join(dir, 'execution.json'), JSON.stringify(record));
  const events: string[] = [JSON.stringify({ type: 'ExecutionStarted', timestamp: t0, input: {} })];
  const tasks: string[] = [];
  for (let i = 0; i < LOOPS; i++) {
    const t = t0 + 1 + i * 2;
    events.push(JSON.stringify({ type: 'StateEntered', timestamp: t, stateName: state, input: { i } }));
    events.push(JSON.stringify({ type: 'StateExited', timestamp: t + 1, stateName: state, output: { i } }));
    tasks.push(
      JSON.stringify({
        statePath: state,
        mapIndex: null,
        attempt: 1,
        resource: 'arn:aws:states:::lambda:invoke',
        input: { i },
        result: { Payload: { i } },
        startedAt: new Date(t).toISOString(),
        durationMs: 1,
      }),
    );
  }
  events.push(JSON.stringify({ type: 'ExecutionFailed', timestamp: t0 + LOOPS * 2 + 10, error: 'X' }));
  writeFileSync(join(dir, 'events.jsonl'), `${events.join('\n')}\n`);
  writeFileSync(join(dir, 'tasks.jsonl'), `${tasks.join('\n')}\n`);
  return { state };
}

/** A raw HTTP/1.1 exchange, for requests fetch() will not make (two Host headers). */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((ok, fail) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      answer += d;
    });
    socket.on('end', () => ok(answer));
    socket.on('error', fail);
  });
}

describe('the inspector over a history of 200k events', () => {
  const { dir, cleanup } = tempDir('inspector-history');
  const lake = join(dir, 'lake');
  const name = 'long-history';
  let state: string;
  let inspector: Inspector;

  beforeAll(async () => {
    ({ state } = writeLongHistory(lake, name));
    inspector = await startInspector({ lake, port: 0 });
  });
  afterAll(async () => {
    await inspector?.close();
    cleanup();
  });

  it('answers /api/overview while the detail loads, and the detail completes, bounded', async () => {
    let detailDone = false;
    const detail = fetch(new URL(`/api/executions/${name}`, inspector.url)).then(async (r) => {
      detailDone = true;
      return { status: r.status, body: (await r.json()) as ExecutionDetail };
    });
    const answeredWhileLoading: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const overview = await fetch(new URL('/api/overview', inspector.url));
      expect(overview.status).toBe(200);
      answeredWhileLoading.push(!detailDone);
    }
    expect(answeredWhileLoading).toEqual([true, true, true]);
    const { status, body } = await detail;
    expect(status).toBe(200);
    expect(body.eventCount).toBe(LOOPS * 2 + 2);
    const view = body.view.states.find((s) => s.name === state);
    expect(view?.entryCount).toBe(LOOPS);
    expect(view?.entries.length).toBeLessThanOrEqual(200);
    // The kept entries are the latest, each with its own task call attached.
    const last = view?.entries.at(-1);
    expect(last?.input).toEqual({ i: LOOPS - 1 });
    expect(last?.attempts[0]?.task?.input).toEqual({ i: LOOPS - 1 });
    expect(body.record.status).toBe('FAILED');
  });

  it('serves the raw history in pages, with its total', async () => {
    const res = await fetch(
      new URL(`/api/executions/${name}/events?offset=${LOOPS * 2 - 3}&limit=50`, inspector.url),
    );
    const page = (await res.json()) as EventPage;
    expect(page.total).toBe(LOOPS * 2 + 2);
    expect(page.events.map((e) => e.type)).toEqual([
      'StateEntered',
      'StateExited',
      'StateEntered',
      'StateExited',
      'ExecutionFailed',
    ]);
    const first = (await (
      await fetch(new URL(`/api/executions/${name}/events`, inspector.url))
    ).json()) as EventPage;
    expect(first.events).toHaveLength(3000);
    expect(first.events[0]?.type).toBe('ExecutionStarted');
    const bad = await fetch(new URL(`/api/executions/${name}/events?limit=-1`, inspector.url));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/limit must be a whole number/);
  });

  it('refuses a request with two Host headers (400)', async () => {
    const host = `127.0.0.1:${inspector.port}`;
    const answer = await rawRequest(
      inspector.port,
      `GET /api/overview HTTP/1.1\r\nHost: ${host}\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('one Host header');
    const one = await rawRequest(
      inspector.port,
      `GET /api/overview HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    expect(one).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('lakestep inspect stops on SIGTERM while it loads the long history', async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'cli', 'bin.js'), 'inspect', '--lake', lake, '--port', '0'],
      {
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    const url = await new Promise<string>((ok, fail) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
        if (m) ok(m[0]);
      });
      child.on('exit', () => fail(new Error(`inspect ended before it served: ${out}`)));
    });
    const detail = fetch(new URL(`/api/executions/${name}`, url)).then(
      (r) => r.status,
      () => 'closed',
    );
    expect((await fetch(new URL('/api/overview', url))).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Whether the load finished first or was cut off, the request got an answer or a closed socket.
    expect([200, 503, 'closed']).toContain(await detail);
  }, 60_000);
});
