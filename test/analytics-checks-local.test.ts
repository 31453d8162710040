/**
 * Materialization checks end to end on the local runtime (DuckDB runs the checks' SQL): the test
 * workflow (YouTube with a warn and a fail check on category_daily) over one region. Statistics before
 * any categories: the warn reports the untitled categories and the execution succeeds. A categories
 * file lacking one id: the fail check ends the execution FAILED at "Check analytics" with
 * DataQualityFailed, the table as the data says. Another categories file with the id: its run is
 * clean, and the replay of the failed object (a rerun: a failed check is a data outcome) ends clean.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalRuntime } from '../local/runtime';
import { writeLargeStatisticsFile } from '../local/sample-data';
import { checkedWorkflow, writeCheckedAsl } from './helpers/checked-workflow';
import { tempDir } from './helpers/lake';

jest.setTimeout(120_000);

function categoriesFile(dir: string, name: string, ids: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  const items = ids.map((id) => ({
    kind: 'youtube#videoCategory',
    id,
    snippet: { title: `Category ${id}`, assignable: true },
  }));
  writeFileSync(file, JSON.stringify({ kind: 'youtube#videoCategoryListResponse', items }));
  return file;
}

describe('materialization checks on the local runtime', () => {
  const { dir, cleanup } = tempDir('analytics-checks');
  let rt: LocalRuntime;
  beforeAll(async () => {
    rt = await LocalRuntime.open({
      workflow: checkedWorkflow(),
      lake: join(dir, 'lake'),
      definitionFile: writeCheckedAsl(dir),
      retryDelayMs: 1,
      waitMs: 1,
    });
  });
  afterAll(() => {
    rt.close();
    cleanup();
  });

  const checkResult = async (name: string) => {
    const tasks = await rt.store.tasks(name);
    return tasks.filter((t) => t.statePath === 'Check analytics').at(-1);
  };
  const unknownRows = async () => {
    const r = await rt.warehouse.conn.runAndReadAll(
      "SELECT count(*)::INTEGER AS n FROM analytics.category_daily WHERE category_title = 'Unknown'",
    );
    return Number(r.getRowObjectsJS()[0]?.n);
  };
  let ids: string[] = [];
  let failedName = '';

  it('reports a warn violation in the step result and succeeds', async () => {
    const stats = join(dir, 'data', 'CAvideos.csv');
    await writeLargeStatisticsFile(stats, 40, 'CA', 5);
    const run = await rt.execute(await rt.land(stats));
    expect(run.outcome).toBe('succeeded');
    expect(run.states.map((s) => s.name)).toEqual(
      expect.arrayContaining(['Check analytics', 'Publish run summary']),
    );
    const ids0 = await rt.warehouse.conn.runAndReadAll(
      "SELECT DISTINCT category_id::VARCHAR AS id FROM analytics.category_daily WHERE region = 'ca' ORDER BY 1",
    );
    ids = (ids0.getRowObjectsJS() as { id: string }[]).map((r) => r.id);
    expect(ids.length).toBeGreaterThan(1);
    const result = (await checkResult(run.name))?.result as {
      Payload: {
        passed: boolean;
        warnings: number;
        checks: { name: string; violations: number; sample: unknown[] }[];
      };
    };
    expect(result.Payload.passed).toBe(true);
    expect(result.Payload.warnings).toBe(1);
    const [warn, fail] = result.Payload.checks;
    expect(warn).toMatchObject({ name: 'unknown_category', violations: await unknownRows() });
    expect(warn?.sample[0]).toEqual({
      region: 'ca',
      trending_date: expect.any(String),
      category_id: expect.any(String),
    });
    expect(fail).toMatchObject({ name: 'category_missing_from_reference', violations: 0 });
    // The warning's metric, by check, in the execution's metrics.
    const metrics = await rt.store.metrics(run.name);
    expect(JSON.stringify(metrics)).toMatch(/"AnalyticsCheckWarnings":[1-9]/);
  });

  it('ends FAILED at Check analytics with DataQualityFailed when a fail check finds rows; the table keeps them', async () => {
    const partial = categoriesFile(join(dir, 'data'), 'CA_category_id.json', ids.slice(1));
    const run = await rt.execute(await rt.land(partial));
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DataQualityFailed');
    expect(run.states.at(-1)).toMatchObject({ name: 'Check analytics', status: 'FAILED' });
    expect(run.cause).toMatch(
      new RegExp(
        `analytics check category_daily\\.category_missing_from_reference \\(fail\\) found \\d+ violating rows?, e\\.g\\. region=ca trending_date=\\S+ category_id=${ids[0]}`,
      ),
    );
    // The MERGE ran: the titled categories are in, the missing one is Unknown as the data says.
    expect(await unknownRows()).toBeGreaterThan(0);
    failedName = run.name;
  });

  it('after the data is fixed, the fixing run is clean and a rerun of the failed object ends clean', async () => {
    const more = categoriesFile(join(dir, 'data'), 'CA_category_id_more.json', ids.slice(0, 1));
    const fixing = await rt.execute(await rt.land(more));
    expect(fixing.outcome).toBe('succeeded');
    expect(await unknownRows()).toBe(0);
    const clean = (await checkResult(fixing.name))?.result as { Payload: { warnings: number } };
    expect(clean.Payload.warnings).toBe(0);

    // A failed check is a data outcome, as a failed batch is: a redrive is refused with the rerun to use.
    await expect(rt.redrive(failedName)).rejects.toThrow(/DataQualityFailed, a data outcome/);
    const failed = await rt.store.get(failedName);
    const rerun = await rt.rerun(failed?.objectKey ?? '');
    expect(rerun.outcome).toBe('succeeded');
    const again = (await checkResult(rerun.name))?.result as {
      Payload: { passed: boolean; warnings: number };
    };
    expect(again.Payload).toMatchObject({ passed: true, warnings: 0 });
  });
});
