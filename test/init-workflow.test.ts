/**
 * `lakestep init NAME --sample FILE…` on data nobody here made: in a copy of the project, the file it
 * writes for two jaffle-shop samples is lint-clean, passes `npm run asl`'s definition checks, and runs
 * with `lakestep run --workflow NAME`, every row cleansed; bad names and samples are clear usage errors.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

  it('refuses to overwrite a workflow, and a name or samples it cannot use', () => {
    const again = node(project, ['init', 'shop', '--sample', join(DATA, 'raw_orders.csv')]);
    expect([again.status, again.stderr]).toEqual([2, expect.stringContaining('shop.workflow.ts exists')]);
    const missing = node(project, ['init', 'other', '--sample', join(dir, 'nope.csv')]);
    expect([missing.status, missing.stderr]).toEqual([2, expect.stringContaining('cannot read the sample')]);
    expect(() => initWorkflowSource('My Shop', [])).toThrow('workflow name "My Shop"');
    expect(() =>
      initWorkflowSource('x', [
        { fileName: 'a-b.csv', records: [['id'], ['1']] },
        { fileName: 'a_b.csv', records: [['id'], ['1']] },
      ]),
    ).toThrow('samples a-b.csv and a_b.csv give one dataset name "a_b"');
    expect(datasetNameOf('2024 Orders.CSV')).toBe('d_2024_orders');
  });
});
