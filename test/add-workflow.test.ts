/**
 * Adding a workflow edits nothing outside its own file: in a copy of the project, a throwaway
 * `workflows/throwaway.workflow.ts` is added, and `npm run asl` (which regenerates the registry and
 * renders its ASL), the CDK app (its own stack, cdk-nag on) and a local run all take it — the only
 * other files that change are the generated ones. The registry committed here is current.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registryText, workflowFiles } from '../workflows/write-registry';
import { ROOT, tempDir } from './helpers/lake';
import { changed, copyProject, tsx } from './helpers/project-copy';

const THROWAWAY = `import type { Dataset } from './datasets';
import { declareWorkflow } from './pipeline-steps';

const THINGS: Dataset = {
  name: 'things',
  format: { kind: 'csv' },
  route: {
    fileName: /^things_(?<partition>[a-z]{2})\\.csv$/,
    landingPrefix: 'things',
    describe: 'things_<cc>.csv',
    examples: ['things_us.csv'],
  },
  transform: {
    name: 'things',
    rawColumns: ['id', 'size'],
    rules: [
      { name: 'field_count', kind: 'fieldCount', expected: 2 },
      { name: 'numbers', kind: 'integer', columns: ['id', 'size'] },
    ],
    schema: [
      { name: 'region', type: 'VARCHAR', batch: 'region' },
      { name: 'id', type: 'BIGINT' },
      { name: 'size', type: 'BIGINT' },
      { name: 'source_object', type: 'VARCHAR', batch: 'sourceObject' },
    ],
    dedupeKey: ['region', 'id'],
    dedupeOrder: ['size'],
    partitionBy: ['region', 'source_file'],
  },
};

export default declareWorkflow({
  name: 'throwaway',
  comment: 'A workflow added in one file.',
  datasets: [THINGS],
  materializations: [
    {
      name: 'sizes',
      table: 'sizes',
      description: 'Total size per region',
      columns: [
        { name: 'region', type: 'VARCHAR' },
        { name: 'total', type: 'BIGINT' },
      ],
      key: ['region'],
      scope: { partition: 'region' },
      select: [
        'SELECT region, sum(size) AS total FROM \${cleansed}.things WHERE region = :region GROUP BY region',
      ].join('\\n'),
    },
  ],
});
`;

it('the committed registry lists every workflows/*.workflow.ts', () => {
  const dir = join(ROOT, 'workflows');
  expect(readFileSync(join(dir, 'registry.generated.ts'), 'utf8')).toBe(registryText(workflowFiles(dir)));
});

describe('adding a workflow in its own file', () => {
  const { dir, cleanup } = tempDir('add-workflow');
  afterAll(cleanup);
  const project = join(dir, 'project');

  beforeAll(() => {
    copyProject(project);
    writeFileSync(join(project, 'workflows', 'throwaway.workflow.ts'), THROWAWAY);
  });

  it('npm run asl renders its ASL; only generated files change beside it', () => {
    for (const script of ['workflows/write-registry.ts', 'workflows/write-asl.ts']) {
      const r = tsx(project, [script]);
      expect([script, r.status, r.stderr]).toEqual([script, 0, '']);
    }
    expect(changed(project)).toEqual([
      'asl/throwaway.asl.json',
      'workflows/registry.generated.ts',
      'workflows/throwaway.workflow.ts',
    ]);
  });

  it('the CDK app deploys it as a stack of its own, cdk-nag clean', () => {
    const out = join(dir, 'cdk.out');
    const r = tsx(project, ['infra/app.ts'], {
      CDK_OUTDIR: out,
      // What the cdk CLI passes the app: cdk.json's context (bundling skipped: it changes only hashes).
      CDK_CONTEXT_JSON: JSON.stringify({
        ...JSON.parse(readFileSync(join(project, 'cdk.json'), 'utf8')).context,
        'aws:cdk:bundling-stacks': [],
      }),
    });
    expect([r.status, r.stderr]).toEqual([0, expect.not.stringMatching(/Error|AwsSolutions/)]);
    const template = JSON.parse(readFileSync(join(out, 'lakestep-dev-throwaway.template.json'), 'utf8'));
    const machines = Object.values(template.Resources as Record<string, { Type: string }>).filter(
      (x) => x.Type === 'AWS::StepFunctions::StateMachine',
    );
    expect(machines).toHaveLength(1);
    expect(existsSync(join(out, 'lakestep-dev-pipeline.template.json'))).toBe(true);
  });

  it('runs locally with lakestep run --workflow throwaway', () => {
    const data = join(dir, 'things_us.csv');
    writeFileSync(data, 'id,size\n1,10\n2,32\n2,5\n');
    const lake = join(dir, 'lake');
    const run = spawnSync(
      process.execPath,
      [
        join(project, 'cli', 'bin.js'),
        'run',
        '--workflow',
        'throwaway',
        '--data',
        data,
        '--lake',
        lake,
        '--json',
      ],
      { cwd: project, encoding: 'utf8' },
    );
    expect([run.status, run.stderr]).toEqual([0, '']);
    const q = spawnSync(
      process.execPath,
      [
        join(project, 'cli', 'bin.js'),
        'query',
        '--lake',
        lake,
        '--json',
        'SELECT region, total FROM analytics.sizes',
      ],
      { cwd: project, encoding: 'utf8' },
    );
    expect(JSON.parse(q.stdout)).toEqual([{ region: 'us', total: 42 }]);
  });
});
