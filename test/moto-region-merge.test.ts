/**
 * The regions' MERGE items (group commit, decision 0028) against moto's DynamoDB (the real SDK client,
 * the adapter's own UpdateItem calls) and the local table, the same scenarios for both: concurrent
 * first requests let exactly one run, a run covers only the tickets drawn before its claim, a retried
 * claim keeps the run, a release frees the region once, an ended lease is taken over (and the old
 * runner's finish records nothing), and a ticket survives a lost item.
 */

import { DynamoRegionMergeTable, mergeItemOf } from '../handlers/aws/dynamo-region-merge-table';
import { type MergeItem, type RegionMergeTable, requestMerge } from '../handlers/core/region-merge';
import { LocalRegionMergeTable } from '../local/local-region-merge-table';
import { ADMISSION_TABLE, useAdmissionTableOnMoto } from './helpers/moto-admission-table';

const dynamo = useAdmissionTableOnMoto();
const TABLE = ADMISSION_TABLE;

interface Subject {
  table: () => RegionMergeTable;
  read: (key: string) => Promise<MergeItem>;
}
const local = new LocalRegionMergeTable();
const SUBJECTS: [string, Subject][] = [
  [
    'DynamoDB (moto)',
    {
      table: () => new DynamoRegionMergeTable(dynamo.client(), TABLE),
      read: async (key) => mergeItemOf(await dynamo.readItem(key)),
    },
  ],
  ['local', { table: () => local, read: async (key) => local.read(key) }],
];

const T0 = new Date('2026-12-01T12:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const request = (
  table: RegionMergeTable,
  key: string,
  holder: string,
  ticket: number | null = null,
  now = T0,
) => requestMerge(table, { key, holder, ticket, leaseSeconds: 600, now });

describe.each(SUBJECTS)('region MERGE items: %s', (_name, subject) => {
  it('lets exactly one of N concurrent first requests run; the others wait with distinct tickets', async () => {
    const table = subject.table();
    const key = 'RegionMerge#category_daily#us';
    const holders = Array.from({ length: 20 }, (_, i) => `exec-${i}`);
    const answers = await Promise.all(holders.map((h) => request(table, key, h)));
    const runs = answers.filter((a) => a.action === 'run');
    expect(runs).toHaveLength(1);
    expect(answers.filter((a) => a.action === 'wait')).toHaveLength(19);
    expect(new Set(answers.map((a) => a.ticket)).size).toBe(20);
    const item = await subject.read(key);
    expect(item).toMatchObject({ asked: 20, covered: 0 });
    expect(item.runner?.holder).toBe(holders[answers.indexOf(runs[0] as (typeof answers)[number])]);
    for (const a of answers) if (a.action === 'wait') expect(a.runner).toBe(item.runner?.holder);
  });

  it('covers only the tickets drawn before the run claimed the region', async () => {
    const table = subject.table();
    const key = 'RegionMerge#category_daily#gb';
    const a = await request(table, key, 'a');
    expect(a).toMatchObject({ action: 'run', ticket: 1, covers: 1 });
    const b = await request(table, key, 'b'); // promoted after a's run started: a does not cover it
    const c = await request(table, key, 'c');
    expect([b.action, c.action]).toEqual(['wait', 'wait']);
    expect(await table.finish(key, 'a', 1)).toBe(true);
    expect(await request(table, key, 'b', b.ticket)).toMatchObject({ action: 'run', covers: 3 });
    // c's ticket is within b's run, but that run has not succeeded yet.
    expect(await request(table, key, 'c', c.ticket)).toMatchObject({
      action: 'wait',
      runner: 'b',
      covered: 1,
    });
    expect(await table.finish(key, 'b', 3)).toBe(true);
    expect(await request(table, key, 'c', c.ticket)).toMatchObject({ action: 'covered', covered: 3 });
    expect(await subject.read(key)).toEqual({ asked: 3, covered: 3, runner: null });
  });

  it('keeps the run of a runner whose claim is retried, and never records a finish twice', async () => {
    const table = subject.table();
    const key = 'RegionMerge#category_daily#ca';
    const first = await request(table, key, 'a');
    const waiter = await request(table, key, 'w');
    const again = await request(table, key, 'a', first.ticket);
    expect(again).toMatchObject({ action: 'run', tookOverFrom: null, covers: 2 });
    expect(await table.finish(key, 'a', 1)).toBe(false); // the retried claim's covers count now
    expect(await table.finish(key, 'a', 2)).toBe(true);
    expect(await table.finish(key, 'a', 2)).toBe(false);
    expect(await request(table, key, 'w', waiter.ticket)).toMatchObject({ action: 'covered' });
  });

  it('frees the region once on release, only for its runner, and the next waiter runs', async () => {
    const table = subject.table();
    const key = 'RegionMerge#category_daily#de';
    await request(table, key, 'a');
    const w = await request(table, key, 'w');
    expect(await table.release(key, 'w')).toBe(false);
    expect(await table.release(key, 'a')).toBe(true);
    expect(await table.release(key, 'a')).toBe(false);
    expect(await request(table, key, 'w', w.ticket)).toMatchObject({ action: 'run', tookOverFrom: null });
    expect((await subject.read(key)).covered).toBe(0); // the failed run covered nobody
  });

  it("takes over a claim whose lease ended; the old runner's finish then records nothing", async () => {
    const table = subject.table();
    const key = 'RegionMerge#category_daily#fr';
    await request(table, key, 'old', null, T0);
    const w = await request(table, key, 'w', null, at(599));
    expect(w.action).toBe('wait');
    expect(await request(table, key, 'w', w.ticket, at(600))).toMatchObject({
      action: 'run',
      tookOverFrom: 'old',
      covers: 2,
    });
    expect(await table.finish(key, 'old', 1)).toBe(false);
    expect(await table.finish(key, 'w', 2)).toBe(true);
    expect(await subject.read(key)).toEqual({ asked: 2, covered: 2, runner: null });
  });

  it('lets a ticket drawn before the item was lost (a recreated table) run rather than wait forever', async () => {
    const table = subject.table();
    const key = 'RegionMerge#category_daily#jp';
    expect(await request(table, key, 'a', 57)).toMatchObject({ action: 'run', ticket: 57, covers: 0 });
    expect(await table.finish(key, 'a', 0)).toBe(true);
  });

  it('keeps regions apart', async () => {
    const table = subject.table();
    const [kr, mx] = ['RegionMerge#category_daily#kr', 'RegionMerge#category_daily#mx'];
    expect((await request(table, kr, 'a')).action).toBe('run');
    expect((await request(table, mx, 'b')).action).toBe('run');
    expect(await table.finish(mx, 'b', 1)).toBe(true);
    expect((await subject.read(kr)).runner?.holder).toBe('a');
  });
});
