/**
 * `lakestep status` on a lake with a system-faulted, a DQ-failed and a succeeded execution: it names
 * both failures, shows the generated alarms that would fire, and prints the command that fixes each.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionRecord, StoredEvent } from '../local/execution-store';
import type { ExecutionSummary } from '../local/execution-summary';
import { evaluateAlarm, type HealthReport, type Loaded, lakeHealth } from '../local/health';
import { replayAdviceFor } from '../local/replay-advice';
import { LocalRuntime } from '../local/runtime';
import { alarmsFor, type MetricAlarmSpec } from '../workflows/alarms';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { cli, tempDir } from './helpers/lake';

const HEADER =
  'video_id,trending_date,title,channel_title,category_id,publish_time,tags,views,likes,dislikes,comment_count,thumbnail_link,comments_disabled,ratings_disabled,video_error_or_removed,description';
const row = (id: string) => `${id},17.14.11,t,c,22,2017-11-13T17:13:01.000Z,x,1,2,3,4,l,False,False,False,d`;

describe('lakestep status', () => {
  const { dir, cleanup } = tempDir('status');
  const lake = join(dir, 'lake');
  let failed: ExecutionSummary;
  let dqFailed: ExecutionSummary;
  let succeeded: ExecutionSummary;

  beforeAll(async () => {
    writeFileSync(join(dir, 'USvideos.csv'), `${HEADER}\n${row('abcdefghijk')}\n${row('abcdefghijl')}\n`);
    writeFileSync(join(dir, 'GBvideos.csv'), `${HEADER}\n${row('abcdefghijk')}\nnot-an-id,17.14.11\n`);
    writeFileSync(join(dir, 'CAvideos.csv'), `${HEADER}\n${row('abcdefghijk')}\n`);
    let rt = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake,
      faults: [{ state: 'Promote batch', mode: 'permanent' }],
      retryDelayMs: 1,
      waitMs: 1,
    });
    try {
      failed = await rt.execute(await rt.land(join(dir, 'USvideos.csv')));
    } finally {
      rt.close();
    }
    rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, retryDelayMs: 1, waitMs: 1 });
    try {
      dqFailed = await rt.execute(await rt.land(join(dir, 'GBvideos.csv')));
      succeeded = await rt.execute(await rt.land(join(dir, 'CAvideos.csv')));
    } finally {
      rt.close();
    }
  });
  afterAll(cleanup);

  it('runs the lake it is given into one system fault, one DQ failure and one success', () => {
    expect([failed.outcome, dqFailed.outcome, succeeded.outcome]).toEqual([
      'failed',
      'dq_failed',
      'succeeded',
    ]);
  });

  it('names both failures, the alarms that would fire, and the fix for each (text)', async () => {
    const { code, stdout } = await cli(['status', '--lake', lake]);
    expect(code).toBe(1); // a paging alarm would fire
    expect(stdout).toContain('succeeded 1   rejected 0   dq_failed 1   failed 1');
    expect(stdout).toMatch(/"Promote batch"\s+Lambda\.ServiceException\s+system fault/);
    expect(stdout).toMatch(/"Data quality failed"\s+DataQualityFailed\s+data outcome/);
    for (const id of [
      'executions-failed-system',
      'promote-batch-errors',
      'statistics-dq-failed-batches',
      'pipeline-unhealthy',
    ])
      expect(stdout).toMatch(new RegExp(`ALARM .* ${id} `));
    expect(stdout).not.toMatch(/ALARM .* objects-rejected /);
    expect(stdout).toContain(`npx lakestep replay ${failed.name} --lake ${lake}`);
    expect(stdout).toContain(`npx lakestep rerun --object ${dqFailed.objectKey} --lake ${lake}`);
    expect(stdout).toContain('runbook: docs/runbooks/executions-failed-system.md');
  });

  it('reports the same in --json, with replay commands that name what exists in the lake', async () => {
    const { code, stdout } = await cli(['status', '--lake', lake, '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as HealthReport;
    const state = (id: string) => report.alarms.find((a) => a.id === id)?.state;
    expect(state('executions-failed-system')).toBe('ALARM');
    expect(state('statistics-dq-failed-batches')).toBe('ALARM');
    expect(state('pipeline-unhealthy')).toBe('ALARM');
    expect(state('transform-batch-job-failed')).toBe('OK');
    expect(state('executions-throttled')).toBe('NOT_EVALUATED');
    expect(report.alarms.find((a) => a.id === 'executions-failed-system')?.value).toBe(1);
    expect(report.failures.map((f) => [f.failedState, f.error, f.classification, f.count]).sort()).toEqual([
      ['Data quality failed', 'DataQualityFailed', 'data', 1],
      ['Promote batch', 'Lambda.ServiceException', 'system', 1],
    ]);
    expect(report.dataQuality.find((d) => d.dataset === 'statistics')).toMatchObject({
      batchesPassed: 2,
      batchesFailed: 1,
      rules: { quarantined_share: { passed: 2, failed: 1 } },
      rows: { read: 5, cleansed: 4, quarantined: 1, duplicates: 0 },
    });
    const unresolved = Object.fromEntries(report.unresolved.map((e) => [e.name, e.replay]));
    expect(Object.keys(unresolved).sort()).toEqual([dqFailed.name, failed.name].sort());
    // The commands are the shared replay rule's, and what they name exists: the execution, the landed object.
    const record = JSON.parse(readFileSync(join(lake, 'executions', failed.name, 'execution.json'), 'utf8'));
    expect(unresolved[failed.name]).toEqual(replayAdviceFor(record, lake));
    expect(unresolved[failed.name]?.kind).toBe('redrive');
    expect(existsSync(join(lake, 'landing', ...dqFailed.objectKey.split('/')))).toBe(true);
    expect(unresolved[dqFailed.name]?.kind).toBe('rerun');
  });

  it('judges a redriven execution by its final status and shows its redrive count; its earlier failure still counts in the alarm window, as in CloudWatch', async () => {
    const file = join(lake, 'executions', failed.name, 'execution.json');
    const record = JSON.parse(readFileSync(file, 'utf8'));
    const original = readFileSync(file, 'utf8');
    const at = new Date(Date.parse(record.stopDate) + 1000);
    writeFileSync(
      file,
      JSON.stringify({
        ...record,
        status: 'SUCCEEDED',
        error: null,
        cause: null,
        redriveCount: 1,
        stopDate: at.toISOString(),
      }),
    );
    appendFileSync(
      join(lake, 'executions', failed.name, 'events.jsonl'),
      `${JSON.stringify({ type: 'ExecutionRedriven', timestamp: at.getTime(), redriveCount: 1 })}\n`,
    );
    try {
      const report = JSON.parse((await cli(['status', '--lake', lake, '--json'])).stdout) as HealthReport;
      const e = report.executions.find((x) => x.name === failed.name);
      expect(e).toMatchObject({
        status: 'SUCCEEDED',
        classification: 'succeeded',
        redriveCount: 1,
        replay: null,
      });
      expect(report.unresolved.map((x) => x.name)).toEqual([dqFailed.name]);
      // The failure happened a second before the redrive succeeded: its datapoint is in the window.
      expect(report.alarms.find((a) => a.id === 'executions-failed-system')).toMatchObject({
        state: 'ALARM',
        value: 1,
      });
      const later = await lakeHealth({ lake, asOf: new Date(at.getTime() + 6 * 60_000) });
      expect(later.alarms.find((a) => a.id === 'executions-failed-system')?.state).toBe('OK');
    } finally {
      writeFileSync(file, original);
    }
  });

  it('on an empty lake: says so, and the freshness alarm fires (no successful run at all)', async () => {
    const empty = join(dir, 'empty');
    (await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake: empty })).close(); // a lake with nothing run in it yet
    const { code, stdout } = await cli(['status', '--lake', empty]);
    expect(stdout).toContain('No executions yet');
    // No successful statistics run at all: the freshness alarm would fire (its missing data breaches).
    expect(stdout).toMatch(/ALARM .* statistics-freshness /);
    expect(code).toBe(1);
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await cli(['status', '--limit', 'many'])).code).toBe(2);
    expect((await cli(['status', 'extra'])).code).toBe(2);
  });
});

describe('local alarm evaluation counts what the CloudWatch alarms count', () => {
  const alarm = (id: string) => alarmsFor(YOUTUBE_TRENDING).find((a) => a.id === id) as MetricAlarmSpec;
  const t0 = Date.parse('2024-05-01T10:00:00.000Z');
  const loaded = (
    name: string,
    status: ExecutionRecord['status'],
    error: string | null,
    events: StoredEvent[],
  ): Loaded => ({
    record: {
      name,
      stateMachine: YOUTUBE_TRENDING.name,
      definitionFile: '',
      objectKey: `raw/youtube/statistics/region=US/${name}.csv`,
      contentSha256: '',
      input: {},
      status,
      output: null,
      error,
      cause: null,
      startDate: new Date(t0).toISOString(),
      stopDate: new Date(t0 + 1000).toISOString(),
      redriveCount: 0,
    },
    events: [{ type: 'ExecutionStarted', timestamp: t0 }, ...events],
    tasks: [],
    metrics: [],
  });

  it('pages on a timed-out or aborted execution as a system fault, as the failure recorder classifies them', () => {
    const runs = [
      loaded('timed-out', 'TIMED_OUT', 'States.Timeout', [
        { type: 'ExecutionTimedOut', timestamp: t0 + 1000 },
      ]),
      // Killed mid-run: recorded ABORTED afterwards, without an event for it.
      loaded('killed', 'ABORTED', null, []),
      loaded('dq', 'FAILED', 'DataQualityFailed', [
        { type: 'ExecutionFailed', timestamp: t0 + 1000, error: 'DataQualityFailed' },
      ]),
    ];
    const system = evaluateAlarm(alarm('executions-failed-system'), runs, t0 + 2000);
    expect(system).toMatchObject({ state: 'ALARM', value: 2 });
    expect(evaluateAlarm(alarm('executions-timed-out'), runs, t0 + 2000).value).toBe(1);
    expect(evaluateAlarm(alarm('executions-aborted'), runs, t0 + 2000).value).toBe(1);
  });

  it('counts every failed attempt of a redriven execution when it happened', () => {
    const redriven = loaded('redriven', 'SUCCEEDED', null, [
      { type: 'ExecutionFailed', timestamp: t0 + 1000, error: 'Lambda.ServiceException' },
      { type: 'ExecutionRedriven', timestamp: t0 + 120_000, redriveCount: 1 },
      { type: 'ExecutionFailed', timestamp: t0 + 121_000, error: 'Lambda.ServiceException', redrive: 1 },
      { type: 'ExecutionRedriven', timestamp: t0 + 240_000, redriveCount: 2 },
      { type: 'ExecutionSucceeded', timestamp: t0 + 241_000, redrive: 2 },
    ]);
    const at = (ms: number) => evaluateAlarm(alarm('executions-failed-system'), [redriven], ms);
    expect(at(t0 + 242_000)).toMatchObject({ state: 'ALARM', value: 2 });
    // Five minutes after the first failure only the second is in the window; then neither.
    expect(at(t0 + 302_000).value).toBe(1);
    expect(at(t0 + 422_000)).toMatchObject({ state: 'OK', value: 0 });
  });
});
