/**
 * `lakestep init NAME --sample FILE…` on data nobody here made: in a copy of the project, the file it
 * writes for two jaffle-shop samples is lint-clean, passes `npm run asl`'s definition checks, and runs
 * with `lakestep run --workflow NAME`, every row cleansed; bad names and samples are clear usage errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { datasetNameOf, initWorkflowSource } from '../local/init-workflow';
import { ROOT, tempDir } from './helpers/lake';
import { copyProject, tsx } from './helpers/project-copy';

const DATA = resolve(ROOT, '..', 'shared', 'data', 'jaffle-shop');
const node = (cwd: string, args: string[]) =>
  spawnSync(process.execPath, [join(cwd, 'cli', 'bin.js'), ...args], { cwd, encoding: 'utf8' });

describe('lakestep init', () => {
  const { dir, cleanup } = tempDir('init');
  afterAll(cleanup);
  const project = join(dir, 'project');
  beforeAll(() => copyProject(project));

  it('writes a workflow that lints, renders and runs on the samples it was inferred from', () => {
    const samples = ['raw_orders.csv', 'raw_payments.csv'].flatMap((f) => ['--sample', join(DATA, f)]);
    const init = node(project, ['init', 'shop', ...samples]);
    expect([init.status, init.stderr]).toEqual([0, '']);
    const file = join(project, 'workflows', 'shop.workflow.ts');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('fileName: /^raw_orders\\.csv$/,');
    expect(text).toContain("{ name: 'order_date', type: 'DATE', dateFormat: '%Y-%m-%d' }");
    expect(text).toContain("// { name: 'payment_method_accepted', kind: 'acceptedValues'");
    const lint = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'check', file],
      {
        cwd: project,
        encoding: 'utf8',
      },
    );
    expect([lint.status, lint.stdout + lint.stderr]).toEqual([0, expect.anything()]);
    for (const script of ['workflows/write-registry.ts', 'workflows/write-asl.ts']) {
      const r = tsx(project, [script]);
      expect([script, r.status, r.stderr]).toEqual([script, 0, '']);
    }
    const lake = join(dir, 'lake');
    const run = node(project, ['run', '--workflow', 'shop', '--data', DATA, '--lake', lake, '--json']);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { tables: { name: string; rows: number }[] };
    expect(report.tables).toEqual([
      { name: 'cleansed.raw_orders', rows: 99 },
      { name: 'cleansed.raw_payments', rows: 113 },
      { name: 'analytics.dataset_rows', rows: 2 },
    ]);
  });

  it('reads JSON Lines (nested values as dot paths), a JSON document, a ;-delimited CSV and Parquet, and the workflow runs on them', async () => {
    const data = join(dir, 'formats');
    mkdirSync(data, { recursive: true });
    const [head, ...lines] = readFileSync(join(DATA, 'raw_payments.csv'), 'utf8').trim().split(/\r?\n/);
    expect(head).toBe('id,order_id,payment_method,amount');
    const payments = lines.map((l) => l.split(','));
    writeFileSync(
      join(data, 'payments.jsonl'),
      payments
        .map(([id, order, method, cents]) =>
          JSON.stringify({ id: Number(id), order: { id: Number(order) }, method, cents: Number(cents) }),
        )
        .join('\n'),
    );
    writeFileSync(
      join(data, 'methods.json'),
      JSON.stringify({
        meta: { n: 2 },
        data: {
          rows: [
            { method: 'coupon', online: true },
            { method: 'gift_card', online: false },
          ],
        },
      }),
    );
    const customers = readFileSync(join(DATA, 'raw_customers.csv'), 'utf8').replaceAll(',', ';');
    writeFileSync(join(data, 'customers.csv'), customers);
    // Parquet as DuckDB writes it (SNAPPY; id and user_id BIGINT, order_date DATE).
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT * FROM read_csv('${join(DATA, 'raw_orders.csv')}')) TO '${join(data, 'orders.parquet')}' (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    const samples = ['payments.jsonl', 'methods.json', 'customers.csv', 'orders.parquet'].flatMap((f) => [
      '--sample',
      join(data, f),
    ]);
    const init = node(project, ['init', 'formats', ...samples]);
    expect([init.status, init.stderr]).toEqual([0, '']);
    const text = readFileSync(join(project, 'workflows', 'formats.workflow.ts'), 'utf8');
    expect(text).toContain("format: { kind: 'jsonLines', fields: { order_id: 'order.id' } },");
    expect(text).toContain("format: { kind: 'json', records: 'data.rows' },");
    expect(text).toContain("format: { kind: 'csv', delimiter: ';' },");
    expect(text).toContain("format: { kind: 'parquet' },");
    expect(text).toContain("{ name: 'order_date', type: 'DATE', dateFormat: '%Y-%m-%d' }");
    expect(text).toContain(
      "{ name: 'online', type: 'BOOLEAN', booleans: { true: ['true'], false: ['false'] } }",
    );
    for (const script of ['workflows/write-registry.ts', 'workflows/write-asl.ts']) {
      const r = tsx(project, [script]);
      expect([script, r.status, r.stderr]).toEqual([script, 0, '']);
    }
    const run = node(project, [
      'run',
      '--workflow',
      'formats',
      '--data',
      data,
      '--lake',
      join(dir, 'formats-lake'),
      '--json',
    ]);
    expect([run.status, run.stderr]).toEqual([0, expect.anything()]);
    const report = JSON.parse(run.stdout) as { tables: { name: string; rows: number }[] };
    // In the workflow's dataset order: the samples' order.
    expect(report.tables).toEqual([
      { name: 'cleansed.payments', rows: payments.length },
      { name: 'cleansed.methods', rows: 2 },
      { name: 'cleansed.customers', rows: 100 },
      { name: 'cleansed.orders', rows: 99 },
      { name: 'analytics.dataset_rows', rows: 4 },
    ]);
  });

  it('refuses to overwrite a workflow, and a name or samples it cannot use', () => {
    const again = node(project, ['init', 'shop', '--sample', join(DATA, 'raw_orders.csv')]);
    expect([again.status, again.stderr]).toEqual([2, expect.stringContaining('shop.workflow.ts exists')]);
    const missing = node(project, ['init', 'other', '--sample', join(dir, 'nope.csv')]);
    expect([missing.status, missing.stderr]).toEqual([2, expect.stringContaining('cannot read the sample')]);
    expect(() => initWorkflowSource('My Shop', [])).toThrow('workflow name "My Shop"');
    expect(() =>
      initWorkflowSource('x', [
        { fileName: 'a-b.csv', format: { kind: 'csv' }, records: [['id'], ['1']] },
        { fileName: 'a_b.csv', format: { kind: 'csv' }, records: [['id'], ['1']] },
      ]),
    ).toThrow('samples a-b.csv and a_b.csv give one dataset name "a_b"');
    expect(datasetNameOf('2024 Orders.CSV')).toBe('d_2024_orders');
  });
});
