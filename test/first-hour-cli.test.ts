/**
 * Issue 14's mistakes that deserve a better answer, through the CLI as a user types it: no lake / a
 * file as the lake (item 10), typos (12), `status` at the current time (8), ABORTED shown with its cause
 * (6), duplicates counted apart (9), a fault on an object already processed (4), the sample kept apart
 * from a user's data (5), plurals and the advice for an unknown name (15).
 */

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replayAdviceFor } from '../local/replay-advice';
import { YOUTUBE_DATASETS } from '../workflows/datasets';
import { cli, tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

const CA = join(REAL_DATA, 'json', 'CA_category_id.json');

describe('first-hour answers of the CLI', () => {
  const { dir, cleanup } = tempDir('first-hour');
  afterAll(cleanup);
  const lake = join(dir, 'lake');
  const aFile = join(dir, 'a-file');

  beforeAll(async () => {
    writeFileSync(aFile, 'not a lake');
    const out = await cli(['run', '--lake', lake, '--data', CA]);
    expect(out.code).toBe(0);
  });

  it.each([
    ['status'],
    ['replay', '--failed'],
    ['replay', 'some-execution'],
    ['rerun', '--object', 'x'],
    ['query', 'SELECT 1'],
  ])('%s on a lake that does not exist or is a file: says so, exit 2', async (...args) => {
    const missing = await cli([...args, '--lake', join(dir, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`No lake at ${join(dir, 'nowhere')}`);
    const file = await cli([...args, '--lake', aFile]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain(`${aFile} is a file`);
  });

  it('inspect with --lake on a file: says so, exit 2 (a lake not made yet it serves, and the page says so)', async () => {
    const out = await cli(['inspect', '--lake', aFile, '--port', '0']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`${aFile} is a file`);
  });

  it('run with --lake on a file: says so, exit 2 (no raw ENOTDIR)', async () => {
    const out = await cli(['run', '--lake', join(aFile, 'below'), '--data', CA]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`${aFile} is a file`);
    expect(out.stderr).not.toContain('ENOTDIR');
  });

  it.each([
    [['rn'], /unknown command "rn" \(did you mean run\?\)/],
    [['run', '--dta', CA], /unknown option --dta \(did you mean --data\?\)/],
    [['status', '--lake', lake, '--jsno'], /unknown option --jsno \(did you mean --json\?\)/],
    [
      ['run', '--lake', lake, '--data', CA, '--inject-fault', 'Transform batch:flaky'],
      /unknown fault mode "flaky" .*modes: transient, permanent, hang/,
    ],
    [
      ['run', '--lake', lake, '--data', CA, '--inject-fault', 'Transform batch:transiet'],
      /did you mean transient\?/,
    ],
    [
      ['run', '--lake', lake, '--data', CA, '--inject-fault', 'Promte batch'],
      /no task state "Promte batch" \(did you mean Promote batch\?\)/,
    ],
  ])('a typo gets the nearest word: %j', async (args, message) => {
    const out = await cli(args as string[]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
  });

  it('a duplicate event is counted apart and marked in --json', async () => {
    const out = await cli(['run', '--lake', lake, '--json', '--data', CA]);
    expect(out.code).toBe(0);
    const [e] = JSON.parse(out.stdout).executions;
    expect(e).toMatchObject({ duplicateEvent: true, outcome: 'succeeded' });
    const text = await cli(['run', '--lake', lake, '--data', CA]);
    expect(text.stdout).toContain('Ran 0 executions in');
    expect(text.stdout).toContain('(1 object already processed)');
    expect(text.stdout).toMatch(/succeeded 0 .* duplicates 1/);
  });

  it('a fault asked for on an object already processed runs it as a fresh execution; replay --failed fixes it', async () => {
    const out = await cli(['run', '--lake', lake, '--json', '--data', CA, '--inject-fault', 'Promote batch']);
    expect(out.code).toBe(1);
    const [e] = JSON.parse(out.stdout).executions;
    expect(e).toMatchObject({ duplicateEvent: false, status: 'FAILED', outcome: 'failed' });
    expect(e.states.find((s: { status: string }) => s.status === 'FAILED').name).toBe('Promote batch');
    const status = await cli(['status', '--lake', lake]);
    expect(status.stdout).toContain(`npx lakestep replay ${e.name}`);
    const replay = await cli(['replay', '--failed', '--lake', lake]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(e.name);
  });

  it('rerun takes --inject-fault too', async () => {
    const key = 'raw_statistics_reference_data/region=ca/CA_category_id.json';
    const out = await cli([
      'rerun',
      '--lake',
      lake,
      '--object',
      key,
      '--inject-fault',
      'Promote batch',
      '--json',
    ]);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout).executions[0]).toMatchObject({ status: 'FAILED', outcome: 'failed' });
    expect((await cli(['replay', '--failed', '--lake', lake])).code).toBe(0);
  });

  it('status evaluates the alarms at the current time by default; --as-of keeps a report reproducible', async () => {
    const old = join(dir, 'old-failure');
    expect((await cli(['run', '--lake', old, '--data', CA, '--inject-fault', 'Promote batch'])).code).toBe(1);
    shiftLakeClock(old, -10 * 60_000); // the failure happened ten minutes ago
    const now = JSON.parse((await cli(['status', '--lake', old, '--json'])).stdout);
    const failedSystem = (r: { alarms: { id: string; state: string }[] }) =>
      r.alarms.find((a) => a.id === 'executions-failed-system')?.state;
    expect(failedSystem(now)).toBe('OK');
    expect(Date.now() - Date.parse(now.asOf)).toBeLessThan(60_000);
    const then = JSON.parse(
      (await cli(['status', '--lake', old, '--json', '--as-of', 'last-activity'])).stdout,
    );
    expect(failedSystem(then)).toBe('ALARM');
    const at = JSON.parse((await cli(['status', '--lake', old, '--json', '--as-of', then.asOf])).stdout);
    expect(failedSystem(at)).toBe('ALARM');
    expect((await cli(['status', '--lake', old, '--as-of', 'yesterday'])).code).toBe(2);
  });

  it('query counts one row in the singular', async () => {
    expect((await cli(['query', '--lake', lake, 'SELECT 1 AS one'])).stdout).toContain('(1 row)');
  });

  it('status names one execution in the singular', async () => {
    const one = join(dir, 'one');
    await cli(['run', '--lake', one, '--data', CA]);
    expect((await cli(['status', '--lake', one])).stdout).toContain(': 1 execution\n');
  });

  it("keeps the sample apart from a user's data, in both directions", async () => {
    const sample = await cli(['run', '--lake', lake]);
    expect(sample.code).toBe(2);
    expect(sample.stderr).toContain(`the lake ${lake} holds your data`);
    expect(sample.stderr).toContain('Run the sample in its own lake');
    const sampleLake = join(dir, 'sample-lake');
    mkdirSync(join(sampleLake, 'sample'), { recursive: true });
    const data = await cli(['run', '--lake', sampleLake, '--data', CA]);
    expect(data.code).toBe(2);
    expect(data.stderr).toContain('holds the built-in sample');
  });

  it('the advice for an object with an unknown name is to rename and land it, not a rerun that fails again', () => {
    const advice = replayAdviceFor(
      {
        name: 'unknown-notes-txt-123',
        status: 'FAILED',
        error: 'ObjectRejected',
        objectKey: 'unknown/notes.txt',
      },
      undefined,
      YOUTUBE_DATASETS,
    );
    expect(advice).toMatchObject({ kind: 'land', command: 'npx lakestep run --data RENAMED_FILE' });
    expect(advice?.why).toContain('<CC>videos*.csv');
  });
});

/** Moves every time a lake's execution records hold by `deltaMs` (as if they happened then). */
function shiftLakeClock(lake: string, deltaMs: number): void {
  const iso = (v: unknown) => (typeof v === 'string' ? new Date(Date.parse(v) + deltaMs).toISOString() : v);
  const shift = (o: Record<string, unknown>) => {
    for (const k of ['startDate', 'stopDate', 'redriveDate', 'startedAt']) if (k in o) o[k] = iso(o[k]);
    if (typeof o.timestamp === 'number') o.timestamp += deltaMs;
    const aws = o._aws as { Timestamp?: number } | undefined;
    if (aws?.Timestamp) aws.Timestamp += deltaMs;
    if (typeof o.time === 'string') o.time = iso(o.time);
    return o;
  };
  const root = join(lake, 'executions');
  for (const name of readdirSync(root))
    for (const file of readdirSync(join(root, name))) {
      const path = join(root, name, file);
      const text = readFileSync(path, 'utf8');
      writeFileSync(
        path,
        file.endsWith('.jsonl')
          ? text
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.stringify(shift(JSON.parse(l))))
              .join('\n')
              .concat('\n')
          : JSON.stringify(shift(JSON.parse(text))),
      );
    }
}
