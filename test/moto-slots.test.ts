/**
 * The admission gate's slot table against moto's DynamoDB (the real SDK client, the adapter's own
 * conditional UpdateItem calls) and the local slot table, the same scenarios for both: N concurrent
 * acquires with M slots admit exactly M, a holder asking again keeps its one slot (a retry or a
 * redrive never takes two), a release frees a slot once, and an expired lease is reaped by the next
 * acquire that finds the gate full.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoSlotTable, slotItemOf } from '../handlers/aws/dynamo-slot-table';
import { acquireSlot, type SlotItem, type SlotTable } from '../handlers/core/slot-gate';
import { LocalSlotTable } from '../local/local-slot-table';
import { ADMISSION_TABLE, useAdmissionTableOnMoto } from './helpers/moto-admission-table';

const dynamo = useAdmissionTableOnMoto();
const TABLE = ADMISSION_TABLE;

interface Subject {
  table: () => SlotTable;
  read: (gate: string) => Promise<SlotItem>;
}
const local = new LocalSlotTable();
const SUBJECTS: [string, Subject][] = [
  [
    'DynamoDB (moto)',
    {
      table: () => new DynamoSlotTable(dynamo.client(), TABLE),
      read: async (gate) => slotItemOf(await dynamo.readItem(gate)),
    },
  ],
  ['local', { table: () => local, read: async (gate) => local.read(gate) }],
];

const T0 = new Date('2026-12-01T12:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ask = (table: SlotTable, gate: string, holder: string, now = T0, max = 4) =>
  acquireSlot(table, { gate, holder, max, leaseSeconds: 600, now });

describe.each(SUBJECTS)('slot table: %s', (_name, subject) => {
  it('admits exactly M of N concurrent acquires, and the count is the holders', async () => {
    const table = subject.table();
    const holders = Array.from({ length: 25 }, (_, i) => `exec-${i}`);
    const outcomes = await Promise.all(holders.map((h) => ask(table, 'burst', h)));
    const admitted = holders.filter((_, i) => outcomes[i]?.acquired);
    expect(admitted).toHaveLength(4);
    const item = await subject.read('burst');
    expect(item.slots).toBe(4);
    expect(Object.keys(item.holders).sort()).toEqual([...admitted].sort());
    for (const o of outcomes.filter((x) => !x.acquired)) expect(o.slotsInUse).toBe(4);
  });

  it('keeps one slot for a holder that asks again (a retry or a redrive of the acquire)', async () => {
    const table = subject.table();
    expect(await ask(table, 'again', 'a', T0, 2)).toMatchObject({
      acquired: true,
      how: 'taken',
      slotsInUse: 1,
    });
    expect(await ask(table, 'again', 'a', at(60), 2)).toMatchObject({ acquired: true, how: 'held' });
    const item = await subject.read('again');
    expect(item).toEqual({ slots: 1, holders: { a: epoch(at(60)) + 600 } });
    // Even with the gate full, the holder is admitted again (its lease renewed), taking nothing more.
    await ask(table, 'again', 'b', T0, 2);
    expect(await ask(table, 'again', 'a', at(120), 2)).toMatchObject({
      acquired: true,
      how: 'held',
      slotsInUse: 2,
    });
    expect((await subject.read('again')).slots).toBe(2);
  });

  it('frees a slot on release, once: a second release of the same holder is not an error and frees nothing', async () => {
    const table = subject.table();
    for (const h of ['a', 'b']) await ask(table, 'release', h, T0, 2);
    expect(await ask(table, 'release', 'c', T0, 2)).toMatchObject({ acquired: false, slotsInUse: 2 });
    expect(await table.release('release', 'a')).toBe(true);
    expect(await table.release('release', 'a')).toBe(false);
    expect(await table.release('release', 'never-held')).toBe(false);
    expect((await subject.read('release')).slots).toBe(1);
    expect(await ask(table, 'release', 'c', T0, 2)).toMatchObject({
      acquired: true,
      how: 'taken',
      slotsInUse: 2,
    });
    expect(await subject.read('release')).toEqual({
      slots: 2,
      holders: { b: epoch(T0) + 600, c: epoch(T0) + 600 },
    });
  });

  it('heals a lost release: the acquire that finds the gate full reaps the expired leases and takes one', async () => {
    const table = subject.table();
    await ask(table, 'lease', 'lost-1', T0, 2); // lease ends at T0 + 600
    await ask(table, 'lease', 'live', at(500), 2); // lease ends at T0 + 1100
    expect(await ask(table, 'lease', 'next', at(599), 2)).toMatchObject({ acquired: false, reaped: [] });
    const healed = await ask(table, 'lease', 'next', at(600), 2);
    expect(healed).toMatchObject({ acquired: true, how: 'taken', reaped: ['lost-1'], slotsInUse: 2 });
    expect(Object.keys((await subject.read('lease')).holders).sort()).toEqual(['live', 'next']);
  });

  it('does not reap a lease that was renewed after it was read', async () => {
    const table = subject.table();
    await ask(table, 'renewed', 'slow', T0, 1);
    // The reaper read lease end T0+600; the holder renews before the reap lands.
    await table.renew('renewed', 'slow', epoch(at(2000)));
    expect(await table.reap('renewed', { slow: epoch(T0) + 600 })).toBe(false);
    expect(await subject.read('renewed')).toEqual({ slots: 1, holders: { slow: epoch(at(2000)) } });
  });

  it('never takes a slot over max, even when max is lowered under the slots in use', async () => {
    const table = subject.table();
    for (const h of ['a', 'b', 'c']) await ask(table, 'lowered', h, T0, 3);
    expect(await ask(table, 'lowered', 'd', T0, 2)).toMatchObject({ acquired: false, slotsInUse: 3 });
    await table.release('lowered', 'a');
    expect(await ask(table, 'lowered', 'd', T0, 2)).toMatchObject({ acquired: false, slotsInUse: 2 });
    await table.release('lowered', 'b');
    expect(await ask(table, 'lowered', 'd', T0, 2)).toMatchObject({ acquired: true, slotsInUse: 2 });
  });
});

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

describe('DynamoSlotTable errors', () => {
  const failing = (error: Error) =>
    new DynamoSlotTable({ send: async () => Promise.reject(error) } as unknown as DynamoDBClient, TABLE);

  it('turns throttling and 5xx answers into Admission.Unavailable (retried by the step), naming gate and table', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const unavailable = Object.assign(new Error('boom'), {
      name: 'Whatever',
      $metadata: { httpStatusCode: 503 },
    });
    for (const e of [throttled, unavailable]) {
      const err = await failing(e)
        .take('g', 'h', 1, 1)
        .catch((x: Error) => x);
      expect(err).toMatchObject({ name: 'Admission.Unavailable' });
      expect((err as Error).message).toContain(`gate g in table ${TABLE}`);
    }
  });

  it('passes any other error through as it is (a missing table, a denied call)', async () => {
    const missing = Object.assign(new Error('Requested resource not found'), {
      name: 'ResourceNotFoundException',
    });
    await expect(failing(missing).release('g', 'h')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
