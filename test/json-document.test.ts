/**
 * A `json` document dataset, end to end: jaffle-shop's payments declared as one JSON document (records
 * at a nested path, fields at nested paths) are transformed by the ingest step itself — no transform
 * state runs — into the same cleansed rows as the CSV, a record out of shape or breaking a rule
 * quarantined with its rule; with `onBadRecord: 'reject'` the same document is rejected whole. And
 * the pure parts: the records path, a record's fields, the text of each JSON value.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { documentRecords } from '../handlers/core/ingest-document';
import { fieldLocations, jsonRecordFields, jsonScalarText } from '../handlers/core/json-records';
import { LocalRuntime } from '../local/runtime';
import { workflowProblems } from '../workflows/check-workflow';
import type { Dataset, DatasetFormat } from '../workflows/datasets';
import { JAFFLE_SHOP } from '../workflows/jaffle-shop.workflow';
import { declareWorkflow } from '../workflows/pipeline-steps';
import { renderAslText } from '../workflows/render-asl';
import type { Workflow } from '../workflows/types';
import { query, tempDir } from './helpers/lake';

const DATA = resolve(__dirname, '..', '..', 'shared', 'data', 'jaffle-shop');

const FORMAT: DatasetFormat = {
  kind: 'json',
  records: 'data.payments',
  fields: {
    id: { path: 'id', type: 'number', required: true },
    order_id: 'order.id',
    payment_method: { path: 'method', type: 'string' },
    amount: 'amount.cents',
  },
};

/** jaffle-shop with its payments as a JSON document (`raw_payments.json`), its steps derived anew. */
function withJsonPayments(format: DatasetFormat): Workflow {
  const { name, comment, materializations, monitoring, sources } = JAFFLE_SHOP;
  return declareWorkflow({
    name,
    comment,
    materializations,
    monitoring,
    sources,
    datasets: JAFFLE_SHOP.datasets.map(
      (d): Dataset =>
        d.name === 'payments'
          ? {
              ...d,
              format,
              route: {
                ...d.route,
                fileName: /^raw_payments\.json$/,
                describe: 'raw_payments.json',
                examples: ['raw_payments.json'],
              },
              transform: { ...d.transform, rules: d.transform.rules.filter((r) => r.kind !== 'fieldCount') },
              batchRules: [
                { name: 'zero_rows', severity: 'error', description: 'no row survives the row rules' },
              ],
            }
          : d,
    ),
  });
}

/** The real payments as the CSV has them, and as JSON records of the declared shape. */
const PAYMENTS = readFileSync(join(DATA, 'raw_payments.csv'), 'utf8')
  .split(/\r?\n/)
  .filter(Boolean)
  .slice(1)
  .map((l) => l.split(','))
  .map(([id, order, method, cents]) => ({
    id: Number(id),
    order: Number(order),
    method,
    cents: Number(cents),
  }));

const BROKEN = [
  'not a record', // out of shape: not an object
  { id: 900, order: { id: 1 }, method: 'coupon', amount: { cents: { value: 1 } } }, // a nested amount
  { order: { id: 1 }, method: 'coupon', amount: { cents: 5 } }, // the required id is missing
  { id: 901, order: { id: 1 }, method: 'cash', amount: { cents: 5 } }, // breaks payment_method
];

const DOCUMENT = {
  data: {
    payments: [
      ...PAYMENTS.map((p) => ({
        id: p.id,
        order: { id: p.order },
        method: p.method,
        amount: { cents: p.cents },
      })),
      ...BROKEN,
    ],
  },
};

describe('a json document dataset on the local runtime', () => {
  const { dir, cleanup } = tempDir('json-document');
  afterAll(cleanup);
  const file = join(dir, 'raw_payments.json');
  writeFileSync(file, JSON.stringify(DOCUMENT, null, 1));

  async function run(format: DatasetFormat, lake: string) {
    const workflow = withJsonPayments(format);
    expect(workflowProblems(workflow)).toEqual([]);
    const definitionFile = join(dir, `${lake}.asl.json`);
    writeFileSync(definitionFile, renderAslText(workflow));
    const rt = await LocalRuntime.open({ workflow, lake: join(dir, lake), retryDelayMs: 0, definitionFile });
    try {
      return await rt.landAndExecute(file);
    } finally {
      rt.close();
    }
  }

  it('is transformed by the ingest step into the CSV rows; bad records are quarantined with their rule', async () => {
    const r = await run(FORMAT, 'quarantine');
    expect([r.status, r.outcome, r.rows, r.cause]).toEqual([
      'SUCCEEDED',
      'succeeded',
      { read: PAYMENTS.length + 4, cleansed: PAYMENTS.length, quarantined: 4, duplicates: 0 },
      null,
    ]);
    expect(r.states.map((s) => s.name).filter((n) => /transform/i.test(n))).toEqual([]);
    const lake = join(dir, 'quarantine');
    expect(
      await query(
        lake,
        'SELECT id, order_id, payment_method, amount_cents, amount::VARCHAR AS amount FROM cleansed.payments ORDER BY id',
      ),
    ).toEqual(
      PAYMENTS.map((p) => ({
        id: p.id,
        order_id: p.order,
        payment_method: p.method,
        amount_cents: p.cents,
        amount: `${Math.floor(p.cents / 100)}.${String(p.cents % 100).padStart(2, '0')}`,
      })),
    );
    const rows = join(lake, 'quarantine', 'rows', 'payments', '**', '*.parquet').replaceAll("'", "''");
    expect(
      await query(lake, `SELECT rule, id, payment_method FROM read_parquet('${rows}') ORDER BY record_no`),
    ).toEqual([
      { rule: 'record_shape', id: '"not a record"', payment_method: null },
      { rule: 'record_shape', id: JSON.stringify(BROKEN[1]), payment_method: null },
      { rule: 'record_shape', id: JSON.stringify(BROKEN[2]), payment_method: null },
      { rule: 'payment_method', id: '901', payment_method: 'cash' },
    ]);
  });

  it("with onBadRecord 'reject' rejects the document whole, naming the record and the problem", async () => {
    const r = await run({ ...FORMAT, onBadRecord: 'reject' }, 'reject');
    expect([r.outcome, r.reason]).toEqual(['rejected', 'reference_shape']);
    expect(r.cause).toContain('(reference_shape): data.payments[');
    expect(r.cause).toContain(`[${PAYMENTS.length}]: it is the string "not a record", not a JSON object`);
  });
});

describe('a JSON document and its records', () => {
  it('finds the records at a dot path, or says what is missing', () => {
    expect(documentRecords('{"a":{"b":[1]}}', 'a.b')).toEqual([1]);
    expect(documentRecords('[{"x":1}]', '')).toEqual([{ x: 1 }]);
    expect(documentRecords('{"a":{}}', 'a.b')).toEqual({
      reason: 'reference_shape',
      detail: 'it has no "a.b" list',
    });
    expect(documentRecords('{"a":1}', '')).toEqual({
      reason: 'reference_shape',
      detail: 'it is not a JSON array of records',
    });
    expect(documentRecords('{"a":NaN}', 'a')).toMatchObject({
      reason: 'reference_shape',
      detail: expect.stringContaining('it is not JSON'),
    });
  });

  it("turns a record into its raw columns' text: JavaScript's number text, booleans, empty for missing", () => {
    const at = fieldLocations(['a', 'b', 'c', 'd'], { b: 'x.y', c: { path: 'c', type: 'boolean' } });
    expect(jsonRecordFields({ a: 12.5, x: { y: 'text' }, c: true }, at)).toEqual({
      fields: ['12.5', 'text', 'true', ''],
    });
    expect(jsonRecordFields({ a: null, x: 1, c: 'yes' }, at)).toEqual({ fields: ['', '', '', ''] }); // c: not a boolean
    expect(jsonRecordFields({ a: [1] }, at)).toEqual({
      problem: 'its "a" is an array: name a path into it (e.g. "a.b")',
    });
    expect(jsonRecordFields(7, at)).toEqual({ problem: 'it is the number 7, not a JSON object' });
    const required = fieldLocations(['id'], { id: { path: 'id', type: 'string', required: true } });
    expect(jsonRecordFields({ id: 10 }, required)).toEqual({
      problem: 'it has no "id" that is a JSON string (the number 10)',
    });
    expect(jsonRecordFields({}, required)).toEqual({
      problem: 'it has no "id" that is a JSON string (it has none)',
    });
  });

  it.each([
    [1.5e-300, '1.5e-300'],
    [0.1, '0.1'],
    [-0, '0'],
    [1e-7, '1e-7'],
    [0.000001, '0.000001'],
    [2 ** 53, '9007199254740992'],
    [false, 'false'],
    ['', ''],
  ])('gives %p the text %p', (value, text) => {
    expect(jsonScalarText(value)).toBe(text);
  });

  it('puts an integer beyond 2^53 out of shape: JSON readers do not all keep it exact', () => {
    expect(jsonScalarText(2 ** 53 + 2)).toEqual({
      problem: expect.stringContaining('write it as a JSON string'),
    });
  });
});

describe('definition-time checks of a format', () => {
  const payments = JAFFLE_SHOP.datasets.find((d) => d.name === 'payments') as Dataset;
  const problems = (d: Partial<Dataset>) =>
    workflowProblems({
      ...JAFFLE_SHOP,
      datasets: JAFFLE_SHOP.datasets.map((x) => (x === payments ? { ...x, ...d } : x)),
    });

  it('refuses a format that is not one lakestep reads', () => {
    expect(problems({ format: 'csv' as unknown as DatasetFormat })).toEqual([
      expect.stringContaining(
        `workflow jaffle-shop, dataset payments: format is "csv": it must be one of { kind: 'csv' }`,
      ),
    ]);
  });

  it('refuses a fieldCount rule, a field for no raw column, a bad path and a bad type in a JSON format', () => {
    const found = problems({
      format: { kind: 'jsonLines', fields: { idd: 'id', amount: { path: 'a..b', type: 'int' as 'number' } } },
    });
    expect(found).toEqual([
      expect.stringContaining("format.kind is 'jsonLines', but rule field_count is a fieldCount"),
      expect.stringContaining('format.fields.idd: "idd" is not a raw column'),
      expect.stringContaining('format.fields.amount: the path "a..b" is not a dot path'),
      expect.stringContaining('format.fields.amount: type is "int"'),
    ]);
  });

  it('refuses a records path that is not a dot path', () => {
    const transform = {
      ...payments.transform,
      rules: payments.transform.rules.filter((r) => r.kind !== 'fieldCount'),
    };
    expect(problems({ format: { kind: 'json', records: '.items' }, transform })).toEqual([
      expect.stringContaining('format.records is ".items": it must be a dot path'),
    ]);
  });
});
