/**
 * A dataset that is not YouTube's, transformed by each engine — the local DuckDB SQL, the small-object
 * Lambda's TypeScript and the Glue script's Python — gives the same cleansed rows, the same quarantined
 * records with the same rule names, and the same counts: jaffle-shop's raw orders (../shared/data), with
 * records appended that break each of its rules, including a later duplicate of an order id (and a
 * valid record whose id only a broken record had before it, which is kept).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { StatisticsTransform } from '../handlers/core/transform-statistics';
import { transformStatements } from '../local/transform-sql';
import { transformSpecProblems } from '../workflows/check-datasets';
import type { StatisticsSpec } from '../workflows/datasets';
import { GLUE_PREAMBLE } from './helpers/glue-python';
import { python, SHARED } from './helpers/python';

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
} as unknown as StatisticsSpec;

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

interface Outcome {
  rows: (string | null)[][];
  rejected: [number, string][];
  read: number;
  duplicates: number;
  rules: Record<string, number>;
}

const daysToIso = (days: number) => new Date(days * 86_400_000).toISOString().slice(0, 10);
const byOrderId = (a: (string | null)[], b: (string | null)[]) => Number(a[0]) - Number(b[0]);

describe('a jaffle-shop orders spec on every transform engine', () => {
  it('is a sound spec', () => {
    expect(transformSpecProblems('jaffle-shop', [ORDERS])).toEqual([]);
  });

  it('quarantines each broken record with its rule and keeps the first of a duplicated id, alike in TypeScript, DuckDB and Python', () => {
    const t = new StatisticsTransform(ORDERS, { region: '', sourceObject: 'raw_orders.csv', ingestedAt: 0n });
    for (const r of records()) t.push(r);
    const r = t.result();
    const ts: Outcome = {
      rows: r.rows
        .map((row) => row.map((v, i) => (v === null ? null : i === 2 ? daysToIso(Number(v)) : String(v))))
        .sort(byOrderId),
      rejected: r.rejected.map((x) => [x.recordNo, x.rule]),
      read: r.read,
      duplicates: r.duplicates,
      rules: r.rules,
    };
    expect(ts.rules).toEqual(EXPECTED_RULES);
    expect(ts.read).toBe(109);
    expect(ts.rows).toHaveLength(101);
    expect(ts.rows.find((x) => x[0] === '104')).toEqual([
      '104',
      '1',
      '2018-04-10',
      'shipped',
      'raw_orders.csv',
    ]);
    expect(ts.rows.find((x) => x[0] === '7')).toEqual([
      '7',
      '88',
      '2018-01-09',
      'completed',
      'raw_orders.csv',
    ]);
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
    return Promise.all([duckdb(), Promise.resolve(py())]).then(([db, pyOut]) => {
      expect(db).toEqual(ts);
      expect(pyOut).toEqual(ts);
    });
  });
});

async function duckdb(): Promise<Outcome> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const recs = records().slice(1);
    await conn.run(
      'CREATE TABLE raw (record_no BIGINT, field_count BIGINT, c0 VARCHAR, c1 VARCHAR, c2 VARCHAR, c3 VARCHAR)',
    );
    for (const [i, r] of recs.entries())
      await conn.run('INSERT INTO raw VALUES ($1, $2, $3, $4, $5, $6)', [
        i + 1,
        r.length,
        ...[0, 1, 2, 3].map((k) => r[k] ?? null),
      ] as never);
    const s = transformStatements(ORDERS, 'raw');
    await conn.run(s.checked);
    await conn.run(s.losers);
    const kept = await conn.runAndReadAll(
      `SELECT order_id::VARCHAR, customer_id::VARCHAR, order_date::VARCHAR, status, source_object FROM (${s.kept})`,
      { source_object: 'raw_orders.csv' },
    );
    const rejected = await conn.runAndReadAll(
      `SELECT record_no, rule FROM (${s.rejected('raw_orders.csv')})`,
    );
    const rules: Record<string, number> = {};
    const rej = rejected.getRows().map((row) => [Number(row[0]), String(row[1])] as [number, string]);
    for (const [, rule] of rej) rules[rule] = (rules[rule] ?? 0) + 1;
    const rows = kept
      .getRows()
      .map((row) => row.map((v) => (v === null ? null : String(v))))
      .sort(byOrderId);
    return {
      rows,
      rejected: rej,
      read: recs.length,
      duplicates: recs.length - rej.length - rows.length,
      rules,
    };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function py(): Outcome {
  const text = `${records()
    .map((r) => r.join(','))
    .join('\n')}\n`;
  const script = `${GLUE_PREAMBLE}
payload = json.loads(sys.stdin.read())
r = rules.transform(payload["text"], payload["spec"], region="", source_object="raw_orders.csv", ingested_at="2026-01-01T00:00:00Z")
print(json.dumps({
    "rows": [[cell(v) for v in row] for row in r.rows],
    "rejected": [[x[0], x[1]] for x in r.rejected],
    "read": r.read, "duplicates": r.duplicates, "rules": r.rules,
}))
`;
  const out = JSON.parse(python(script, [], JSON.stringify({ text, spec: ORDERS }))) as Outcome;
  return { ...out, rows: out.rows.sort(byOrderId) };
}
