/**
 * States that used to be mislabelled or left behind: a corrupt warehouse.duckdb is called corrupt (not
 * "in use"), named, and can be rebuilt as the message says; read-only commands (status, query, replay
 * --dry-run, inspect) write nothing to the lake; temporary files of a killed process are removed at the
 * next start of a command that owns the lake, and a live process's are kept.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Warehouse } from '../local/catalog';
import type { ExecutionRecord } from '../local/execution-store';
import type { ExecutionSummary } from '../local/execution-summary';
import { startInspector } from '../local/inspector/server';
import { lakePaths } from '../local/lake';
import { sampleInputs } from './helpers/browser';
import { CATEGORY_DAILY_SQL, cli, query, runFiles, tempDir } from './helpers/lake';

/** The pid of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid as number;

/** Every file of a tree with its size and mtime: what "wrote nothing" is checked against. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        out[`${path}/`] = 'dir';
        walk(path);
      } else {
        const s = statSync(path);
        out[path] = `${s.size}:${s.mtimeMs}`;
      }
    }
  };
  walk(root);
  return out;
}

describe('lake hygiene', () => {
  const { dir, cleanup } = tempDir('hygiene');
  const pristine = join(dir, 'pristine');
  let inputs: { categories: string; statistics: string };
  let runs: ExecutionSummary[];
  let before: Record<string, unknown>[];
  let copies = 0;
  const lakeCopy = () => {
    const lake = join(dir, `lake-${++copies}`);
    spawnSync('cp', ['-a', pristine, lake]);
    return lake;
  };

  beforeAll(async () => {
    inputs = await sampleInputs(join(dir, 'in'));
    runs = await runFiles(pristine, [inputs.categories, inputs.statistics]);
    before = await query(pristine, CATEGORY_DAILY_SQL);
  });
  afterAll(cleanup);

  it('starts from a lake with two succeeded executions and a filled category_daily', () => {
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(before.length).toBeGreaterThan(0);
  });

  it('calls a warehouse with a bad block corrupt, names it, and it rebuilds as the message says', async () => {
    const lake = lakeCopy();
    const { warehouse } = lakePaths(lake);
    const fd = openSync(warehouse, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xab), 0, 64, 4096); // DuckDB: "... checksum ... in block at location 4096"
    closeSync(fd);
    for (const args of [
      ['run', '--data', inputs.statistics, '--lake', lake],
      ['query', 'SELECT 1', '--lake', lake],
    ]) {
      const { code, stderr } = await cli(args);
      expect(code).toBe(1);
      expect(stderr).toContain(`The lake's warehouse ${warehouse} is corrupt`);
      expect(stderr).not.toMatch(/in use by another/);
      expect(stderr).toContain(`mv ${warehouse} ${warehouse}.corrupt`);
    }
    // What the message says to do: move it aside, rerun one statistics object of the region.
    renameSync(warehouse, `${warehouse}.corrupt`);
    const key = runs[1]?.objectKey as string;
    const rerun = await cli(['rerun', '--object', key, '--lake', lake]);
    expect(rerun.code).toBe(0);
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(before);
  });

  it('calls a file that is no DuckDB database corrupt too, and a held lock "in use"', async () => {
    const lake = lakeCopy();
    const { warehouse } = lakePaths(lake);
    const held = await Warehouse.open(lakePaths(lake));
    try {
      const busy = await cli(['query', 'SELECT 1', '--lake', lake]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain(
        `The lake's warehouse ${warehouse} is in use by another lakestep process`,
      );
    } finally {
      held.close();
    }
    writeFileSync(warehouse, 'not a database');
    const bad = await cli(['query', 'SELECT 1', '--lake', lake]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`The lake's warehouse ${warehouse} is corrupt`);
  });

  it('status, query, replay --dry-run and inspect write nothing, even over an orphaned RUNNING record', async () => {
    const lake = lakeCopy();
    const name = runs[0]?.name as string;
    const file = join(lake, 'executions', name, 'execution.json');
    const record = JSON.parse(readFileSync(file, 'utf8')) as ExecutionRecord;
    writeFileSync(
      file,
      JSON.stringify({
        ...record,
        status: 'RUNNING',
        stopDate: null,
        owner: { pid: deadPid(), host: hostname() },
      }),
    );
    const start = snapshot(lake);

    const status = await cli(['status', '--lake', lake, '--json']);
    expect(JSON.parse(status.stdout).executions).toEqual(
      expect.arrayContaining([expect.objectContaining({ name, status: 'ABORTED' })]),
    );
    expect(
      (await cli(['query', 'SELECT count(*) AS n FROM analytics.category_daily', '--lake', lake])).code,
    ).toBe(0);
    const dry = await cli(['replay', '--failed', '--dry-run', '--lake', lake, '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).executions).toEqual([expect.objectContaining({ name, action: 'redrive' })]);
    const inspector = await startInspector({ lake, port: 0 });
    try {
      expect((await fetch(new URL(`/api/executions/${name}`, inspector.url))).status).toBe(200);
    } finally {
      await inspector.close();
    }
    expect(snapshot(lake)).toEqual(start);
  });

  it('removes the temporary files of a killed process at the next run, and keeps a live one', async () => {
    const lake = lakeCopy();
    const dead = deadPid();
    const landing = join(lake, 'landing', 'raw_statistics', 'region=us');
    const stale = [
      join(landing, `USvideos.csv.tmp-${dead}-0`),
      join(lake, 'cleansed', `part.parquet.tmp-${dead}`),
      join(lake, 'tmp', `records-${dead}-batch_1.csv`),
      join(lake, 'executions', runs[0]?.name as string, `execution.json.${dead}.tmp`),
    ];
    const live = join(landing, `USvideos.csv.tmp-${process.pid}-7`);
    for (const f of [...stale, live]) writeFileSync(f, 'partial write');

    // A read-only command leaves them alone.
    await cli(['status', '--lake', lake]);
    expect([...stale, live].filter((f) => existsSync(f))).toHaveLength(5);

    const run = await cli(['run', '--data', inputs.statistics, '--lake', lake, '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`removed 4 temporary files \\(\\d+ bytes\\) left in .* \\(pid ${dead}\\)`),
    );
    expect(stale.filter((f) => existsSync(f))).toEqual([]);
    expect(existsSync(live)).toBe(true);
    // Its JSON document is still the only thing on stdout.
    expect(() => JSON.parse(run.stdout)).not.toThrow();
  });
});
