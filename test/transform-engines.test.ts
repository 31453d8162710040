/**
 * A dataset that is not YouTube's, transformed by each engine — the local DuckDB SQL, the small-object
 * Lambda's TypeScript and the Glue script's Python — gives the same cleansed rows, the same quarantined
 * records with the same rule names, and the same counts: jaffle-shop's raw orders (../shared/data), with
 * records appended that break each of its rules, including a later duplicate of an order id (and a
 * valid record whose id only a broken record had before it, which is kept).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSpecProblems } from '../workflows/check-datasets';
import type { TransformSpec } from '../workflows/datasets';
import { SHARED } from './helpers/python';
import { duckdbEngine, pythonEngine, typescriptEngine } from './helpers/transform-engines';

const ORDERS_FILE = join(SHARED, 'data', 'jaffle-shop', 'raw_orders.csv');

const ORDERS = {
  name: 'statistics',
  rawColumns: ['id', 'user_id', 'order_date', 'status'],
  rules: [
    { name: 'field_count', kind: 'fieldCount', expected: 4 },
    { name: 'id_present', kind: 'notNull', columns: ['id', 'user_id'] },
    { name: 'ids_are_integers', kind: 'integer', columns: ['id', 'user_id'], min: 1 },
    { name: 'order_date', kind: 'date', column: 'order_date', format: '%Y-%m-%d' },
    {
      name: 'status',
      kind: 'acceptedValues',
      column: 'status',
      values: ['placed', 'shipped', 'completed', 'return_pending', 'returned'],
    },
    { name: 'order_id_unique', kind: 'uniqueInBatch', columns: ['id'] },
  ],
  schema: [
    { name: 'order_id', type: 'BIGINT', raw: 'id' },
    { name: 'customer_id', type: 'BIGINT', raw: 'user_id' },
    { name: 'order_date', type: 'DATE', dateFormat: '%Y-%m-%d' },
    { name: 'status', type: 'VARCHAR' },
    { name: 'source_object', type: 'VARCHAR', batch: 'sourceObject' },
  ],
  dedupeKey: ['order_id'],
  dedupeOrder: [],
  partitionBy: [],
} as unknown as TransformSpec;

/** The real file's records, then one record per broken rule, in this order. */
function records(): string[][] {
  const lines = readFileSync(ORDERS_FILE, 'utf8').trim().split(/\r?\n/);
  const real = lines.map((l) => l.split(','));
  return [
    ...real,
    ['100', '1', '2018-04-10', 'placed', 'extra'],
    ['', '1', '2018-04-10', 'placed'],
    ['101', '-3', '2018-04-10', 'placed'],
    ['102', '1', '2018-02-30', 'placed'],
    ['103', '1', '2018-04-10', 'lost'],
    ['7', '1', '2018-04-11', 'placed'],
    ['104', '1', '2018-04-10', 'shipped'],
    ['104', '2', '2018-04-12', 'shipped'],
    // A broken record does not count as the first of its id: the valid one after it is kept.
    ['105', '1', '2018-04-10', 'lost'],
    ['105', '1', '2018-04-13', 'placed'],
  ];
}

const EXPECTED_RULES = {
  field_count: 1,
  id_present: 1,
  ids_are_integers: 1,
  order_date: 1,
  order_id_unique: 2,
  status: 2,
};

describe('a jaffle-shop orders spec on every transform engine', () => {
  it('is a sound spec', () => {
    expect(transformSpecProblems('jaffle-shop', [ORDERS])).toEqual([]);
  });

  it('quarantines each broken record with its rule and keeps the first of a duplicated id, alike in TypeScript, DuckDB and Python', async () => {
    const ts = typescriptEngine(ORDERS, records());
    expect(ts.rules).toEqual(EXPECTED_RULES);
    expect(ts.read).toBe(109);
    expect(ts.rows).toHaveLength(101);
    expect(ts.rows.find((x) => x[0] === '104')).toEqual(['104', '1', '2018-04-10', 'shipped', 'sample.csv']);
    expect(ts.rows.find((x) => x[0] === '7')).toEqual(['7', '88', '2018-01-09', 'completed', 'sample.csv']);
    expect(ts.rejected).toEqual([
      [100, 'field_count'],
      [101, 'id_present'],
      [102, 'ids_are_integers'],
      [103, 'order_date'],
      [104, 'status'],
      [105, 'order_id_unique'],
      [107, 'order_id_unique'],
      [108, 'status'],
    ]);
    expect(ts.duplicates).toBe(0);

    // The same outcome from DuckDB and from Python.
    expect(await duckdbEngine(ORDERS, records())).toEqual(ts);
    expect(pythonEngine(ORDERS, records())).toEqual(ts);
  });
});

describe("dedupeKeep 'last' on every transform engine", () => {
  // Without the uniqueness rule, a repeated order id is a duplicate: the dedupe keeps one per id.
  const spec = (keep: 'first' | 'last') =>
    ({
      ...ORDERS,
      rules: (ORDERS.rules as readonly { kind: string }[]).filter((r) => r.kind !== 'uniqueInBatch'),
      dedupeKeep: keep,
    }) as unknown as TransformSpec;
  const input = (): string[][] => [
    ['id', 'user_id', 'order_date', 'status'],
    ['1', '10', '2018-01-01', 'placed'],
    ['2', '20', '2018-01-02', 'placed'],
    ['1', '11', '2018-01-03', 'shipped'],
    ['1', '12', '2018-01-04', 'completed'],
  ];

  it.each([
    ['first', '10'],
    ['last', '12'],
  ] as const)(
    'keeps the %s record of a tie (customer %s), alike in TypeScript, DuckDB and Python',
    async (keep, customer) => {
      const ts = typescriptEngine(spec(keep), input());
      expect([ts.rows.length, ts.duplicates, ts.rows.find((x) => x[0] === '1')?.[1]]).toEqual([
        2,
        2,
        customer,
      ]);
      expect(await duckdbEngine(spec(keep), input())).toEqual(ts);
      expect(pythonEngine(spec(keep), input())).toEqual(ts);
    },
  );
});
