/**
 * The admission gate as code and as workflow data: the acquire and release cores (answers, jittered
 * waits, metrics, misconfiguration named), the Lambdas' environment, the failure recorder giving back
 * a stopped execution's slot (best effort), and the states the workflow renders around "Transform batch".
 */

import { maxSlotsFrom } from '../handlers/aws/admission-env';
import { acquireTransformSlot } from '../handlers/core/acquire-transform-slot';
import type { CorePorts, MetricUnit } from '../handlers/core/ports';
import { releaseSlotsOf } from '../handlers/core/record-failure';
import { releaseTransformSlot } from '../handlers/core/release-transform-slot';
import { waitBeforeAskingAgain, waitWindow } from '../handlers/core/slot-gate';
import { LocalSlotTable } from '../local/local-slot-table';
import { YOUTUBE_DATASETS } from '../workflows/datasets';
import { renderAsl } from '../workflows/render-asl';
import {
  admissionGatesOf,
  SLOT_WAIT_SECONDS,
  TRANSFORM_GATE,
  TRANSFORM_SLOT_LEASE_SECONDS,
  TRANSFORM_TIMEOUT_SECONDS,
} from '../workflows/transform-admission';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

const NOW = new Date('2026-12-01T12:00:00Z');

function portsWith(table: LocalSlotTable, maxSlots = 2) {
  const metrics: { name: string; unit: MetricUnit; value: number }[] = [];
  const dimensions: Record<string, string>[] = [];
  const logs: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const ports = {
    storage: {} as CorePorts['storage'],
    buckets: {} as CorePorts['buckets'],
    log: {
      info: (message: string, fields?: Record<string, unknown>) =>
        logs.push({ level: 'info', message, fields }),
      warn: (message: string, fields?: Record<string, unknown>) =>
        logs.push({ level: 'warn', message, fields }),
      error: (message: string, fields?: Record<string, unknown>) =>
        logs.push({ level: 'error', message, fields }),
    },
    metrics: {
      addDimensions: (d: Record<string, string>) => dimensions.push(d),
      addMetric: (name: string, unit: MetricUnit, value: number) => metrics.push({ name, unit, value }),
      publishStoredMetrics() {},
    },
    clock: { now: () => NOW },
    datasets: YOUTUBE_DATASETS,
    admission: { table, maxSlots: () => maxSlots },
  } satisfies CorePorts;
  return { ports, metrics, dimensions, logs };
}

const input = (holder: string) => ({
  gate: TRANSFORM_GATE,
  holder,
  objectKey: `raw_statistics/region=us/${holder}.csv`,
  leaseSeconds: 600,
  waitSeconds: { min: 30, max: 60 },
  waitingSince: '2026-12-01T11:45:00.000Z',
});

describe('Acquire transform slot', () => {
  it('admits while slots are free, then answers acquired: false with a wait in the jitter window', async () => {
    const { ports, metrics, dimensions } = portsWith(new LocalSlotTable(), 2);
    expect(await acquireTransformSlot(input('a'), ports)).toEqual({
      acquired: true,
      slotsInUse: 1,
      maxSlots: 2,
      waitSeconds: 0,
      waitedSeconds: 15 * 60,
    });
    await acquireTransformSlot(input('b'), ports);
    const full = await acquireTransformSlot(input('c'), ports);
    expect(full).toMatchObject({ acquired: false, slotsInUse: 2, maxSlots: 2, waitedSeconds: 900 });
    expect(full.waitSeconds).toBeGreaterThanOrEqual(30);
    expect(full.waitSeconds).toBeLessThanOrEqual(60);
    expect(dimensions).toContainEqual({ gate: TRANSFORM_GATE });
    expect(metrics.filter((m) => m.name === 'SlotsAcquired')).toHaveLength(2);
    expect(metrics.filter((m) => m.name === 'SlotWaits')).toEqual([
      { name: 'SlotWaits', unit: 'Count', value: 1 },
    ]);
    expect(metrics.filter((m) => m.name === 'SlotWaitSeconds').map((m) => m.value)).toEqual([900, 900, 900]);
  });

  it('spreads the waits of executions turned away together', () => {
    const waits = Array.from({ length: 200 }, (_, i) => waitBeforeAskingAgain(`exec-${i}`, NOW, 30, 60));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...waits)).toBeLessThanOrEqual(60);
    expect(new Set(waits).size).toBeGreaterThan(20);
  });

  it('an object that has waited long asks less often, up to the longest wait (a backfill drains for hours)', async () => {
    const w = { min: 30, max: 60, longest: 900 };
    expect(waitWindow(0, w)).toEqual({ min: 30, max: 60 });
    expect(waitWindow(119, w)).toEqual({ min: 30, max: 60 });
    expect(waitWindow(600, w)).toEqual({ min: 200, max: 300 });
    expect(waitWindow(12 * 3600, w)).toEqual({ min: 600, max: 900 });
    // Without a longest wait the window never grows.
    expect(waitWindow(12 * 3600, { min: 30, max: 60 })).toEqual({ min: 30, max: 60 });
    const { ports } = portsWith(new LocalSlotTable(), 1);
    await acquireTransformSlot(input('a'), ports);
    const long = await acquireTransformSlot(
      { ...input('b'), waitSeconds: w, waitingSince: '2026-12-01T00:00:00.000Z' },
      ports,
    );
    expect(long).toMatchObject({ acquired: false, waitedSeconds: 12 * 3600 });
    expect(long.waitSeconds).toBeGreaterThanOrEqual(600);
    expect(long.waitSeconds).toBeLessThanOrEqual(900);
    await expect(
      acquireTransformSlot({ ...input('c'), waitSeconds: { min: 30, max: 60, longest: 45 } }, ports),
    ).rejects.toThrow(/waitSeconds.longest 45 is below max 60/);
  });

  it('logs the leases it freed, naming the holders', async () => {
    const table = new LocalSlotTable();
    await table.take(TRANSFORM_GATE, 'lost', Math.floor(NOW.getTime() / 1000) - 1, 1);
    const { ports, logs } = portsWith(table, 1);
    expect(await acquireTransformSlot(input('next'), ports)).toMatchObject({ acquired: true });
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ reaped: ['lost'] }) }),
    );
  });

  it('names a misconfiguration: no slot table, a wait window upside down', async () => {
    const { ports } = portsWith(new LocalSlotTable());
    await expect(acquireTransformSlot(input('a'), { ...ports, admission: undefined })).rejects.toMatchObject({
      name: 'Lake.ContractViolation',
      message: expect.stringContaining('TransformBatch: acquiring a slot needs the slot table'),
    });
    await expect(
      acquireTransformSlot({ ...input('a'), waitSeconds: { min: 60, max: 30 } }, ports),
    ).rejects.toThrow(/waitSeconds.min 60 is above max 30/);
  });
});

describe('Release transform slot', () => {
  it('gives the slot back, and answers released: false when none is held', async () => {
    const table = new LocalSlotTable();
    const { ports } = portsWith(table, 1);
    await acquireTransformSlot(input('a'), ports);
    const release = { gate: TRANSFORM_GATE, holder: 'a', objectKey: 'k' };
    expect(await releaseTransformSlot(release, ports)).toEqual({ released: true });
    expect(await releaseTransformSlot(release, ports)).toEqual({ released: false });
    expect(table.read(TRANSFORM_GATE)).toEqual({ slots: 0, holders: {} });
  });
});

describe('ADMISSION_MAX_SLOTS', () => {
  it('maps gates to slots, and names what is wrong', () => {
    expect(maxSlotsFrom('{"TransformBatch":10}')('TransformBatch')).toBe(10);
    expect(() => maxSlotsFrom('{"TransformBatch":10}')('Other')).toThrow(/gate Other has no slots/);
    for (const bad of [undefined, '', 'ten', '{"TransformBatch":0}', '{"TransformBatch":1.5}'])
      expect(() => maxSlotsFrom(bad)).toThrow(
        /ADMISSION_MAX_SLOTS must be a JSON object of positive integers/,
      );
  });
});

describe('the failure recorder gives back the slots of a stopped execution', () => {
  const noLog = { info() {}, warn() {}, error() {} };

  it('releases the holder in every gate it may hold, once', async () => {
    const table = new LocalSlotTable();
    await table.take(TRANSFORM_GATE, 'failed-exec', 1e10, 3);
    const slots = { table, gates: [TRANSFORM_GATE] };
    expect(await releaseSlotsOf('failed-exec', slots, noLog)).toEqual([TRANSFORM_GATE]);
    expect(await releaseSlotsOf('failed-exec', slots, noLog)).toEqual([]);
    expect(table.read(TRANSFORM_GATE).slots).toBe(0);
  });

  it('is best effort: a failing release is logged and left to the lease', async () => {
    const errors: unknown[] = [];
    const table = new LocalSlotTable();
    table.release = async () => Promise.reject(new Error('table gone'));
    const log = { ...noLog, error: (m: string, f?: unknown) => errors.push([m, f]) };
    expect(await releaseSlotsOf('x', { table, gates: [TRANSFORM_GATE] }, log)).toEqual([]);
    expect(JSON.stringify(errors)).toContain('its lease will free it');
  });
});

describe('the gate in the workflow', () => {
  const asl = renderAsl(YOUTUBE_TRENDING);
  const state = (name: string) => asl.States[name] as Record<string, unknown>;

  it('routes large statistics objects through acquire → (wait → acquire)* → Transform batch → release → data quality', () => {
    // Objects too large for the Lambda transform (decision 0026) take the Glue path, through the gate.
    expect(state('Small object?').Default).toBe('Acquire transform slot');
    expect(state('Acquire transform slot')).toMatchObject({
      Next: 'Slot acquired?',
      ResultPath: '$.admission',
    });
    expect(state('Slot acquired?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.admission.acquired', BooleanEquals: true, Next: 'Transform batch' }],
      Default: 'Wait for a transform slot',
    });
    expect(state('Wait for a transform slot')).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.admission.waitSeconds',
      Next: 'Acquire transform slot',
    });
    expect(state('Transform batch').Next).toBe('Release transform slot');
    expect(state('Release transform slot').Next).toBe('Check data quality');
  });

  it('leaves a failed Glue run FAILED at "Transform batch" (no Catch): redrive resumes there', () => {
    expect(state('Transform batch').Catch).toBeUndefined();
  });

  it('has no attempt limit on waiting, and retries the slot table on the new tasks', () => {
    // The Wait loop is the retry: no Retry counts it. The tasks retry Lambda and table blips only.
    for (const name of ['Acquire transform slot', 'Release transform slot']) {
      const errors = (state(name).Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
      expect(errors).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'Admission.Unavailable']));
      expect(errors).not.toContain('States.ALL');
    }
  });

  it('holds a lease longer than a Glue run can take, waits 30-60 s between asks at first, 15 min at most', () => {
    const transform = YOUTUBE_TRENDING.steps.find((s) => s.id === 'transformBatch');
    expect(transform && 'timeoutSeconds' in transform && transform.timeoutSeconds).toBe(
      TRANSFORM_TIMEOUT_SECONDS,
    );
    expect(TRANSFORM_SLOT_LEASE_SECONDS).toBeGreaterThan(TRANSFORM_TIMEOUT_SECONDS);
    expect(SLOT_WAIT_SECONDS).toEqual({ min: 30, max: 60, longest: 900 });
    // An execution outlives the longest backfill drain the model shows (10,000 Glue-bound: ~12.7 h).
    expect(YOUTUBE_TRENDING.timeoutSeconds).toBeGreaterThanOrEqual(24 * 3600);
    expect(admissionGatesOf(YOUTUBE_TRENDING)).toEqual([TRANSFORM_GATE]);
  });
});
