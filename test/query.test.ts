/**
 * `lakestep query` of any size: every format holds the same rows and values as --json, the terminal
 * table's cap and alignment, SHOW TABLES / DESCRIBE, clear errors, and rows that stream with bounded
 * memory (a child process's peak RSS while it writes a result far larger than that).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openForQuery, streamQuery } from '../local/query';
import { runChild } from './bench/measure';
import { cli, query, ROOT, runFiles, tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

const ALL_STATISTICS =
  'SELECT * FROM cleansed.statistics ORDER BY video_id, trending_date, publish_time, title';

describe('lakestep query', () => {
  const { dir, cleanup } = tempDir('query');
  afterAll(cleanup);
  const lake = join(dir, 'lake');
  const q = (...args: string[]) => cli(['query', '--lake', lake, ...args]);
  let expected: Record<string, unknown>[];

  beforeAll(async () => {
    await runFiles(lake, [
      join(REAL_DATA, 'json', 'GB_category_id.json'),
      join(REAL_DATA, 'csv', 'GBvideos.csv'),
    ]);
    const out = await q('--json', ALL_STATISTICS);
    expect(out.code).toBe(0);
    expected = JSON.parse(out.stdout);
    expect(expected.length).toBeGreaterThan(500);
  }, 120_000);

  /** The exported file read back by DuckDB with the query's own column types, converted as --json is. */
  async function readBack(file: string, format: 'csv' | 'parquet'): Promise<Record<string, unknown>[]> {
    if (format === 'parquet') return query(lake, `SELECT * FROM read_parquet('${file}')`);
    const described = await query(lake, `DESCRIBE ${ALL_STATISTICS}`);
    const columns = described.map((c) => `'${c.column_name}': '${c.column_type}'`).join(', ');
    return query(
      lake,
      `SELECT * FROM read_csv('${file}', header = true, auto_detect = false, allow_quoted_nulls = false, columns = {${columns}})`,
    );
  }

  it('--format json is --json, byte for byte', async () => {
    const json = await q('--json', ALL_STATISTICS);
    const format = await q('--format', 'json', ALL_STATISTICS);
    expect(format.stdout).toBe(json.stdout);
    expect(json.stdout.endsWith(']\n')).toBe(true);
  });

  it('jsonl, to stdout and to a file, holds the rows of --json in order', async () => {
    const out = await q('--format', 'jsonl', ALL_STATISTICS);
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(expected);
    const file = join(dir, 'all.jsonl');
    const written = await q('--format', 'jsonl', '--out', file, ALL_STATISTICS);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe('');
    expect(written.stderr).toContain(`wrote ${expected.length.toLocaleString('en')} rows to ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(out.stdout);
    const jsonFile = join(dir, 'all.json');
    expect((await q('--format', 'json', '--out', jsonFile, ALL_STATISTICS)).code).toBe(0);
    expect(JSON.parse(readFileSync(jsonFile, 'utf8'))).toEqual(expected);
  });

  it.each(['csv', 'parquet'] as const)(
    '%s --out (DuckDB COPY) holds the rows of --json in order',
    async (format) => {
      const file = join(dir, `all.${format}`);
      const out = await q('--format', format, '--out', file, ALL_STATISTICS);
      expect(out.code).toBe(0);
      expect(out.stderr).toContain(`wrote ${expected.length.toLocaleString('en')} rows`);
      expect(await readBack(file, format)).toEqual(expected);
      expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    },
  );

  it('csv to stdout equals csv --out', async () => {
    const file = join(dir, 'stdout-check.csv');
    await q('--format', 'csv', '--out', file, ALL_STATISTICS);
    const out = await q('--format', 'csv', ALL_STATISTICS);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(readFileSync(file, 'utf8'));
  });

  it('DECIMALs are numbers while exact and strings beyond (jsonl and json alike)', async () => {
    const sql =
      'SELECT 42::DECIMAL(38,0) AS small, 9007199254740993::DECIMAL(38,0) AS big, -9007199254740991::DECIMAL(38,0) AS edge, ' +
      '1.25::DECIMAL(10,2) AS cents, 0.1234567890123456789::DECIMAL(38,19) AS fine, NULL::DECIMAL(38,0) AS none';
    const want = {
      small: 42,
      big: '9007199254740993',
      edge: -9007199254740991,
      cents: 1.25,
      fine: '0.1234567890123456789',
      none: null,
    };
    expect(JSON.parse((await q('--json', sql)).stdout)).toEqual([want]);
    expect(JSON.parse((await q('--format', 'jsonl', sql)).stdout)).toEqual(want);
  });

  it('prints a table: numbers right-aligned, a row cap and how to get everything', async () => {
    const out = await q(
      '--max-rows',
      '2',
      "SELECT * FROM (VALUES (7, 'a'), (12345, 'bb'), (3, 'c')) t(n, s)",
    );
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual(['    n  s', '─────  ──', '    7  a', '12345  bb']);
    expect(lines[4]).toMatch(
      /first 2 rows shown; more not read — every row: --format csv\|jsonl\|parquet --out FILE/,
    );
    const all = await q('SELECT * FROM range(3)');
    expect(all.stdout).toContain('(3 rows)');
  });

  it('SHOW TABLES lists the catalog; DESCRIBE a table its columns', async () => {
    const tables = JSON.parse((await q('--json', 'SHOW TABLES')).stdout);
    expect(tables.map((t: { table: string }) => t.table).sort()).toEqual([
      'analytics.category_daily',
      'cleansed.categories',
      'cleansed.statistics',
    ]);
    expect(tables.find((t: { table: string }) => t.table === 'cleansed.statistics')).toMatchObject({
      kind: 'view',
      columns: 18,
    });
    const bare = JSON.parse((await q('--json', 'describe statistics;')).stdout);
    const qualified = JSON.parse((await q('--json', 'DESCRIBE cleansed.statistics')).stdout);
    expect(bare).toEqual(qualified);
    expect(bare.slice(0, 2)).toEqual([
      { column: 'region', type: 'VARCHAR' },
      { column: 'video_id', type: 'VARCHAR' },
    ]);
    const table = await q('SHOW TABLES');
    expect(table.stdout).toMatch(/analytics\.category_daily\s+table\s+9/);
  });

  it.each([
    [['--format', 'xml', 'SELECT 1'], 2, /unknown --format "xml"; one of table, json, jsonl, csv, parquet/],
    [['--format', 'parquet', 'SELECT 1'], 2, /parquet is binary: pass --out FILE/],
    [['--json', '--format', 'csv', 'SELECT 1'], 2, /--json means --format json/],
    [['--out', 'x.json', 'SELECT 1'], 2, /--out needs a file format/],
    [['--max-rows', '0', 'SELECT 1'], 2, /--max-rows must be a positive integer/],
    [['SELECT * FROM nope'], 1, /Table with name nope does not exist/],
    [['SELEC 1'], 1, /syntax error at or near "SELEC"/],
    [['DESCRIBE nope'], 1, /no table nope in the catalog; tables: .*cleansed\.statistics/],
  ])('refuses %j clearly', async (args, code, message) => {
    const out = await q(...(args as string[]));
    expect(out.code).toBe(code);
    expect(out.stderr).toMatch(message as RegExp);
  });

  it('--out into a missing directory names the directory; a failed export leaves no file', async () => {
    const missing = await q('--format', 'csv', '--out', join(dir, 'no', 'such', 'x.csv'), 'SELECT 1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`the directory ${join(dir, 'no', 'such')} does not exist`);
    const file = join(dir, 'failed.parquet');
    const failed = await q('--format', 'parquet', '--out', file, 'SELECT * FROM nope');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/Table with name nope does not exist!/);
    expect(failed.stderr).not.toMatch(/COPY/);
    expect(existsSync(file)).toBe(false);
    const failedJson = await q(
      '--format',
      'jsonl',
      '--out',
      join(dir, 'failed.jsonl'),
      "SELECT 'x'::INTEGER",
    );
    expect(failedJson.code).toBe(1);
    expect(readdirSync(dir).filter((f) => f.startsWith('failed'))).toEqual([]);
  });

  it('hands rows over a chunk at a time and reads no further than asked', async () => {
    const wh = await openForQuery(lake);
    try {
      const sizes: number[] = [];
      const read = await streamQuery(
        wh,
        'SELECT * FROM range(100000)',
        () => {},
        (rows) => {
          sizes.push(rows.length);
          return sizes.length < 3;
        },
      );
      expect(sizes).toHaveLength(3);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(2048);
      expect(read).toBeLessThan(100_000);
    } finally {
      wh.close();
    }
  });

  it('streams a result far larger than its memory (peak RSS bounded)', () => {
    // 2M rows: held as row objects (as the query used to) they take well over 1 GB; streamed, the
    // process stays near its empty size (~150 MB: Node, tsx, DuckDB).
    const file = join(dir, 'large.jsonl');
    const run = runChild(join(ROOT, 'test', 'bench', 'cli-child.ts'), [
      'query',
      '--lake',
      lake,
      '--format',
      'jsonl',
      '--out',
      file,
      "SELECT i, 'row ' || i::VARCHAR || repeat('x', 60) AS label, DATE '2018-01-01' + (i % 365)::INTEGER AS d FROM range(2000000) t(i)",
    ]);
    expect(run.maxRssMb).toBeLessThan(400);
    const bytes = readFileSync(file);
    let lines = 0;
    for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) lines++;
    expect(lines).toBe(2_000_000);
    const last = bytes.subarray(bytes.lastIndexOf(10, bytes.length - 2) + 1).toString('utf8');
    expect(JSON.parse(last)).toEqual({
      i: 1_999_999,
      label: `row 1999999${'x'.repeat(60)}`,
      d: '2018-06-14',
    });
  }, 180_000);
});
