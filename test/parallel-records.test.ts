/**
 * The lenient reading split over worker threads (local/parallel-records.ts) yields exactly the records
 * of the one-thread reading — record numbers, field counts, fields — wherever the split points fall:
 * in quoted line breaks, in damaged quotes, in CR-only files, in a quoted field that looks like CSV
 * lines; on the real files the guessed starts meet the real reading, so the parts are really used.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { readCsvRecords } from '../handlers/core/csv-records';
import { writeRecordsInParallel } from '../local/parallel-records';
import { tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

const WIDTH = 16;

function expected(text: string): unknown[][] {
  const records = readCsvRecords(text.replace(/^\uFEFF/, '')).slice(1);
  return records.map((r, i) => [i + 1, r.length, ...Array.from({ length: WIDTH }, (_, k) => r[k] ?? null)]);
}

describe('the parallel lenient reading equals the one-thread reading', () => {
  const { dir, cleanup } = tempDir('parallel-records');
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

  const readCsv = (files: string) => {
    const columns = [
      `'record_no': 'BIGINT'`,
      `'field_count': 'INTEGER'`,
      ...Array.from({ length: WIDTH }, (_, i) => `'c${i}': 'VARCHAR'`),
    ].join(', ');
    return `read_csv(${files}, auto_detect = false, header = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', allow_quoted_nulls = false, filename = true, columns = {${columns}})`;
  };

  /** Rows of the parallel reading in `parts` parts, and how many parts were used. */
  async function parallel(path: string, parts: number): Promise<{ rows: unknown[][]; used: number } | null> {
    const r = await writeRecordsInParallel(path, statSync(path).size, WIDTH, join(dir, `p${n++}`), parts);
    if (!r) return null;
    const rows = await conn.runAndReadAll(`SELECT * FROM ${r.relation(readCsv, WIDTH)} ORDER BY record_no`);
    return {
      rows: rows.getRows().map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v))),
      used: r.used,
    };
  }

  function write(text: string): string {
    const file = join(dir, `in${n++}.csv`);
    writeFileSync(file, text);
    return file;
  }

  it.each(['csv/USvideos.csv', 'csv/GBvideos.csv', 'extra/MXvideos__carrizal_15col_final_day.csv'])(
    'reads the real %s record for record, in 2, 3 and 4 parts',
    async (file) => {
      const path = join(REAL_DATA, file);
      const want = expected(readFileSync(path, 'utf8'));
      for (const parts of [2, 3, 4]) {
        const got = await parallel(path, parts);
        expect(got?.used).toBe(parts);
        expect(got?.rows).toEqual(want);
      }
    },
    120_000,
  );

  it('agrees on random objects of quoted line breaks, stray quotes, CR and CRLF', async () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pieces = ['a', 'é', ' ', ',', '"', '""', '\n', '\r', '\r\n', '|', 'x"y'];
    const field = () => {
      const body = Array.from(
        { length: Math.floor(rand() * 6) },
        () => pieces[Math.floor(rand() * pieces.length)],
      ).join('');
      return rand() < 0.4
        ? `"${body.replace(/"/g, '""')}"`
        : rand() < 0.8
          ? body.replace(/[",\r\n]/g, '')
          : body;
    };
    for (let t = 0; t < 30; t++) {
      const eol = ['\n', '\r\n', '\r'][t % 3] as string;
      const lines = Array.from({ length: 50 + Math.floor(rand() * 400) }, () =>
        Array.from({ length: rand() < 0.9 ? WIDTH : Math.floor(rand() * 20) }, field).join(','),
      );
      const text = `${t % 5 === 0 ? '\ufeff' : ''}h${eol}${lines.join(eol)}${rand() < 0.5 ? eol : ''}`;
      const path = write(text);
      for (const parts of [2, 3]) {
        const got = await parallel(path, parts);
        if (got) expect([t, parts, got.rows]).toEqual([t, parts, expected(text)]);
      }
    }
  }, 120_000);

  it('a split inside a quoted field that looks like CSV lines still reads exactly (the guess may fail, never the rows)', async () => {
    const fake = Array.from({ length: 2000 }, (_, i) =>
      Array.from({ length: WIDTH }, (_, k) => `f${i}.${k}`).join(','),
    ).join('\n');
    const real = Array.from({ length: 300 }, (_, i) =>
      Array.from({ length: WIDTH }, (_, k) => `r${i}.${k}`).join(','),
    );
    const text = `h\n${real.join('\n')}\n"${fake}",x\n${real.join('\n')}\n`;
    const path = write(text);
    const want = expected(text);
    // Two parts: the real reading itself proves the guess. More: two wrong guesses may agree with each
    // other before the real reading reaches them; that is detected and the object read in one instead.
    expect((await parallel(path, 2))?.rows).toEqual(want);
    for (const parts of [3, 4]) {
      const got = await parallel(path, parts);
      if (got) expect(got.rows).toEqual(want);
    }
  }, 60_000);

  it('will not split an object with no line break near a split point', async () => {
    expect(await parallel(write(`h\n${'a'.repeat(5000)}`), 2)).toBeNull();
  });
});
