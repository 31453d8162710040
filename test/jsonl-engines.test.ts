/**
 * The `jsonLines` format gives the same records on every engine of the transform path — the Lambda's
 * TypeScript, the local DuckDB transform and the Glue script's Python — over tricky lines: numbers as
 * JavaScript writes them (0.1, -0, 1e-7, 1e400), integers beyond 2^53 and nested values out of shape,
 * wrong types and missing values empty unless required, blank lines skipped, CRLF, lines that are not
 * JSON (NaN included) quarantined as `record_shape` with their text, multi-byte text split across chunks,
 * a line nested 5000 deep (JSON.parse has no limit; Python's parser is given the stack for it).
 */
import { readRecordsOf } from '../handlers/core/records-of';
import type { Dataset } from '../workflows/datasets';
import { pythonEngine, stagedEngine } from './helpers/format-engines';
import { tempDir } from './helpers/lake';

const EVENTS: Dataset = {
  name: 'events',
  format: {
    kind: 'jsonLines',
    fields: {
      id: { path: 'id', type: 'number', required: true },
      who: 'user.name',
      ok: { path: 'ok', type: 'boolean' },
    },
  },
  route: {
    fileName: /^events[^/]*\.jsonl$/,
    partition: 'all',
    landingPrefix: 'events',
    describe: 'events*.jsonl',
    examples: ['events.jsonl'],
  },
  transform: {
    name: 'events',
    rawColumns: ['id', 'who', 'ok', 'amount'],
    rules: [
      { name: 'id_integer', kind: 'integer', columns: ['id'] },
      { name: 'id_unique', kind: 'uniqueInBatch', columns: ['id'] },
    ],
    schema: [
      { name: 'id', type: 'BIGINT' },
      { name: 'who', type: 'VARCHAR' },
      { name: 'ok', type: 'BOOLEAN', booleans: { true: ['true'], false: ['false'] } },
      { name: 'amount', type: 'VARCHAR' },
      { name: 'source_object', type: 'VARCHAR', batch: 'sourceObject' },
    ],
    dedupeKey: [],
    dedupeOrder: [],
    partitionBy: ['region', 'source_file'],
  },
};

/** Each line and what it is (the records are numbered by non-blank line). */
const LINES: readonly (readonly [string, string])[] = [
  ['{"id": 1, "amount": 1e21}', 'record_shape: an integer beyond 2^53'],
  ['{"id": 2, "amount": 0.1, "user": {"name": "Zoë"}}', '0.1'],
  ['{"id": 3, "amount": -0}', '-0 is 0'],
  ['{"id": 4, "amount": 1e-7}', '1e-7'],
  ['{"id": 5, "amount": 9007199254740994}', 'record_shape: 2^53 + 2'],
  ['{"id": 6, "amount": {"a": 1}}', 'record_shape: nested'],
  ['{"id": 7, "amount": [1]}', 'record_shape: an array'],
  ['{"id": 8, "ok": "yes", "who": 5}', 'wrong types of optional fields are empty'],
  ['{"user": {"name": "x"}}', 'record_shape: the required id is missing'],
  ['{"id": "9"}', 'record_shape: the required id is a string'],
  ['', 'blank: skipped'],
  ['   \t', 'blank: skipped'],
  ['not json', 'record_shape: not JSON'],
  ['{"id": 10, "amount": 1.5}\r', 'CRLF'],
  ['{"id": NaN}', 'record_shape: NaN is not JSON'],
  ['[1, 2]', 'record_shape: not an object'],
  ['{"id": 11.5}', 'id_integer'],
  ['{"id": 2, "amount": 0.2}', 'id_unique'],
  ['{"id": 12, "amount": 1e400, "ok": false}', 'Infinity'],
  ['{"id": 13, "amount": "a \\"quoted\\", comma"}', 'CSV quoting of the strict CSV'],
  ['{"id": 14, "amount": "two\\nlines", "id": 15}', 'a newline in a string; a repeated key: the last wins'],
  ['{"id": 16, "amount": 123456.789, "who": null}', 'null is empty'],
  ['{"id": -17, "amount": 5e-324}', 'the smallest double'],
  [`{"id": 18, "deep": ${'['.repeat(5000)}${']'.repeat(5000)}}`, 'deep nesting is JSON (not at a field)'],
];

const TEXT = LINES.map(([l]) => l).join('\n'); // no final newline: the last line is still a record

describe('jsonLines on the three engines', () => {
  const { dir, cleanup } = tempDir('jsonl-engines');
  afterAll(cleanup);

  it('the TypeScript reader streams: records do not depend on how the text is chunked', async () => {
    const read = async (chunk: number) => {
      const bytes = Buffer.from(TEXT);
      const out: string[][] = [];
      await readRecordsOf(
        EVENTS.format,
        EVENTS.transform.rawColumns,
        {
          async *chunks() {
            for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
          },
          buffer: async () => new ArrayBuffer(0),
        },
        { record: (f) => out.push(f), broken: (rule, raw) => out.push([rule, ...raw]) },
        'test',
      );
      return out;
    };
    const whole = await read(1 << 20);
    expect(whole[0]).toEqual(EVENTS.transform.rawColumns);
    expect(whole).toHaveLength(1 + LINES.filter(([l]) => l.trim() !== '').length);
    expect(await read(3)).toEqual(whole);
    expect(await read(7)).toEqual(whole);
  });

  it('gives the same counts, rows and quarantined records on the Lambda, DuckDB and Python', async () => {
    const bytes = Buffer.from(TEXT);
    const lambda = await stagedEngine('lambda', dir, EVENTS, bytes);
    const duckdb = await stagedEngine('duckdb', dir, EVENTS, bytes);
    const py = pythonEngine(EVENTS, { text: TEXT });
    expect(lambda.counts).toEqual({
      read: 22,
      cleansed: 11,
      quarantined: 11,
      duplicates: 0,
      rules: { id_integer: 1, id_unique: 1, record_shape: 9 },
    });
    const src = 'landed/object';
    expect(lambda.rows).toEqual(
      [
        // A missing or null value is an empty field: '' as text (as an empty CSV field), NULL once typed.
        ['10', '', null, '1.5', src],
        ['12', '', 'false', 'Infinity', src],
        ['13', '', null, 'a "quoted", comma', src],
        ['15', '', null, 'two\nlines', src],
        ['16', '', null, '123456.789', src],
        ['2', 'Zoë', null, '0.1', src],
        ['3', '', null, '0', src],
        ['4', '', null, '1e-7', src],
        ['8', '', null, '', src],
        ['-17', '', null, '5e-324', src],
        ['18', '', null, '', src],
      ].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
    );
    // A broken line keeps its text (without the CR) in the first raw column, its field count 0.
    expect(
      lambda.rejected.filter((r) => r[1] === 'record_shape').map((r) => [r[0], r[2], r[4], r[5]]),
    ).toEqual([
      ['1', '0', '{"id": 1, "amount": 1e21}', null],
      ['5', '0', '{"id": 5, "amount": 9007199254740994}', null],
      ['6', '0', '{"id": 6, "amount": {"a": 1}}', null],
      ['7', '0', '{"id": 7, "amount": [1]}', null],
      ['9', '0', '{"user": {"name": "x"}}', null],
      ['10', '0', '{"id": "9"}', null],
      ['11', '0', 'not json', null],
      ['13', '0', '{"id": NaN}', null],
      ['14', '0', '[1, 2]', null],
    ]);
    expect(lambda.rejected.filter((r) => r[1] !== 'record_shape').map((r) => r.slice(0, 3))).toEqual([
      ['15', 'id_integer', '4'],
      ['16', 'id_unique', '4'],
    ]);
    expect(duckdb).toEqual(lambda);
    expect(py).toEqual(lambda);
  });

  it("reads a line longer than the CSV path's record bound on DuckDB as on the Lambda", async () => {
    const long = 'é'.repeat(1 << 20); // 2 MiB of UTF-8: above MAX_NORMALIZED_RECORD
    const text = `{"id": 1, "amount": "${long}"}\n{"id": 2, "amount": {"${long}": 1}}\n`;
    const [lambda, duckdb] = [
      await stagedEngine('lambda', dir, EVENTS, Buffer.from(text)),
      await stagedEngine('duckdb', dir, EVENTS, Buffer.from(text)),
    ];
    expect(lambda.counts).toEqual({
      read: 2,
      cleansed: 1,
      quarantined: 1,
      duplicates: 0,
      rules: { record_shape: 1 },
    });
    // Compared as booleans: a failure must not print megabytes.
    expect(lambda.rows[0]?.[3] === long).toBe(true);
    expect(lambda.rejected[0]?.[4] === `{"id": 2, "amount": {"${long}": 1}}`).toBe(true);
    expect(duckdb.counts).toEqual(lambda.counts);
    expect(duckdb.rows[0]?.[3] === long && duckdb.rejected[0]?.[4] === lambda.rejected[0]?.[4]).toBe(true);
  });
});
