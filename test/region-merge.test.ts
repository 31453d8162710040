/**
 * One MERGE per region (decision 0028) as code and as workflow data: the group-commit rule under random
 * interleavings of many executions (each done only by a succeeded MERGE that claimed after its ticket,
 * at most one run per region, nobody left waiting), the request and finish cores (answers, metrics,
 * misconfiguration named), the failure recorder freeing a stopped runner's region, and the states the
 * workflow renders around "Materialize category_daily".
 */

import { finishRegionMerge } from '../handlers/core/finish-region-merge';
import type { CorePorts, MetricUnit } from '../handlers/core/ports';
import { releaseRegionMergesOf } from '../handlers/core/record-failure';
import { regionMergeKey, requestMerge } from '../handlers/core/region-merge';
import { requestRegionMerge } from '../handlers/core/request-region-merge';
import { LocalRegionMergeTable } from '../local/local-region-merge-table';
import { mulberry32 } from '../local/sample-data';
import { YOUTUBE_DATASETS } from '../workflows/datasets';
import {
  MERGE_LEASE_SECONDS,
  MERGE_TIMEOUT_SECONDS,
  MERGE_WAIT_SECONDS,
  REGION_MERGE_MATERIALIZATION,
  regionMergesOf,
} from '../workflows/region-merge';
import { renderAsl } from '../workflows/render-asl';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

const NOW = new Date('2026-12-01T12:00:00Z');
const noLog = { info() {}, warn() {}, error() {} };

function portsWith(table: LocalRegionMergeTable | undefined, now = NOW) {
  const metrics: { name: string; unit: MetricUnit; value: number }[] = [];
  const logs: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const logAt = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    logs.push({ level, message, fields });
  const ports: CorePorts = {
    storage: {} as CorePorts['storage'],
    buckets: {} as CorePorts['buckets'],
    log: { info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    metrics: {
      addDimensions() {},
      addMetric: (name: string, unit: MetricUnit, value: number) => metrics.push({ name, unit, value }),
      publishStoredMetrics() {},
    },
    clock: { now: () => now },
    datasets: YOUTUBE_DATASETS,
    ...(table ? { regionMerges: table } : {}),
  };
  return { ports, metrics, logs };
}

const input = (holder: string, extra: { ticket?: number; askedAt?: string } = {}) => ({
  materialization: REGION_MERGE_MATERIALIZATION,
  region: 'us',
  holder,
  objectKey: `raw_statistics/region=us/${holder}.csv`,
  leaseSeconds: MERGE_LEASE_SECONDS,
  waitSeconds: MERGE_WAIT_SECONDS,
  ...extra,
});

describe('the group-commit rule under random interleavings', () => {
  /**
   * Executions of three regions, stepped in a random order: each promotes its batch, then asks; a run
   * snapshots what is promoted in its region when it claims (as a MERGE reads the table when it starts),
   * and sometimes fails (the recorder releases it). An execution is done only when a succeeded MERGE's
   * snapshot holds its batch.
   */
  it.each([1, 2, 3, 4, 5])(
    'seed %i: every execution ends done by a MERGE that read its batch',
    async (seed) => {
      const random = mulberry32(seed);
      const table = new LocalRegionMergeTable();
      const regions = ['us', 'gb', 'ca'];
      const promoted = new Map(regions.map((r) => [r, new Set<number>()]));
      const materialized = new Map(regions.map((r) => [r, new Set<number>()]));
      type State = 'promote' | 'ask' | 'merging' | 'finish' | 'done' | 'failed';
      const execs = Array.from({ length: 60 }, (_, id) => ({
        id,
        region: regions[id % 3] as string,
        state: 'promote' as State,
        ticket: null as number | null,
        covers: 0,
        snapshot: new Set<number>(),
      }));
      let merges = 0;
      for (let step = 0; step < 100_000 && execs.some((e) => e.state !== 'done'); step++) {
        const e = execs[Math.floor(random() * execs.length)];
        if (!e) continue;
        const key = regionMergeKey('category_daily', e.region);
        const running = execs.filter(
          (x) => x.region === e.region && (x.state === 'merging' || x.state === 'finish'),
        );
        expect(running.length).toBeLessThanOrEqual(1);
        switch (e.state) {
          case 'promote':
            promoted.get(e.region)?.add(e.id);
            e.state = 'ask';
            break;
          case 'failed': // a replay: the execution asks again from the start of the request
          case 'ask': {
            const a = await requestMerge(table, {
              key,
              holder: `x${e.id}`,
              ticket: e.ticket,
              leaseSeconds: 600,
              now: NOW,
            });
            e.ticket = a.ticket;
            if (a.action === 'covered') e.state = 'done';
            else if (a.action === 'run') {
              e.state = 'merging';
              e.covers = a.covers;
              e.snapshot = new Set(promoted.get(e.region));
              merges++;
            } else e.state = 'ask';
            break;
          }
          case 'merging':
            if (random() < 0.1) {
              // The MERGE failed: FAILED at Materialize, the recorder frees the region; replayed later.
              expect(await table.release(key, `x${e.id}`)).toBe(true);
              e.state = 'failed';
              e.ticket = null;
            } else {
              for (const id of e.snapshot) materialized.get(e.region)?.add(id);
              e.state = 'finish';
            }
            break;
          case 'finish':
            await table.finish(key, `x${e.id}`, e.covers);
            e.state = 'done';
            break;
        }
        if (e.state === 'done') expect(materialized.get(e.region)?.has(e.id)).toBe(true);
      }
      expect(execs.filter((e) => e.state !== 'done')).toEqual([]);
      expect(merges).toBeLessThan(execs.length);
    },
  );
});

describe('Request region merge', () => {
  it('answers run, then wait with a jittered wait, then covered once the run finished', async () => {
    const table = new LocalRegionMergeTable();
    const a = portsWith(table);
    const run = await requestRegionMerge(input('a'), a.ports);
    expect(run).toEqual({
      action: 'run',
      ticket: 1,
      covers: 1,
      covered: 0,
      runner: null,
      askedAt: NOW.toISOString(),
      waitSeconds: 0,
      waitedSeconds: 0,
    });
    // b asked before a's run claimed? No: b's ticket (2) comes after, so a's run cannot cover it.
    const w = portsWith(table);
    const wait = await requestRegionMerge(input('b'), w.ports);
    expect(wait).toMatchObject({ action: 'wait', ticket: 2, runner: 'a', covers: 0 });
    expect(wait.waitSeconds).toBeGreaterThanOrEqual(MERGE_WAIT_SECONDS.min);
    expect(wait.waitSeconds).toBeLessThanOrEqual(MERGE_WAIT_SECONDS.max);
    const c = await requestRegionMerge(input('c'), portsWith(table).ports);
    expect(await finishRegionMerge({ ...input('a'), covers: run.covers }, portsWith(table).ports)).toEqual({
      recorded: true,
    });
    const later = new Date(NOW.getTime() + 15_000);
    const again = await requestRegionMerge(
      input('b', { ticket: wait.ticket, askedAt: wait.askedAt }),
      portsWith(table, later).ports,
    );
    expect(again).toMatchObject({ action: 'run', covers: 3, askedAt: NOW.toISOString(), waitedSeconds: 15 });
    await finishRegionMerge({ ...input('b'), covers: again.covers }, portsWith(table).ports);
    const done = portsWith(table, later);
    expect(
      await requestRegionMerge(input('c', { ticket: c.ticket, askedAt: c.askedAt }), done.ports),
    ).toMatchObject({
      action: 'covered',
      covered: 3,
    });
    expect(a.metrics.map((m) => m.name)).toEqual(['RegionMergesRun']);
    expect(w.metrics.map((m) => m.name)).toEqual(['RegionMergeWaits']);
    expect(done.metrics.map((m) => m.name)).toEqual(['RegionMergesCovered']);
  });

  it('logs a take-over of a claim whose lease ended', async () => {
    const table = new LocalRegionMergeTable();
    await requestRegionMerge(input('dead'), portsWith(table).ports);
    const late = portsWith(table, new Date(NOW.getTime() + MERGE_LEASE_SECONDS * 1000));
    expect(await requestRegionMerge(input('b'), late.ports)).toMatchObject({ action: 'run' });
    expect(late.logs.find((l) => l.level === 'warn')?.fields).toMatchObject({ previous: 'dead' });
  });

  it('names a misconfiguration and a malformed repeated request', async () => {
    await expect(requestRegionMerge(input('a'), portsWith(undefined).ports)).rejects.toMatchObject({
      message: expect.stringContaining('needs the admission table'),
    });
    const table = new LocalRegionMergeTable();
    await expect(requestRegionMerge(input('a', { ticket: 3 }), portsWith(table).ports)).rejects.toMatchObject(
      {
        message: expect.stringContaining('ticket and askedAt come together'),
      },
    );
    await expect(
      requestRegionMerge({ ...input('a'), waitSeconds: { min: 30, max: 10 } }, portsWith(table).ports),
    ).rejects.toMatchObject({ message: expect.stringContaining('above max') });
    await expect(
      finishRegionMerge({ ...input('a'), covers: 1 }, portsWith(undefined).ports),
    ).rejects.toMatchObject({
      message: expect.stringContaining('needs the admission table'),
    });
  });

  it('records nothing when the claim is no longer held (a redrive that resumed at the MERGE)', async () => {
    const table = new LocalRegionMergeTable();
    const p = portsWith(table);
    expect(await finishRegionMerge({ ...input('a'), covers: 1 }, p.ports)).toEqual({ recorded: false });
    expect(p.logs[0]?.level).toBe('warn');
  });
});

describe('the failure recorder frees a stopped runner', () => {
  it("releases the region of the execution's object, only if it runs its MERGE", async () => {
    const table = new LocalRegionMergeTable();
    const merges = { table, materializations: regionMergesOf(YOUTUBE_TRENDING), datasets: YOUTUBE_DATASETS };
    await requestMerge(table, {
      key: regionMergeKey('category_daily', 'us'),
      holder: 'x',
      ticket: null,
      leaseSeconds: 60,
      now: NOW,
    });
    expect(await releaseRegionMergesOf('y', 'raw_statistics/region=us/USvideos.csv', merges, noLog)).toEqual(
      [],
    );
    expect(await releaseRegionMergesOf('x', 'raw_statistics/region=us/USvideos.csv', merges, noLog)).toEqual([
      'RegionMerge#category_daily#us',
    ]);
    expect(table.read('RegionMerge#category_daily#us').runner).toBeNull();
    expect(await releaseRegionMergesOf('x', 'unknown/notes.txt', merges, noLog)).toEqual([]);
    expect(await releaseRegionMergesOf('x', null, merges, noLog)).toEqual([]);
  });

  it('leaves a release that fails to the lease, logged, so the failure is still recorded', async () => {
    const table = new LocalRegionMergeTable();
    table.release = async () => Promise.reject(new Error('table gone'));
    const errors: unknown[] = [];
    const log = { ...noLog, error: (m: string) => errors.push(m) };
    const merges = { table, materializations: ['category_daily'], datasets: YOUTUBE_DATASETS };
    expect(await releaseRegionMergesOf('x', 'raw_statistics/region=us/USvideos.csv', merges, log)).toEqual(
      [],
    );
    expect(JSON.stringify(errors)).toContain('its lease will free it');
  });
});

describe('the region MERGE in the workflow', () => {
  const asl = renderAsl(YOUTUBE_TRENDING);
  const state = (name: string) => asl.States[name] as Record<string, unknown>;

  it('routes registered batches through request → (wait → ask again)* → MERGE → finish, or past it when covered', () => {
    expect(state('Catalog up to date?').Choices).toEqual([
      expect.objectContaining({ Next: 'Request region merge' }),
    ]);
    expect(state('Crawl again?').Default).toBe('Request region merge');
    expect(state('Request region merge')).toMatchObject({
      Next: 'Region merge turn?',
      ResultPath: '$.regionMerge',
    });
    expect(state('Region merge turn?')).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.regionMerge.action', StringEquals: 'run', Next: 'Materialize category_daily' },
        { Variable: '$.regionMerge.action', StringEquals: 'covered', Next: 'Publish run summary' },
      ],
      Default: 'Wait for the region merge',
    });
    expect(state('Wait for the region merge')).toMatchObject({
      SecondsPath: '$.regionMerge.waitSeconds',
      Next: 'Ask again for the region merge',
    });
    expect(state('Ask again for the region merge')).toMatchObject({
      Next: 'Region merge turn?',
      Parameters: {
        Payload: expect.objectContaining({
          'ticket.$': '$.regionMerge.ticket',
          'askedAt.$': '$.regionMerge.askedAt',
        }),
      },
    });
    // The first request draws its ticket: it carries none.
    expect(JSON.stringify(state('Request region merge').Parameters)).not.toContain('ticket');
    expect(state('Materialize category_daily').Next).toBe('Finish region merge');
    expect(state('Finish region merge')).toMatchObject({
      Next: 'Publish run summary',
      Parameters: { Payload: expect.objectContaining({ 'covers.$': '$.regionMerge.covers' }) },
    });
  });

  it('leaves a failed MERGE FAILED at "Materialize category_daily" (no Catch), waits with no attempt limit', () => {
    expect(state('Materialize category_daily').Catch).toBeUndefined();
    for (const name of ['Request region merge', 'Ask again for the region merge', 'Finish region merge']) {
      const errors = (state(name).Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
      expect(errors).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'Admission.Unavailable']));
      expect(errors).not.toContain('States.ALL');
    }
    expect(MERGE_LEASE_SECONDS).toBeGreaterThan(MERGE_TIMEOUT_SECONDS);
    expect(state('Materialize category_daily').TimeoutSeconds).toBe(MERGE_TIMEOUT_SECONDS);
    expect(regionMergesOf(YOUTUBE_TRENDING)).toEqual(['category_daily']);
  });
});
