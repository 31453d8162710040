/**
 * A lake belongs to one workflow: the first runtime that writes it records the workflow, a runtime or a
 * command of another workflow is refused with the fix, and `--workflow` names a workflow of the project.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { claimLake, LakeOfAnotherWorkflow, lakeWorkflow } from '../local/lake-workflow';
import { LocalRuntime } from '../local/runtime';
import type { Workflow } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { cli, tempDir } from './helpers/lake';

const { dir, cleanup } = tempDir('lake-workflow');
afterAll(cleanup);

/** Another workflow of the same shape (it runs the YouTube ASL): only its name differs. */
const OTHER = { ...YOUTUBE_TRENDING, name: 'jaffle-shop' } as Workflow;
const YOUTUBE_ASL = join(__dirname, '..', 'asl', 'youtube-trending.asl.json');

describe('the workflow of a lake', () => {
  it('is recorded by the first runtime that writes the lake, and another workflow is refused', async () => {
    const lake = join(dir, 'owned');
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake });
    rt.close();
    expect(JSON.parse(readFileSync(join(lake, 'workflow.json'), 'utf8'))).toEqual({
      workflow: 'youtube-trending',
    });
    await expect(LocalRuntime.open({ workflow: OTHER, lake, definitionFile: YOUTUBE_ASL })).rejects.toThrow(
      new LakeOfAnotherWorkflow(lake, 'youtube-trending', 'jaffle-shop'),
    );
    await expect(
      LocalRuntime.open({ workflow: OTHER, lake, definitionFile: YOUTUBE_ASL, readOnly: true }),
    ).rejects.toThrow(
      `The lake ${lake} belongs to workflow youtube-trending; workflow jaffle-shop keeps its tables in a lake of its own: pass --lake OTHER_DIR (or --workflow youtube-trending for this lake)`,
    );
    // The owner opens it again as before.
    (await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake })).close();
  });

  it('is adopted by the first workflow to open a lake made before the record', async () => {
    const lake = join(dir, 'older');
    mkdirSync(join(lake, 'landing'), { recursive: true });
    expect(lakeWorkflow(lake)).toBeNull();
    (await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake })).close();
    expect(lakeWorkflow(lake)).toBe('youtube-trending');
    claimLake(lake, 'youtube-trending'); // the owner's claim again changes nothing
    expect(() => claimLake(lake, 'jaffle-shop')).toThrow(LakeOfAnotherWorkflow);
  });

  it('says how to fix a damaged record', () => {
    const lake = join(dir, 'damaged');
    mkdirSync(lake, { recursive: true });
    writeFileSync(join(lake, 'workflow.json'), '{"workflow":');
    expect(() => lakeWorkflow(lake)).toThrow(
      /workflow\.json is not JSON .*: it should say \{"workflow": "NAME"\}; fix or delete it/,
    );
    writeFileSync(join(lake, 'workflow.json'), '{"name": "x"}');
    expect(() => lakeWorkflow(lake)).toThrow(/names no workflow/);
  });
});

const SHARED = resolve(__dirname, '..', '..', 'shared', 'data', 'jaffle-shop');

describe('--workflow', () => {
  it('names a workflow of the project; an unknown one is a usage error listing them', async () => {
    const lake = join(dir, 'owned');
    const ok = await cli(['status', '--workflow', 'youtube-trending', '--lake', lake, '--json']);
    expect(JSON.parse(ok.stdout).totals.executions).toBe(0);
    const bad = await cli(['query', '--workflow', 'youtube', '--lake', lake, 'SELECT 1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'lakestep query: No workflow named "youtube" in this project: --workflow takes one of jaffle-shop, youtube-trending',
    );
  });

  it("refuses a command on another workflow's lake, before it opens anything", async () => {
    const lake = join(dir, 'theirs');
    mkdirSync(join(lake, 'landing'), { recursive: true });
    writeFileSync(join(lake, 'workflow.json'), '{"workflow": "jaffle-shop"}\n');
    for (const args of [
      ['status', '--workflow', 'youtube-trending', '--lake', lake],
      ['run', '--workflow', 'youtube-trending', '--data', join(dir, 'nothing.csv'), '--lake', lake],
      ['query', '--workflow', 'youtube-trending', '--lake', lake, 'SELECT 1'],
    ]) {
      const r = await cli(args);
      expect([args[0], r.code]).toEqual([args[0], 2]);
      expect(r.stderr).toContain(
        `lakestep ${args[0]}: The lake ${lake} belongs to workflow jaffle-shop; workflow youtube-trending keeps its tables in a lake of its own`,
      );
    }
  });

  it("without --workflow, a command takes the lake's workflow, and a new lake the one its files route to", async () => {
    const fresh = join(dir, 'fresh');
    const run = await cli(['run', '--data', join(SHARED, 'raw_customers.csv'), '--lake', fresh, '--json']);
    expect(run.code).toBe(0);
    expect(lakeWorkflow(fresh)).toBe('jaffle-shop');
    const status = await cli(['status', '--lake', fresh, '--json']);
    expect([status.code, status.stderr, JSON.parse(status.stdout).totals.executions]).toEqual([0, '', 1]);
    writeFileSync(join(dir, 'notes.txt'), 'no dataset has this name\n');
    const none = await cli(['run', '--data', join(dir, 'notes.txt'), '--lake', join(dir, 'none')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'This project has 2 workflows (jaffle-shop, youtube-trending): choose one with --workflow NAME',
    );
  });
});
