/**
 * A CSV dialect (`{ kind: 'csv', delimiter, quote }`) is read alike by every engine: the text reader of
 * the Lambda transform and the ingest check (CsvRecordReader), the local transform's byte reader
 * (StrictCsvWriter → the strict CSV DuckDB reads) and the Glue script's reading
 * (glue/lakestep_rules.py read_records, with the dialect its spec's `format` carries) all give the
 * records of Python's `csv.reader(…, delimiter=D, quotechar=Q)` — on tricky texts (quoted delimiters,
 * doubled quotes, CR/LF inside quotes, characters after a closing quote, blank lines), every chunking,
 * and random texts over each dialect's alphabet.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  type CsvDialect,
  CsvRecordReader,
  csvDialectProblems,
  readCsvRecords,
} from '../handlers/core/csv-records';
import { writeRecordsInParallel } from '../local/parallel-records';
import { sqlString } from '../local/sql';
import { StrictCsvWriter } from '../local/strict-csv';
import { GLUE_PREAMBLE } from './helpers/glue-python';
import { tempDir } from './helpers/lake';
import { python } from './helpers/python';

const DIALECTS: readonly (CsvDialect & { readonly name: string })[] = [
  { name: 'semicolon', delimiter: ';', quote: "'" },
  { name: 'tab', delimiter: '\t', quote: "'" },
  { name: 'pipe', delimiter: '|', quote: "'" },
];

/** Tricky texts written with `D` for the delimiter and `Q` for the quote (the first record is the header). */
const TEXTS: readonly string[] = [
  'h1Dh2\r\naDb\r\ncDd\r\n',
  'hDh\naDb\ncDd',
  'hDh\nQaDbQDc\n', // a quoted delimiter
  'hDh\nQit QQisQQ hereQDQQ\n', // doubled quotes, an empty quoted field
  'hDh\naDQline\r\nbreak\rinsideQDc\r\n', // CR/LF inside quotes
  'hDh\nxDQtagsQ|QmoreQ|QendQDy\n', // characters after a closing quote stay in the field
  'hDh\nQqQxQyQDz\n',
  'hDh\n\n\r\n\nonlyDafterDblanks\n\n', // blank lines yield no record
  'hDh\nbare\rcrDsplits\r\n',
  'hDh\ntrailingDdelimiterD\r',
  'hDh\nunterminatedDQquote\nruns toD the end',
  'hDh\ncomma,and "double" quotes,are dataD"x"\n', // the excel dialect's characters are ordinary
  'hDh\na\r\r\nb\n',
  'hDh\nnon-asciiDQÜnïcødé ✓ देवनागरीQD🙂\n',
  '\ufeffhDbom\nkeptDasDdata\n',
  `hDh\n${Array.from({ length: 12 }, (_, i) => `f${i}`).join('D')}\n`,
  '',
  'Q',
];

const written = (text: string, d: CsvDialect) =>
  text.replace(/D/g, d.delimiter as string).replace(/Q/g, d.quote as string);

/** Python's csv module, the contract's reading: the plain reader and the Glue script's read_records. */
function pythonReadings(cases: readonly { text: string; dialect: CsvDialect }[]): {
  csvReader: string[][][];
  glue: string[][][];
} {
  const script = `${GLUE_PREAMBLE}
import csv, io
cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
print(json.dumps({
  "csvReader": [[r for r in csv.reader(io.StringIO(c["text"], newline=""), delimiter=c["dialect"]["delimiter"], quotechar=c["dialect"]["quote"]) if r] for c in cases],
  "glue": [rules.read_records(c["text"], *rules.csv_dialect({"format": {"kind": "csv", **c["dialect"]}})) for c in cases],
}))
`;
  return JSON.parse(python(script, [], JSON.stringify(cases)));
}

function readInChunks(text: string, size: number, dialect: CsvDialect): string[][] {
  const out: string[][] = [];
  const reader = new CsvRecordReader((r) => out.push(r), dialect);
  for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
  reader.end();
  return out;
}

const WIDTH = 16;

describe('a CSV dialect on every engine', () => {
  const { dir, cleanup } = tempDir('csv-dialect');
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  let n = 0;
  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:');
    conn = await db.connect();
  });
  afterAll(() => {
    conn.closeSync();
    db.closeSync();
    cleanup();
  });

  /** The local transform's reading: bytes → strict comma CSV → DuckDB's read_csv, as local/transform.ts does. */
  async function viaStrictCsv(text: string, dialect: CsvDialect, chunk: number): Promise<string[][]> {
    const bytes = Buffer.from(text, 'utf8');
    const parts: Buffer[] = [];
    const w = new StrictCsvWriter(WIDTH, (b) => parts.push(Buffer.from(b)), undefined, dialect);
    for (let i = 0; i < bytes.length; i += chunk) w.push(bytes.subarray(i, i + chunk));
    w.end();
    if (w.records === 0) return [];
    const file = join(dir, `r${n++}.csv`);
    writeFileSync(file, Buffer.concat(parts));
    const columns = [
      `'record_no': 'BIGINT'`,
      `'field_count': 'INTEGER'`,
      ...Array.from({ length: WIDTH }, (_, i) => `'c${i}': 'VARCHAR'`),
    ].join(', ');
    const r = await conn.runAndReadAll(
      `SELECT * FROM read_csv(${sqlString(file)}, auto_detect = false, header = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', allow_quoted_nulls = false, columns = {${columns}}) ORDER BY record_no`,
    );
    // Every record after the header, its fields up to its field count (WIDTH covers every text here).
    return r.getRows().map((row) => row.slice(2, 2 + Number(row[1])).map((v) => String(v ?? '')));
  }

  const cases = DIALECTS.flatMap((d) =>
    TEXTS.map((t) => ({ name: d.name, text: written(t, d), dialect: d })),
  );
  const dialectOf = (d: CsvDialect) => ({ delimiter: d.delimiter as string, quote: d.quote as string });
  const fromPython = pythonReadings(cases.map((c) => ({ text: c.text, dialect: dialectOf(c.dialect) })));

  it('the cases are tricky: the dialect changes how Python reads them', () => {
    const excel = pythonReadings(
      cases.map((c) => ({ text: c.text, dialect: { delimiter: ',', quote: '"' } })),
    );
    const differing = cases.filter(
      (_, i) => JSON.stringify(excel.csvReader[i]) !== JSON.stringify(fromPython.csvReader[i]),
    );
    expect(differing.length).toBeGreaterThan(cases.length / 2);
    expect(fromPython.csvReader.some((records) => records.some((r) => r.some((f) => /[\r\n]/.test(f))))).toBe(
      true,
    );
  });

  it.each(cases.map((c, i) => [c.name, c.text, i] as const))('%s %j', async (_, text, i) => {
    const { dialect } = cases[i] as (typeof cases)[number];
    const expected = fromPython.csvReader[i] as string[][];
    expect(fromPython.glue[i]).toEqual(expected);
    expect(readCsvRecords(text, dialect)).toEqual(expected);
    for (const size of [1, 2, 3, 7]) expect(readInChunks(text, size, dialect)).toEqual(expected);
    const body = readCsvRecords(text.replace(/^\uFEFF/, ''), dialect).slice(1);
    for (const size of [1, 3, 1 << 20]) expect(await viaStrictCsv(text, dialect, size)).toEqual(body);
  });

  it('matches Python on random texts over each dialect’s alphabet, odd dialects too', async () => {
    let seed = 11;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    // Odd but sound dialects too: a space, letters, the excel quote as the delimiter.
    const odd = [
      { name: 'space', delimiter: ' ', quote: '"' },
      { name: 'letters', delimiter: 'a', quote: 'b' },
      { name: 'swapped', delimiter: '"', quote: "'" },
    ];
    const random = [...DIALECTS, ...odd].flatMap((d) => {
      const alphabet = ['a', 'b', d.delimiter, d.quote, '\r', '\n', ',', '"', ' '] as string[];
      return Array.from({ length: 150 }, () => ({
        text: Array.from(
          { length: Math.floor(rand() * 30) },
          () => alphabet[Math.floor(rand() * alphabet.length)],
        ).join(''),
        dialect: dialectOf(d),
      }));
    });
    const expected = pythonReadings(random);
    for (const [i, { text, dialect }] of random.entries()) {
      expect([text, expected.glue[i]]).toEqual([text, expected.csvReader[i]]);
      expect([text, readCsvRecords(text, dialect)]).toEqual([text, expected.csvReader[i]]);
      expect([text, readInChunks(text, 3, dialect)]).toEqual([text, expected.csvReader[i]]);
      const body = (expected.csvReader[i] as string[][]).slice(1);
      expect([text, await viaStrictCsv(text, dialect, 5)]).toEqual([text, body]);
    }
  });

  it('the parallel byte reading of a large object (local/parallel-records.ts) reads in the dialect too', async () => {
    const d = { delimiter: ';', quote: "'" };
    const row = (i: number) =>
      i % 3 === 0 ? `${i};'quoted; with ''it'' and a\nline break';x,"y"\r\n` : `${i};plain;'q'after\n`;
    const text = `id;a;b\n${Array.from({ length: 60_000 }, (_, i) => row(i)).join('')}`;
    const file = join(dir, 'large.csv');
    writeFileSync(file, text);
    const readCsv = (files: string) =>
      `read_csv(${files}, auto_detect = false, header = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', allow_quoted_nulls = false, filename = true, columns = {${[
        `'record_no': 'BIGINT'`,
        `'field_count': 'INTEGER'`,
        ...Array.from({ length: WIDTH }, (_, i) => `'c${i}': 'VARCHAR'`),
      ].join(', ')}})`;
    const parts = await writeRecordsInParallel(file, statSync(file).size, WIDTH, join(dir, 'large'), 3, d);
    expect(parts?.used).toBe(3);
    const rows = await conn.runAndReadAll(
      `SELECT * FROM ${parts?.relation(readCsv, WIDTH)} ORDER BY record_no`,
    );
    const got = rows.getRows().map((r) => r.slice(2, 2 + Number(r[1])).map((v) => String(v ?? '')));
    const want = readCsvRecords(text, d).slice(1);
    expect(want[0]).toEqual(['0', "quoted; with 'it' and a\nline break", 'x,"y"']);
    expect(got.length).toBe(want.length);
    expect(got).toEqual(want);
  });

  it('the default dialect is the excel one, as before', () => {
    const text = 'a;"b,c";\'d\'\n';
    expect(readCsvRecords(text)).toEqual([['a;"b', "c\";'d'"]]);
    expect(readCsvRecords(text, {})).toEqual(readCsvRecords(text));
  });

  it.each([
    [{ delimiter: 'ab' }, 'delimiter is "ab": it must be one ASCII character'],
    [{ delimiter: '' }, 'delimiter is "": it must be one ASCII character'],
    [{ quote: '\n' }, 'quote is "\\n": it must be one ASCII character other than CR and LF'],
    [{ delimiter: '\r' }, 'delimiter is "\\r": it must be one ASCII character other than CR and LF'],
    [{ delimiter: '§' }, 'delimiter is "§": it must be one ASCII character'],
    [{ delimiter: ';', quote: ';' }, 'quote is ";", the same as delimiter'],
    [{ delimiter: '"' }, 'quote is "\\"", the same as delimiter'],
  ] as const)('refuses the dialect %j', (dialect, message) => {
    expect(csvDialectProblems(dialect).join('; ')).toContain(message);
    expect(() => new CsvRecordReader(() => {}, dialect)).toThrow(message);
    expect(() => new StrictCsvWriter(WIDTH, () => {}, undefined, dialect)).toThrow(message);
  });
});

describe('a bad dialect is a definition error', () => {
  const { assertWorkflow, workflowProblems } =
    require('../workflows/check-workflow') as typeof import('../workflows/check-workflow');
  const { JAFFLE_SHOP } =
    require('../workflows/jaffle-shop.workflow') as typeof import('../workflows/jaffle-shop.workflow');
  const withFormat = (format: object) => ({
    ...JAFFLE_SHOP,
    datasets: JAFFLE_SHOP.datasets.map((d) => (d.name === 'orders' ? { ...d, format: format as never } : d)),
  });

  it('accepts the jaffle-shop workflow with a sound dialect', () => {
    expect(workflowProblems(withFormat({ kind: 'csv', delimiter: '\t', quote: "'" }))).toEqual([]);
    expect(workflowProblems(withFormat({ kind: 'csv', delimiter: ';' }))).toEqual([]);
  });

  it.each([
    [
      { kind: 'csv', delimiter: 'ab' },
      'workflow jaffle-shop, dataset orders: format.delimiter is "ab": it must be one ASCII character other than CR and LF (e.g. ";" or "\\t")',
    ],
    [
      { kind: 'csv', quote: '\r' },
      'workflow jaffle-shop, dataset orders: format.quote is "\\r": it must be one ASCII character other than CR and LF (e.g. "\'")',
    ],
    [
      { kind: 'csv', delimiter: '«' },
      'workflow jaffle-shop, dataset orders: format.delimiter is "«": it must be one ASCII character other than CR and LF',
    ],
    [
      { kind: 'csv', delimiter: "'", quote: "'" },
      'workflow jaffle-shop, dataset orders: format.quote is "\'", the same as format.delimiter: they must differ (set format.quote to another character, e.g. "\\"")',
    ],
  ])('refuses %j, naming the workflow, the dataset, the field and the fix', (format, message) => {
    expect(workflowProblems(withFormat(format))).toEqual([expect.stringContaining(message)]);
    expect(() => assertWorkflow(withFormat(format))).toThrow(message);
  });

  it('is the check `npm run asl` and `cdk synth` run', () => {
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const { resolve } = require('node:path') as typeof import('node:path');
    for (const file of ['workflows/write-asl.ts', 'infra/pipeline-stack.ts'])
      expect(readFileSync(resolve(__dirname, '..', file), 'utf8')).toMatch(/assertWorkflow\(/);
  });
});

describe('the Glue script refuses a bad dialect in its spec', () => {
  it.each([
    [
      { kind: 'csv', delimiter: ';;' },
      'format.delimiter is ";;": it must be one ASCII character other than CR and LF',
    ],
    [
      { kind: 'csv', quote: '\n' },
      'format.quote is "\\n": it must be one ASCII character other than CR and LF',
    ],
    [
      { kind: 'csv', delimiter: '|', quote: '|' },
      'format.quote is "|", the same as format.delimiter: they must differ',
    ],
    ['csv', "'format' is 'csv', not an object with a 'kind'"],
  ])('%j', (format, message) => {
    const { JAFFLE_SHOP } =
      require('../workflows/jaffle-shop.workflow') as typeof import('../workflows/jaffle-shop.workflow');
    const orders = JAFFLE_SHOP.datasets.find((d) => d.name === 'orders');
    const script = `${GLUE_PREAMBLE}
try:
    rules.validate_spec(json.loads(sys.stdin.read()))
    print("accepted")
except rules.TransformSpecError as e:
    print(e)
`;
    expect(python(script, [], JSON.stringify({ ...orders?.transform, format }))).toContain(message);
  });
});

describe('the ingest header check reads the header in the dataset’s dialect', () => {
  const { validateCsvObject } =
    require('../handlers/core/validate-object') as typeof import('../handlers/core/validate-object');
  async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  const columns = ['id', 'na;me'];

  it('accepts a quoted header field holding the delimiter, after a BOM and blank lines, in any chunking', async () => {
    for (const size of [1, 2, 5, 1 << 16])
      expect(
        await validateCsvObject(chunked("\ufeff\r\n\nid;'na;me'\r\n1;x\r\n", size), columns, {
          delimiter: ';',
          quote: "'",
        }),
      ).toBeNull();
  });

  it('rejects a header in the excel dialect, naming the dialect and the header it expects', async () => {
    expect(
      await validateCsvObject(chunked('id,"na;me"\r\n1,x\r\n', 3), columns, { delimiter: ';', quote: "'" }),
    ).toEqual({
      reason: 'header_mismatch',
      detail:
        'its header has 2 columns, the contract has 2; missing: id, na;me; unexpected: "id,\\"na", "me\\"" (expected id;\'na;me\'); ' +
        'it was read as CSV with delimiter ";" and quote "\'", the dataset\'s format: write the file in that dialect, or declare the one it is written in',
    });
    const tab = await validateCsvObject(chunked('id;na\r\n', 3), ['id', 'na'], { delimiter: '\t' });
    expect(tab?.detail).toContain(
      '(expected id\\tna); it was read as CSV with delimiter "\\t" and quote "\\""',
    );
  });

  it('says nothing of the dialect for the excel one, as before', async () => {
    const problem = await validateCsvObject(chunked('id;na\r\n', 3), ['id', 'na']);
    expect(problem?.detail).toBe(
      'its header has 1 columns, the contract has 2; missing: id, na; unexpected: "id;na" (expected id,na)',
    );
  });
});
