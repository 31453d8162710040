/**
 * Derived columns mean the same on every engine: one table of expressions × records runs through the
 * DuckDB SQL of the local transform, the TypeScript of the small-object Lambda and the plain Python of
 * the Glue script; all three must give the stated values (exact DECIMALs, SQL's NULL and three-valued
 * logic, half-away-from-zero round, code-point string order). Then jaffle-shop's payments, whose
 * amounts are integer cents, get `amount` in dollars on all three engines (1000 → 10.00 exactly).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { transformSpecProblems } from '../workflows/check-datasets';
import type { ColumnType } from '../workflows/column-types';
import type { SchemaColumn, TransformSpec } from '../workflows/datasets';
import { parseExpression } from '../workflows/expressions';
import { columnExprType, typeExpression } from '../workflows/expressions-check';
import { expressionSql } from '../workflows/expressions-sql';
import { SHARED } from './helpers/python';
import { duckdbEngine, pythonEngine, typescriptEngine } from './helpers/transform-engines';

interface Case {
  readonly expression: string;
  readonly type: ColumnType;
  /** The value for each record of RECORDS, as DuckDB prints it (null for NULL). */
  readonly expected: readonly (string | null)[];
}

const RAW = ['id', 'a', 'd', 's', 'flag', 'day'];
/** a: BIGINT within ±1,000,000 (7 digits); d: DECIMAL(10,2); flag: y/n, anything else NULL. */
const RECORDS = [
  RAW,
  ['1', '1000', '12.35', 'abc', 'y', '2020-02-29'],
  ['2', '-7', '-0.05', 'Zed', 'n', '1999-12-31'],
  ['3', '0', '2.5', "it's", '', '2021-01-01'],
  ['4', '999999', '99999999.99', '😀x', 'y', '0001-01-01'],
];

const CASES: readonly Case[] = [
  { expression: 'a * 0.01', type: 'DECIMAL(9,2)', expected: ['10.00', '-0.07', '0.00', '9999.99'] },
  { expression: 'a + 1', type: 'BIGINT', expected: ['1001', '-6', '1', '1000000'] },
  { expression: 'a - d', type: 'DECIMAL(11,2)', expected: ['987.65', '-6.95', '-2.50', '-99000000.99'] },
  { expression: '-d', type: 'DECIMAL(10,2)', expected: ['-12.35', '0.05', '-2.50', '-99999999.99'] },
  {
    // CAST to 19 digits: DuckDB would multiply two DECIMAL(10,2) in 18 digits and overflow.
    expression: 'CAST(d AS DECIMAL(19,2)) * d',
    type: 'DECIMAL(20,4)',
    expected: ['152.5225', '0.0025', '6.2500', '9999999998000000.0001'],
  },
  // Half away from zero: 1.250 → 1.3 and -1.250 → -1.3 (half-even would give 1.2 and -1.2).
  { expression: 'round(d * 0.5, 1)', type: 'DECIMAL(10,1)', expected: ['6.2', '0.0', '1.3', '50000000.0'] },
  {
    expression: 'round(-(d * 0.5), 1)',
    type: 'DECIMAL(10,1)',
    expected: ['-6.2', '0.0', '-1.3', '-50000000.0'],
  },
  { expression: 'coalesce(na, a * 2)', type: 'BIGINT', expected: ['1000', '-14', '0', '999999'] },
  {
    expression: 'CASE WHEN d > 100 THEN 1.5 WHEN d < 0 THEN -1 ELSE 0 END',
    type: 'DECIMAL(3,1)',
    expected: ['0.0', '-1.0', '0.0', '1.5'],
  },
  // Three-valued logic: NULL AND FALSE is FALSE, NULL OR FALSE is NULL, NOT NULL is NULL.
  { expression: 'flag AND a > 0', type: 'BOOLEAN', expected: ['true', 'false', 'false', 'true'] },
  { expression: 'flag OR a > 0', type: 'BOOLEAN', expected: ['true', 'false', null, 'true'] },
  { expression: 'NOT flag', type: 'BOOLEAN', expected: ['false', 'true', null, 'false'] },
  { expression: 'flag IS NULL', type: 'BOOLEAN', expected: ['false', 'false', 'true', 'false'] },
  { expression: 'na IS NOT NULL', type: 'BOOLEAN', expected: ['true', 'false', 'false', 'true'] },
  { expression: "s < 'b'", type: 'BOOLEAN', expected: ['true', 'true', 'false', 'false'] },
  // By code point: U+1F600 sorts after U+FB00 (UTF-16 units would put it before).
  { expression: "s > 'ﬀ'", type: 'BOOLEAN', expected: ['false', 'false', 'false', 'true'] },
  { expression: "s = 'Zed'", type: 'BOOLEAN', expected: ['false', 'true', 'false', 'false'] },
  { expression: 'CAST(a AS VARCHAR)', type: 'VARCHAR', expected: ['1000', '-7', '0', '999999'] },
  { expression: 'CAST(flag AS VARCHAR)', type: 'VARCHAR', expected: ['true', 'false', null, 'true'] },
  {
    expression: 'CAST(day AS VARCHAR)',
    type: 'VARCHAR',
    expected: ['2020-02-29', '1999-12-31', '2021-01-01', '0001-01-01'],
  },
  {
    expression: 'coalesce(CASE WHEN flag THEN day END, day)',
    type: 'DATE',
    expected: ['2020-02-29', '1999-12-31', '2021-01-01', '0001-01-01'],
  },
  {
    expression: 'CAST(a AS DECIMAL(9,2)) + d',
    type: 'DECIMAL(11,2)',
    expected: ['1012.35', '-7.05', '2.50', '100999998.99'],
  },
  // NULL through arithmetic: nd is NULL unless flag is false.
  { expression: 'nd * 100', type: 'DECIMAL(13,2)', expected: [null, '-5.00', null, null] },
  { expression: 'a * a', type: 'BIGINT', expected: ['1000000', '49', '0', '999998000001'] },
  { expression: '(a + 1) * 2 - -3', type: 'BIGINT', expected: ['2005', '-9', '5', '2000003'] },
];

const BASE_SCHEMA: readonly SchemaColumn[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'a', type: 'BIGINT' },
  { name: 'd', type: 'DECIMAL(10,2)' },
  { name: 's', type: 'VARCHAR' },
  { name: 'flag', type: 'BOOLEAN', booleans: { true: ['y'], false: ['n'] } },
  { name: 'day', type: 'DATE', dateFormat: '%Y-%m-%d' },
  // Derived columns that later ones read: NULL on the records the CASE does not choose.
  { name: 'na', type: 'BIGINT', derived: 'CASE WHEN flag THEN a END' },
  { name: 'nd', type: 'DECIMAL(10,2)', derived: 'CASE WHEN NOT flag THEN d END' },
];

const CONFORMANCE: TransformSpec = {
  name: 'conformance',
  rawColumns: RAW,
  rules: [
    { name: 'id', kind: 'integer', columns: ['id'] },
    { name: 'a', kind: 'integer', columns: ['a'], min: -1000000, max: 1000000 },
    { name: 'd', kind: 'decimal', columns: ['d'], precision: 10, scale: 2 },
    { name: 'day', kind: 'date', column: 'day', format: '%Y-%m-%d' },
  ],
  schema: [...BASE_SCHEMA, ...CASES.map((c, i) => ({ name: `e${i}`, type: c.type, derived: c.expression }))],
  dedupeKey: ['id'],
  dedupeOrder: [],
  partitionBy: [],
};

describe('derived columns on every transform engine', () => {
  it('is a sound spec: every case type-checks against its declared type', () => {
    expect(transformSpecProblems('conformance', [CONFORMANCE])).toEqual([]);
  });

  it('gives the stated value of every expression on every record, alike in TypeScript, DuckDB and Python', async () => {
    const ts = typescriptEngine(CONFORMANCE, RECORDS);
    expect(ts.rejected).toEqual([]);
    const first = BASE_SCHEMA.length;
    // Rows are sorted as text by the helper; id is first and one digit, so they are in record order.
    const byCase = CASES.map((c, i) => ({
      expression: c.expression,
      values: ts.rows.map((r) => r[first + i]),
    }));
    expect(byCase).toEqual(CASES.map((c) => ({ expression: c.expression, values: c.expected })));
    expect(ts.rows.map((r) => [r[6], r[7]])).toEqual([
      ['1000', null],
      [null, '-0.05'],
      [null, null],
      ['999999', null],
    ]);

    expect(await duckdbEngine(CONFORMANCE, RECORDS)).toEqual(ts);
    expect(pythonEngine(CONFORMANCE, RECORDS)).toEqual(ts);
  });
});

describe('a derived column in the dedupe order', () => {
  /** The greatest `score` of a key wins; a NULL score loses to any number, a negative one too. */
  const SCORED: TransformSpec = {
    name: 'scored',
    rawColumns: ['k', 'a', 'flag'],
    rules: [{ name: 'a', kind: 'integer', columns: ['k', 'a'], min: -1000, max: 1000 }],
    schema: [
      { name: 'k', type: 'BIGINT' },
      { name: 'a', type: 'BIGINT' },
      { name: 'flag', type: 'BOOLEAN', booleans: { true: ['y'], false: ['n'] } },
      { name: 'score', type: 'DECIMAL(8,2)', derived: 'CASE WHEN flag THEN a * -0.50 END' },
    ],
    dedupeKey: ['k'],
    dedupeOrder: ['score'],
    partitionBy: [],
  };
  const records = [
    ['k', 'a', 'flag'],
    ['1', '5', 'y'],
    ['1', '3', 'n'],
    ['2', '3', 'n'],
    ['2', '8', 'y'],
    ['3', '4', 'y'],
    ['3', '2', 'y'],
  ];

  it('keeps the greatest score of each key, NULLs last, alike in TypeScript, DuckDB and Python', async () => {
    expect(transformSpecProblems('w', [SCORED])).toEqual([]);
    const ts = typescriptEngine(SCORED, records);
    expect(ts.rows).toEqual([
      ['1', '5', 'true', '-2.50'],
      ['2', '8', 'true', '-4.00'],
      ['3', '2', 'true', '-1.00'],
    ]);
    expect(ts.duplicates).toBe(3);
    expect(await duckdbEngine(SCORED, records)).toEqual(ts);
    expect(pythonEngine(SCORED, records)).toEqual(ts);
  });
});

describe("the checker's model of DuckDB's DECIMAL widths", () => {
  // The overflow check rests on these widths (DuckDB keeps a DECIMAL in 64 bits when both operands
  // fit 18 digits): if a DuckDB upgrade changes them, this fails before a batch does.
  const columns = new Map([
    ['b', columnExprType('BIGINT', 7)],
    ['d2', columnExprType('DECIMAL(10,2)')],
    ['d20', columnExprType('DECIMAL(20,3)')],
  ]);
  const sql: Record<string, string> = {
    b: 'CAST(1 AS BIGINT)',
    d2: 'CAST(1 AS DECIMAL(10,2))',
    d20: 'CAST(1 AS DECIMAL(20,3))',
  };
  const expressions = [
    'b * 0.01',
    'd2 + d2',
    'd2 * 2',
    'd2 - b',
    'd2 * 0.5',
    'b + 0.5',
    '1.5 + 2',
    'd2 * d20',
    'd20 + d2',
    '-d2',
    'round(d2 * 0.5, 1)',
    'CASE WHEN b > 1 THEN d2 ELSE b END',
    'coalesce(d2, 1.5)',
    'coalesce(b, d20)',
    'b * d2',
    '0.01 * 0.01',
    '100 * 0.01',
  ];

  it('is the type DuckDB gives each expression', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      for (const e of expressions) {
        const t = typeExpression(e, parseExpression(e), columns);
        const model = t.kind === 'DECIMAL' ? `DECIMAL(${t.duck},${t.scale})` : t.kind;
        const found = await conn.runAndReadAll(
          `SELECT typeof(${expressionSql(parseExpression(e), (n) => sql[n] as string)})`,
        );
        expect({ e, type: found.getRows()[0]?.[0] }).toEqual({ e, type: model });
      }
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});

const PAYMENTS_FILE = join(SHARED, 'data', 'jaffle-shop', 'raw_payments.csv');

/** jaffle-shop's raw payments (amount in integer cents) with `amount` in dollars beside the cents. */
const PAYMENTS: TransformSpec = {
  name: 'payments',
  rawColumns: ['id', 'order_id', 'payment_method', 'amount'],
  rules: [
    { name: 'field_count', kind: 'fieldCount', expected: 4 },
    { name: 'ids_are_integers', kind: 'integer', columns: ['id', 'order_id'], min: 1 },
    // Up to ten million dollars in cents: the bound lets cents * 0.01 fit DECIMAL(18,2).
    { name: 'amount_cents', kind: 'integer', columns: ['amount'], min: 0, max: 1_000_000_000 },
    {
      name: 'payment_method',
      kind: 'acceptedValues',
      column: 'payment_method',
      values: ['credit_card', 'coupon', 'bank_transfer', 'gift_card'],
    },
  ],
  schema: [
    { name: 'payment_id', type: 'BIGINT', raw: 'id' },
    { name: 'order_id', type: 'BIGINT' },
    { name: 'payment_method', type: 'VARCHAR' },
    { name: 'amount_cents', type: 'BIGINT', raw: 'amount' },
    { name: 'amount', type: 'DECIMAL(18,2)', derived: 'amount_cents * 0.01' },
    { name: 'source_object', type: 'VARCHAR', batch: 'sourceObject' },
  ],
  dedupeKey: ['payment_id'],
  dedupeOrder: [],
  partitionBy: [],
};

describe('jaffle-shop payments with amount in dollars', () => {
  const records = () =>
    readFileSync(PAYMENTS_FILE, 'utf8')
      .trim()
      .split(/\r?\n/)
      .map((l) => l.split(','));

  it('is a sound spec', () => {
    expect(transformSpecProblems('jaffle-shop', [PAYMENTS])).toEqual([]);
  });

  it('gives every payment its amount in exact dollars, alike in TypeScript, DuckDB and Python', async () => {
    const ts = typescriptEngine(PAYMENTS, records());
    expect(ts.read).toBe(113);
    expect(ts.rejected).toEqual([]);
    expect(ts.rows.find((r) => r[0] === '1')).toEqual([
      '1',
      '1',
      'credit_card',
      '1000',
      '10.00',
      'sample.csv',
    ]);
    expect(ts.rows.find((r) => r[0] === '3')).toEqual(['3', '3', 'coupon', '100', '1.00', 'sample.csv']);
    for (const r of ts.rows)
      expect(r[4]).toBe(
        `${(BigInt(r[3] as string) / 100n).toString()}.${(r[3] as string).padStart(3, '0').slice(-2)}`,
      );

    expect(await duckdbEngine(PAYMENTS, records())).toEqual(ts);
    expect(pythonEngine(PAYMENTS, records())).toEqual(ts);
  });
});
