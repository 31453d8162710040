/**
 * The transform's fast load (local/transform.ts StrictCsvWriter → DuckDB read_csv) yields exactly the
 * records, field counts and field values of CsvRecordReader (itself proven equal to Python's csv), on
 * edge cases, random texts, chunkings down to one byte, and the real files. Born of the benchmark work:
 * the fast path must not change a single value.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { readCsvRecords } from '../handlers/core/csv-records';
import { sqlString } from '../local/sql';
import { StrictCsvWriter } from '../local/transform';
import { tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

const WIDTH = 16;

/** What the appender path loads: record_no, field_count, the first 16 fields (null when missing). */
function expected(text: string): unknown[][] {
  const records = readCsvRecords(text.replace(/^\uFEFF/, '')).slice(1);
  return records.map((r, i) => [i + 1, r.length, ...Array.from({ length: WIDTH }, (_, k) => r[k] ?? null)]);
}

describe('StrictCsvWriter + DuckDB read the records CsvRecordReader reads', () => {
  const { dir, cleanup } = tempDir('normalizer');
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

  async function viaDuckDb(bytes: Buffer, chunk: number): Promise<unknown[][]> {
    const parts: Buffer[] = [];
    const w = new StrictCsvWriter(WIDTH, (b) => parts.push(Buffer.from(b)));
    for (let i = 0; i < bytes.length; i += chunk) w.push(bytes.subarray(i, i + chunk));
    w.end();
    const file = join(dir, `r${n++}.csv`);
    writeFileSync(file, Buffer.concat(parts));
    if (w.records === 0) return [];
    const columns = [
      `'record_no': 'BIGINT'`,
      `'field_count': 'INTEGER'`,
      ...Array.from({ length: WIDTH }, (_, i) => `'c${i}': 'VARCHAR'`),
    ].join(', ');
    const r = await conn.runAndReadAll(
      `SELECT * FROM read_csv(${sqlString(file)}, auto_detect = false, header = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', allow_quoted_nulls = false, columns = {${columns}}) ORDER BY record_no`,
    );
    return r.getRows().map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
  }

  it.each([
    ['h\na,b\r\nc,d\r\n'],
    ['h\na,b\nc,d'],
    ['h\na,"b\r\nstill b",c\n'],
    ['h\nx,"tags"|"more"|"end",y\n'],
    ['h\nbare\rcr,splits\r\n'],
    ['h\n\n\r\n\nonly,after,blanks\n\n'],
    ['h\nunterminated,"quote\nruns to\r the end'],
    ['h\na,"",""""\n,,\n'],
    ['h\n"q"x"y",z\n'],
    ['h\ntrailing,comma,\r'],
    ['\ufeffh,bom\nkept,as,data\n'],
    ['\ufeff\nh\nthe BOM is no record,so h is the header\n'],
    ['\u00ef\nh\nnot a BOM\n'],
    [''],
    ['"'],
    ['h\na\r\r\nb\n'],
    [`h\n${Array.from({ length: 20 }, (_, i) => `f${i}`).join(',')}\n`],
    ['h\nnon-ascii,"Ünïcødé ✓ देवनागरी",🙂\n'],
  ])('%j', async (text) => {
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 7, 1 << 20]) expect(await viaDuckDb(bytes, size)).toEqual(expected(text));
  });

  it('matches on random texts of quotes, commas, CR and LF', async () => {
    const alphabet = ['a', 'é', ',', '"', '\r', '\n', '|', ' '];
    let seed = 11;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let t = 0; t < 200; t++) {
      const text = Array.from(
        { length: Math.floor(rand() * 40) },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      ).join('');
      const bytes = Buffer.from(text, 'utf8');
      expect([text, await viaDuckDb(bytes, 3)]).toEqual([text, expected(text)]);
      expect([text, await viaDuckDb(bytes, 1 << 20)]).toEqual([text, expected(text)]);
    }
  });

  it.each([
    'csv/USvideos.csv',
    'csv/CAvideos.csv',
    'csv/GBvideos.csv',
    'csv/INvideos.csv',
    'extra/USvideos__frogfreg_LF_normalized.csv',
    'extra/USvideos__v1_schema_2017-09_valkoz.csv',
    'extra/MXvideos__carrizal_15col_final_day.csv',
  ])('loads the real %s record for record', async (file) => {
    const bytes = readFileSync(join(REAL_DATA, file));
    expect(await viaDuckDb(bytes, 65536)).toEqual(expected(bytes.toString('utf8')));
  });
});
