/**
 * What `lakestep init` will propose from a sample: jaffle-shop's three raw tables (../shared/data, data
 * nobody here made) are typed column by column, the rules that guard the types are in the spec, and the
 * rules the sample only suggests are proposed apart; every engine then transforms each sample under
 * the inferred spec with nothing quarantined and the same typed rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsvRecords } from '../handlers/core/csv-records';
import { inferDataset } from '../local/infer-dataset';
import { transformSpecProblems } from '../workflows/check-datasets';
import { SHARED } from './helpers/python';
import { duckdbEngine, pythonEngine, typescriptEngine } from './helpers/transform-engines';

const JAFFLE = join(SHARED, 'data', 'jaffle-shop');
const sample = (file: string) => readCsvRecords(readFileSync(join(JAFFLE, file), 'utf8'));

describe('a dataset inferred from a sample', () => {
  it('types jaffle-shop orders: integer ids, an ISO date, a status from five values', () => {
    const { spec, proposed, notes } = inferDataset('orders', sample('raw_orders.csv'));
    expect(spec.schema.map((c) => [c.name, c.type, c.dateFormat ?? null])).toEqual([
      ['id', 'BIGINT', null],
      ['user_id', 'BIGINT', null],
      ['order_date', 'DATE', '%Y-%m-%d'],
      ['status', 'VARCHAR', null],
      ['source_object', 'VARCHAR', null],
    ]);
    expect(spec.rules).toEqual([
      { name: 'field_count', kind: 'fieldCount', expected: 4 },
      { name: 'id_integer', kind: 'integer', columns: ['id'] },
      { name: 'user_id_integer', kind: 'integer', columns: ['user_id'] },
      { name: 'order_date_date', kind: 'date', column: 'order_date', format: '%Y-%m-%d' },
    ]);
    expect(proposed).toEqual(
      expect.arrayContaining([
        { name: 'id_unique', kind: 'uniqueInBatch', columns: ['id'] },
        {
          name: 'status_accepted',
          kind: 'acceptedValues',
          column: 'status',
          values: ['completed', 'placed', 'return_pending', 'returned', 'shipped'],
        },
      ]),
    );
    expect(proposed.map((r) => r.name)).not.toContain('user_id_unique'); // customers order more than once
    expect(notes.order_date).toBe('all 99 values are dates in %Y-%m-%d');
    expect(transformSpecProblems('jaffle-shop', [spec])).toEqual([]);
  });

  it('types payments (amounts in integer cents) and customers (names stay text)', () => {
    const payments = inferDataset('payments', sample('raw_payments.csv'));
    expect(payments.spec.schema.map((c) => c.type)).toEqual([
      'BIGINT',
      'BIGINT',
      'VARCHAR',
      'BIGINT',
      'VARCHAR',
    ]);
    expect(payments.proposed).toContainEqual({
      name: 'payment_method_accepted',
      kind: 'acceptedValues',
      column: 'payment_method',
      values: ['bank_transfer', 'coupon', 'credit_card', 'gift_card'],
    });
    const customers = inferDataset('customers', sample('raw_customers.csv'));
    expect(customers.spec.schema.map((c) => c.type)).toEqual(['BIGINT', 'VARCHAR', 'VARCHAR', 'VARCHAR']);
    expect(customers.proposed).toContainEqual({ name: 'id_unique', kind: 'uniqueInBatch', columns: ['id'] });
  });

  it.each(['raw_customers.csv', 'raw_orders.csv', 'raw_payments.csv'])(
    '%s transforms under its inferred spec with nothing quarantined, alike on every engine',
    async (file) => {
      const records = sample(file);
      const { spec } = inferDataset(file, records);
      const ts = typescriptEngine(spec, records);
      expect(ts.rejected).toEqual([]);
      expect(ts.rows).toHaveLength(records.length - 1);
      expect(await duckdbEngine(spec, records)).toEqual(ts);
      expect(pythonEngine(spec, records)).toEqual(ts);
    },
  );

  it('keeps a column with empty values as text, types booleans by their spelling, and refuses a bad header', () => {
    const { spec } = inferDataset('t', [
      ['n', 'flag', 'when'],
      ['1', 'True', '2020-01-01T00:00:00Z'],
      ['', 'False', '2020-01-02T00:00:00.5Z'],
      ['3', '', '2020-01-03T00:00:00Z'],
    ]);
    expect(spec.schema.slice(0, 3)).toEqual([
      { name: 'n', type: 'VARCHAR' },
      { name: 'flag', type: 'BOOLEAN', booleans: { true: ['True'], false: ['False'] } },
      { name: 'when', type: 'TIMESTAMP' },
    ]);
    expect(() =>
      inferDataset('t', [
        ['a', 'a'],
        ['1', '2'],
      ]),
    ).toThrow('sample of t: the header names "a" twice');
    expect(() => inferDataset('t', [['a']])).toThrow('it has a header but no rows');
    expect(() => inferDataset('t', [])).toThrow('it has no header record');
  });
});
