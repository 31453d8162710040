/**
 * A damaged execution store after a real run (a torn events.jsonl line as a full disk leaves it, an
 * unreadable execution.json): status, replay --failed, replay NAME and run keep working on the rest of
 * the lake, and each damaged record is reported by its file and line.
 */
import { cpSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionSummary } from '../local/execution-summary';
import type { HealthReport } from '../local/health';
import { LocalRuntime } from '../local/runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { cli, tempDir } from './helpers/lake';

const HEADER =
  'video_id,trending_date,title,channel_title,category_id,publish_time,tags,views,likes,dislikes,comment_count,thumbnail_link,comments_disabled,ratings_disabled,video_error_or_removed,description';
const row = (id: string) => `${id},17.14.11,t,c,22,2017-11-13T17:13:01.000Z,x,1,2,3,4,l,False,False,False,d`;

describe('a damaged execution store', () => {
  const { dir, cleanup } = tempDir('damaged');
  const pristine = join(dir, 'pristine');
  let failed: ExecutionSummary;
  let succeeded: ExecutionSummary;
  let copies = 0;

  /** A fresh copy of the lake, to damage on its own. */
  const lakeCopy = () => {
    const lake = join(dir, `lake-${++copies}`);
    cpSync(pristine, lake, { recursive: true });
    return lake;
  };
  const file = (lake: string, name: string, f: string) => join(lake, 'executions', name, f);

  /** Cuts the last line of a JSON-lines file in half, without its newline: an append the disk cut. */
  const tearLastLine = (path: string) => {
    const text = readFileSync(path, 'utf8');
    const lines = text.trimEnd().split('\n');
    const last = lines.pop() as string;
    writeFileSync(path, `${lines.join('\n')}\n${last.slice(0, Math.floor(last.length / 2))}`);
    return lines.length + 1;
  };

  beforeAll(async () => {
    writeFileSync(join(dir, 'USvideos.csv'), `${HEADER}\n${row('abcdefghijk')}\n${row('abcdefghijl')}\n`);
    writeFileSync(join(dir, 'CAvideos.csv'), `${HEADER}\n${row('abcdefghijk')}\n`);
    writeFileSync(join(dir, 'GBvideos.csv'), `${HEADER}\n${row('abcdefghijm')}\n`);
    let rt = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake: pristine,
      faults: [{ state: 'Promote batch', mode: 'permanent' }],
      retryDelayMs: 1,
      waitMs: 1,
    });
    try {
      failed = await rt.execute(await rt.land(join(dir, 'USvideos.csv')));
    } finally {
      rt.close();
    }
    rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake: pristine, retryDelayMs: 1, waitMs: 1 });
    try {
      succeeded = await rt.execute(await rt.land(join(dir, 'CAvideos.csv')));
    } finally {
      rt.close();
    }
  });
  afterAll(cleanup);

  it('starts from one failed and one succeeded execution', () => {
    expect([failed.outcome, succeeded.outcome]).toEqual(['failed', 'succeeded']);
  });

  it('status reads the rest of the lake past a torn events.jsonl line, and names its file and line', async () => {
    const lake = lakeCopy();
    const events = file(lake, failed.name, 'events.jsonl');
    const line = tearLastLine(events);
    const { code, stdout, stderr } = await cli(['status', '--lake', lake, '--json']);
    expect(stderr).not.toMatch(/Unterminated|SyntaxError/);
    expect([0, 1]).toContain(code);
    const report = JSON.parse(stdout) as HealthReport;
    expect(report.totals.executions).toBe(2);
    expect(report.damaged).toEqual([
      expect.stringContaining(`${events} line ${line}: an incomplete last line`),
    ]);

    const text = await cli(['status', '--lake', lake]);
    expect(text.stdout).toContain('Damaged records');
    expect(text.stdout).toContain(`${events} line ${line}`);
  });

  it('skips a bad line in the middle of events.jsonl and reads the lines after it', async () => {
    const lake = lakeCopy();
    const events = file(lake, succeeded.name, 'events.jsonl');
    const lines = readFileSync(events, 'utf8').split('\n');
    lines[2] = (lines[2] as string).slice(0, 20);
    writeFileSync(events, lines.join('\n'));
    const { stdout } = await cli(['status', '--lake', lake, '--json']);
    const report = JSON.parse(stdout) as HealthReport;
    expect(report.damaged).toEqual([expect.stringMatching(/ line 3: not valid JSON .*, skipped: /)]);
    // The lines after it were read: the execution still reads as the success it was.
    expect(report.totals.succeeded).toBe(1);
  });

  it('replay --failed and replay NAME redrive an execution whose history has a torn last line', async () => {
    for (const byName of [false, true]) {
      const lake = lakeCopy();
      const events = file(lake, failed.name, 'events.jsonl');
      const line = tearLastLine(events);
      const args = byName ? [failed.name] : ['--failed'];
      const { code, stdout, stderr } = await cli(['replay', ...args, '--lake', lake, '--json']);
      expect(stderr).toContain(`${events} line ${line}`);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({
        executions: [{ name: failed.name, result: { status: 'SUCCEEDED' } }],
        summary: { succeeded: 1 },
      });
      // The redrive's events start on a line of their own: only the torn fragment stays damaged.
      const after = await cli(['status', '--lake', lake, '--json']);
      const report = JSON.parse(after.stdout) as HealthReport;
      expect(report.totals.succeeded).toBe(2);
      expect(report.damaged).toEqual([expect.stringContaining(`${events} line ${line}: not valid JSON`)]);
    }
  });

  it('an unreadable execution.json is skipped and named; run still lands new files', async () => {
    const lake = lakeCopy();
    const record = file(lake, succeeded.name, 'execution.json');
    truncateSync(record, 40);
    const run = await cli(['run', '--data', join(dir, 'GBvideos.csv'), '--lake', lake, '--json']);
    expect(run.stderr).toContain(record);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('succeeded');

    const { stdout } = await cli(['status', '--lake', lake, '--json']);
    const report = JSON.parse(stdout) as HealthReport;
    expect(report.totals.executions).toBe(2);
    expect(report.damaged).toEqual([expect.stringContaining(`${record}: unreadable, execution skipped`)]);

    // Asked for by name, the damaged one fails alone and says which file is damaged.
    const replay = await cli(['replay', succeeded.name, '--lake', lake]);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toContain(record);
  });
});
