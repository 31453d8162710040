/**
 * The `parquet` format: a file DuckDB writes with every supported type (several row groups, nulls,
 * dictionary-encoded text) gives the same text fields, typed rows and counts on the Lambda (hyparquet),
 * the local DuckDB transform and the Glue script's Python (`parquet_value_text` over the values Spark
 * reads, built here from DuckDB's dump: no Spark or pyarrow runs here) — integers beyond 2^53 exact,
 * decimals exact at their scale, floats as JavaScript writes them, timestamps as ISO-8601 instants; and
 * the ingest check rejects an object that is not Parquet, or whose raw columns Lambda and Glue cannot
 * read alike, with `parquet_shape` and a message naming the column and the fix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { checkObjectFormat } from '../handlers/core/format-check';
import type { Dataset } from '../workflows/datasets';
import { pythonEngine, stagedEngine } from './helpers/format-engines';
import { tempDir } from './helpers/lake';

const RAW = [
  'i8',
  'i32',
  'i64',
  'u32',
  'u64',
  'f32',
  'f64',
  'flag',
  'txt',
  'd2',
  'd38',
  'day',
  'ts',
  'tstz',
  'tsms',
];

/** A row of every type, then generated ones (three row groups), then a row of nulls. */
const SELECT = `SELECT * FROM (VALUES
  (1::TINYINT, (-2147483648)::INTEGER, 9007199254740993::BIGINT, 4294967295::UINTEGER, 18446744073709551615::UBIGINT,
   0.1::FLOAT, 1e21::DOUBLE, true, 'Zoë "q", c', 12.50::DECIMAL(4,2), -123456789012345678901234567890.12345678::DECIMAL(38,8),
   DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMPTZ '2024-01-02 03:04:05+00', TIMESTAMP_MS '1969-12-31 23:59:59.5'),
  ((-1)::TINYINT, 0, (-9223372036854775808)::BIGINT, 0, 0, -0.0::FLOAT, 1e-7, false, '', -0.05, 0, DATE '0001-01-01',
   TIMESTAMP '1970-01-01 00:00:00', TIMESTAMPTZ '2000-06-30 23:59:59.999999+00', TIMESTAMP_MS '2024-01-01 00:00:00.001')
) t(${RAW.join(', ')})
UNION ALL SELECT (i % 100)::TINYINT, i::INTEGER, i * 1000003, i::UINTEGER, i::UBIGINT, (i / 7)::FLOAT, i / 3,
  i % 2 = 0, 'k' || (i % 5), ((i % 100) / 4)::DECIMAL(4,2), (i / 8)::DECIMAL(38,8), DATE '2020-01-01' + i::INTEGER,
  TIMESTAMP '2020-01-01' + to_microseconds(i * 1001), TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_seconds(i),
  TIMESTAMP_MS '2020-01-01' + to_milliseconds(i) FROM range(5000) r(i)
UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`;

const ALL_TYPES: Dataset = {
  name: 'all_types',
  format: { kind: 'parquet' },
  route: {
    fileName: /^all_types\.parquet$/,
    partition: 'all',
    landingPrefix: 'all_types',
    describe: 'all_types.parquet',
    examples: ['all_types.parquet'],
  },
  transform: {
    name: 'all_types',
    rawColumns: RAW,
    rules: [
      { name: 'd38_fits', kind: 'decimal', columns: ['d38'], precision: 38, scale: 8 },
      { name: 'ts_instant', kind: 'isoInstant', column: 'ts' },
    ],
    schema: [
      ...RAW.map((name) => ({ name: `${name}_text`, type: 'VARCHAR' as const, raw: name })),
      { name: 'i64', type: 'BIGINT' },
      { name: 'd38', type: 'DECIMAL(38,8)' },
      { name: 'day', type: 'DATE', dateFormat: '%Y-%m-%d' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'flag', type: 'BOOLEAN', booleans: { true: ['true'], false: ['false'] } },
    ],
    dedupeKey: [],
    dedupeOrder: [],
    partitionBy: ['region', 'source_file'],
  },
};

/** Builds the values Spark's collect() gives (int, float, Decimal, date, datetime, bool, str) from DuckDB's dump. */
const SPARK_VALUES = `
def value(t, v):
    if v is None: return None
    if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"): return int(v)
    if t in ("FLOAT", "DOUBLE"): return float(v)
    if t.startswith("DECIMAL"): return decimal.Decimal(v)
    if t == "BOOLEAN": return v == "true"
    if t == "DATE": return datetime.date.fromisoformat(v)
    if t == "TIMESTAMP": return datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=int(v))
    if t == "TIMESTAMP WITH TIME ZONE": return EPOCH + datetime.timedelta(microseconds=int(v))
    return v
source = [[value(t, v) for t, v in row] for row in payload["data"]]
`;

describe('the parquet format', () => {
  const { dir, cleanup } = tempDir('parquet-format');
  const file = (name: string) => join(dir, name);
  let db: DuckDBInstance;
  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:');
  });
  afterAll(() => {
    db.closeSync();
    cleanup();
  });
  const run = async (sql: string) => {
    const conn = await db.connect();
    try {
      return (await conn.runAndReadAll(sql)).getRows();
    } finally {
      conn.closeSync();
    }
  };
  const write = async (name: string, select: string, options = '') => {
    await run(`COPY (${select}) TO '${file(name)}' (FORMAT parquet, ROW_GROUP_SIZE 2048${options})`);
    return new Uint8Array(readFileSync(file(name)));
  };

  it('every supported type has the same text and typed value on the Lambda, DuckDB and Python', async () => {
    const bytes = await write('all.parquet', SELECT);
    expect(
      Number(
        (
          await run(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${file('all.parquet')}')`)
        )[0]?.[0],
      ),
    ).toBe(3);
    const types = new Map(
      (await run(`DESCRIBE SELECT * FROM read_parquet('${file('all.parquet')}')`)).map((r) => [
        r[0],
        String(r[1]),
      ]),
    );
    const dump = await run(
      `SELECT [${RAW.map((c) => {
        const t = types.get(c) as string;
        const text = t === 'FLOAT' ? `${c}::DOUBLE` : t.startsWith('TIMESTAMP') ? `epoch_us(${c})` : c;
        return `['${t}', ${text}::VARCHAR]`;
      }).join(', ')}] FROM read_parquet('${file('all.parquet')}')`,
    );
    const data = dump.map((r) =>
      (r[0] as { items: { items: (string | null)[] }[] }).items.map((x) => x.items),
    );
    const lambda = await stagedEngine('lambda', dir, ALL_TYPES, bytes);
    const duckdb = await stagedEngine('duckdb', dir, ALL_TYPES, bytes);
    const py = pythonEngine(ALL_TYPES, { pythonRows: SPARK_VALUES, data });
    expect(lambda.counts).toEqual({
      read: 5003,
      cleansed: 5002,
      quarantined: 1,
      duplicates: 0,
      rules: { d38_fits: 1 },
    });
    const texts = (row: (string | null)[]) => Object.fromEntries(RAW.map((c, i) => [c, row[i]]));
    const first = lambda.rows.find((r) => r[0] === '1' && r[1] === '-2147483648') as (string | null)[];
    expect(texts(first)).toEqual({
      i8: '1',
      i32: '-2147483648',
      i64: '9007199254740993',
      u32: '4294967295',
      u64: '18446744073709551615',
      f32: '0.10000000149011612', // the float's own value, as Spark widens it to a double
      f64: '1e+21',
      flag: 'true',
      txt: 'Zoë "q", c',
      d2: '12.50',
      d38: '-123456789012345678901234567890.12345678',
      day: '2024-02-29',
      ts: '2024-01-02T03:04:05.123456Z',
      tstz: '2024-01-02T03:04:05Z',
      tsms: '1969-12-31T23:59:59.500000Z',
    });
    // The typed columns: BIGINT exact, DECIMAL exact, DATE, TIMESTAMP (epoch micros), BOOLEAN.
    expect(first.slice(RAW.length)).toEqual([
      '9007199254740993',
      '-123456789012345678901234567890.12345678',
      '2024-02-29',
      '1704164645123456',
      'true',
    ]);
    const second = lambda.rows.find((r) => r[0] === '-1') as (string | null)[];
    expect([second[5], second[6], second[9], second[11], second[12], second[13]]).toEqual([
      '0',
      '1e-7',
      '-0.05',
      '0001-01-01',
      '1970-01-01T00:00:00Z',
      '2000-06-30T23:59:59.999999Z',
    ]);
    // The row of nulls: every field empty, so the decimal rule (the first) quarantines it.
    expect(lambda.rejected.map((r) => [r[1], ...r.slice(4)])).toEqual([['d38_fits', ...RAW.map(() => '')]]);
    expect(duckdb).toEqual(lambda);
    expect(py).toEqual(lambda);
  });

  describe('the ingest check', () => {
    const DATASET: Dataset = {
      ...ALL_TYPES,
      transform: { ...ALL_TYPES.transform, rawColumns: ['id', 'v'] },
    };
    const check = async (bytes: Uint8Array, dataset = DATASET) =>
      checkObjectFormat(
        (async function* () {
          for (let i = 0; i < bytes.length; i += 100) yield bytes.subarray(i, i + 100);
        })(),
        dataset,
      );

    it('accepts a Parquet file with every raw column', async () => {
      expect(await check(await write('ok.parquet', 'SELECT 1 AS id, 2.5 AS v, 3 AS extra'))).toBeNull();
    });

    it.each([
      ['a CSV text', async () => new TextEncoder().encode('id,v\n1,2\n'), /not a Parquet file/],
      [
        'a truncated file',
        async () => (await write('cut.parquet', 'SELECT 1 AS id, 2 AS v')).subarray(0, 60),
        /not a Parquet file|truncated/,
      ],
      ['a missing column', () => write('m.parquet', 'SELECT 1 AS id'), /no column "v" \(its columns: id\)/],
      ['a nested column', () => write('n.parquet', "SELECT 1 AS id, {'a': 1} AS v"), /column "v" is nested/],
      ['a list column', () => write('l.parquet', 'SELECT 1 AS id, [1, 2] AS v'), /column "v" is nested/],
      [
        'a binary column',
        () => write('b.parquet', "SELECT 1 AS id, '\\xAA'::BLOB AS v"),
        /column "v" is binary/,
      ],
      [
        'a TIME column',
        () => write('t.parquet', "SELECT 1 AS id, TIME '12:00' AS v"),
        /column "v" is a TIME/,
      ],
      [
        'nanosecond timestamps',
        () => write('ns.parquet', "SELECT 1 AS id, TIMESTAMP_NS '2024-01-01' AS v"),
        /column "v" is a TIMESTAMP in nanoseconds/,
      ],
      [
        'a ZSTD column',
        () => write('z.parquet', 'SELECT 1 AS id, 2 AS v', ', COMPRESSION zstd'),
        /compressed with ZSTD: write it with SNAPPY/,
      ],
    ])('rejects %s as parquet_shape, naming the column and the fix', async (_, bytes, message) => {
      const problem = await check(await bytes());
      expect(problem).toEqual({ reason: 'parquet_shape', detail: expect.stringMatching(message) });
    });

    it('a JSON Lines object must be UTF-8 as a whole', async () => {
      const jsonl: Dataset = { ...DATASET, format: { kind: 'jsonLines' } };
      expect(await check(new TextEncoder().encode('{"id": 1}\nnot json at all\n'), jsonl)).toBeNull();
      const bad = new Uint8Array([...new TextEncoder().encode('{"id": 1}\n'.repeat(30)), 0xff, 0x0a]);
      expect(await check(bad, jsonl)).toEqual({
        reason: 'encoding',
        detail: expect.stringMatching(/not UTF-8 \(invalid UTF-8 between bytes 300 and 302\)/),
      });
    });
  });
});
