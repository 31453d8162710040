/**
 * A workflow declared here with a `jsonLines` dataset and a `parquet` dataset runs locally end to end,
 * on the Lambda path and on the Glue path (DuckDB) alike: the cleansed tables hold the records' typed
 * values, a JSON line out of shape is quarantined with the rule `record_shape` and its text, the
 * analytics table is materialized, and a Parquet object lacking a raw column is rejected (`parquet_shape`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { LocalRuntime } from '../local/runtime';
import { workflowProblems } from '../workflows/check-workflow';
import type { Dataset } from '../workflows/datasets';
import { declareWorkflow } from '../workflows/pipeline-steps';
import { renderAslText } from '../workflows/render-asl';
import { withSmallObjectBytes } from '../workflows/small-objects';
import { query, tempDir } from './helpers/lake';
import { ALWAYS_GLUE, ALWAYS_LAMBDA } from './helpers/transform-paths';

const LINEAGE = [
  { name: 'source_object', type: 'VARCHAR', batch: 'sourceObject' },
  { name: 'ingested_at', type: 'TIMESTAMP', batch: 'ingestedAt' },
] as const;

const whole = (name: string, fileName: string) => ({
  fileName: new RegExp(`^${fileName.replace('.', '\\.')}$`),
  partition: 'all',
  landingPrefix: name,
  describe: fileName,
  examples: [fileName],
});

/** The test's batches quarantine on purpose more than the default 5%. */
const ZERO_ROWS_ONLY = [
  { name: 'zero_rows', severity: 'error', description: 'no row survives the row rules' },
] as const;

const EVENTS: Dataset = {
  name: 'events',
  format: {
    kind: 'jsonLines',
    fields: { id: { path: 'id', type: 'number', required: true }, who: 'user.name', amount: 'amount' },
  },
  route: whole('events', 'events.jsonl'),
  transform: {
    name: 'events',
    rawColumns: ['id', 'who', 'amount'],
    rules: [
      { name: 'id_integer', kind: 'integer', columns: ['id'] },
      { name: 'amount_decimal', kind: 'decimal', columns: ['amount'], precision: 18, scale: 2 },
    ],
    schema: [
      { name: 'id', type: 'BIGINT' },
      { name: 'who', type: 'VARCHAR' },
      { name: 'amount', type: 'DECIMAL(18,2)' },
      ...LINEAGE,
    ],
    dedupeKey: ['id'],
    dedupeOrder: [],
    partitionBy: ['region', 'source_file'],
  },
  batchRules: ZERO_ROWS_ONLY,
};

const PRICES: Dataset = {
  name: 'prices',
  format: { kind: 'parquet' },
  route: whole('prices', 'prices.parquet'),
  batchRules: ZERO_ROWS_ONLY,
  transform: {
    name: 'prices',
    rawColumns: ['sku', 'price', 'day', 'seen_at'],
    rules: [
      { name: 'price_decimal', kind: 'decimal', columns: ['price'], precision: 10, scale: 2 },
      { name: 'day_date', kind: 'date', column: 'day', format: '%Y-%m-%d' },
      { name: 'seen_at_instant', kind: 'isoInstant', column: 'seen_at' },
    ],
    schema: [
      { name: 'sku', type: 'VARCHAR' },
      { name: 'price', type: 'DECIMAL(10,2)' },
      { name: 'day', type: 'DATE', dateFormat: '%Y-%m-%d' },
      { name: 'seen_at', type: 'TIMESTAMP' },
      ...LINEAGE,
    ],
    dedupeKey: [],
    dedupeOrder: [],
    partitionBy: ['region', 'source_file'],
  },
};

const WORKFLOW = declareWorkflow({
  name: 'formats-demo',
  comment: 'A JSON Lines and a Parquet dataset.',
  datasets: [EVENTS, PRICES],
  materializations: [
    {
      name: 'spend',
      table: 'spend',
      description: 'Total amount per person',
      columns: [
        { name: 'who', type: 'VARCHAR' },
        { name: 'total', type: 'DECIMAL(38,2)' },
      ],
      key: ['who'],
      scope: 'table',
      select: 'SELECT who, CAST(sum(amount) AS DECIMAL(38,2)) AS total FROM ${cleansed}.events GROUP BY who',
    },
  ],
});

const LINES = [
  '{"id": 1, "user": {"name": "ann"}, "amount": 10.5}',
  '{"id": 2, "user": {"name": "bob"}, "amount": 0.1}',
  '',
  '{"id": 3, "user": {"name": "ann"}, "amount": 2}\r',
  '{"id": 4, "user": {"name": "bob"}, "amount": {"value": 1}}',
  'not json',
  '{"id": 5, "user": {"name": "cy"}, "amount": 1e-7}',
];

describe.each([
  ['the Lambda path', ALWAYS_LAMBDA],
  ['the Glue path (DuckDB)', ALWAYS_GLUE],
])('a jsonLines and a parquet dataset on %s', (_, smallObjectBytes) => {
  const { dir, cleanup } = tempDir('formats-workflow');
  afterAll(cleanup);
  const lake = join(dir, 'lake');
  const definitionFile = join(dir, 'formats-demo.asl.json');

  beforeAll(async () => {
    writeFileSync(definitionFile, renderAslText(withSmallObjectBytes(WORKFLOW, smallObjectBytes)));
    writeFileSync(join(dir, 'events.jsonl'), `${LINES.join('\n')}\n`);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const sql = (to: string, select: string) =>
      conn.run(`COPY (${select}) TO '${join(dir, to)}' (FORMAT parquet)`);
    await sql(
      'prices.parquet',
      `SELECT * FROM (VALUES ('a-1', 12.50::DECIMAL(10,2), DATE '2024-02-29', TIMESTAMP '2024-03-01 10:00:00.25'),
        ('b-2', NULL, DATE '2024-03-01', TIMESTAMP '2024-03-01 11:00:00'),
        ('c-3', 3.00::DECIMAL(10,2), DATE '2024-03-02', NULL)) t(sku, price, day, seen_at)`,
    );
    mkdirSync(join(dir, 'bad'));
    await sql('bad/prices.parquet', "SELECT 'a-1' AS sku, 1.5 AS price");
    conn.closeSync();
    db.closeSync();
  });

  it('is a definition npm run asl and cdk synth accept, and they refuse a rule named record_shape', () => {
    expect(workflowProblems(WORKFLOW)).toEqual([]);
    const clash = {
      ...EVENTS,
      transform: {
        ...EVENTS.transform,
        rules: [
          ...EVENTS.transform.rules,
          { name: 'record_shape', kind: 'notNull', columns: ['id'] } as const,
        ],
      },
    };
    expect(workflowProblems({ ...WORKFLOW, datasets: [clash, PRICES] })).toEqual([
      expect.stringMatching(
        /events.*rule record_shape: record_shape is the rule a jsonLines record out of shape is quarantined under: give the rule another name/,
      ),
    ]);
  });

  it('transforms both, quarantines the shape-broken lines, materializes, and rejects a bad Parquet object', async () => {
    const rt = await LocalRuntime.open({ workflow: WORKFLOW, lake, definitionFile, retryDelayMs: 0 });
    try {
      const events = await rt.landAndExecute(join(dir, 'events.jsonl'));
      const prices = await rt.landAndExecute(join(dir, 'prices.parquet'));
      expect([events.status, events.rows]).toEqual([
        'SUCCEEDED',
        { read: 6, cleansed: 3, quarantined: 3, duplicates: 0 },
      ]);
      // A null price is an empty field, which the decimal rule refuses; a null instant likewise.
      expect([prices.status, prices.rows]).toEqual([
        'SUCCEEDED',
        { read: 3, cleansed: 1, quarantined: 2, duplicates: 0 },
      ]);
      const transform = (await rt.store.tasks(events.name)).map((t) => t.statePath);
      expect(transform).toContain(
        smallObjectBytes === ALWAYS_GLUE ? 'Transform batch' : 'Transform small batch',
      );
      const bad = await rt.landAndExecute(join(dir, 'bad', 'prices.parquet'));
      expect([bad.outcome, bad.reason]).toEqual(['rejected', 'parquet_shape']);
      expect(bad.cause).toMatch(/prices\.parquet was rejected \(parquet_shape\): it has no column "day"/);
    } finally {
      rt.close();
    }
    expect(
      await query(lake, 'SELECT id, who, amount::VARCHAR AS amount FROM cleansed.events ORDER BY id'),
    ).toEqual([
      { id: 1, who: 'ann', amount: '10.50' },
      { id: 2, who: 'bob', amount: '0.10' },
      { id: 3, who: 'ann', amount: '2.00' },
    ]);
    expect(
      await query(
        lake,
        "SELECT sku, price::VARCHAR AS price, strftime(day, '%Y-%m-%d') AS day, strftime(seen_at, '%Y-%m-%dT%H:%M:%S.%f') AS seen_at FROM cleansed.prices",
      ),
    ).toEqual([{ sku: 'a-1', price: '12.50', day: '2024-02-29', seen_at: '2024-03-01T10:00:00.250000' }]);
    const quarantined = await query(
      lake,
      `SELECT record_no, rule, field_count, id, who FROM read_parquet('${join(lake, 'quarantine', 'rows', 'events', '**', '*.parquet')}') ORDER BY record_no`,
    );
    expect(quarantined).toEqual([
      { record_no: 4, rule: 'record_shape', field_count: 0, id: LINES[4], who: null },
      { record_no: 5, rule: 'record_shape', field_count: 0, id: 'not json', who: null },
      // 1e-7 is the text "1e-7", which the decimal rule refuses (it is not written in plain digits).
      { record_no: 6, rule: 'amount_decimal', field_count: 3, id: '5', who: 'cy' },
    ]);
    expect(
      await query(lake, 'SELECT who, total::VARCHAR AS total FROM analytics.spend ORDER BY who'),
    ).toEqual([
      { who: 'ann', total: '12.50' },
      { who: 'bob', total: '0.10' },
    ]);
    // The landed original is never modified.
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toBe(`${LINES.join('\n')}\n`);
  });
});
