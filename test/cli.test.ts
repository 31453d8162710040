/** The CLI's contract: the --json document, exit statuses, usage errors and query's JSON types. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

describe('lakestep CLI', () => {
  const { dir, cleanup } = tempDir('cli');
  afterAll(cleanup);
  const lake = join(dir, 'lake');

  it('run --json prints exactly one document with the documented fields', async () => {
    const out = await cli([
      'run',
      '--lake',
      lake,
      '--json',
      '--data',
      join(REAL_DATA, 'json', 'IN_category_id.json'),
      '--data',
      join(REAL_DATA, 'csv', 'INvideos.csv'),
    ]);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(Object.keys(doc).sort()).toEqual(['executions', 'interrupted', 'lake', 'skipped', 'tables']);
    expect(doc.skipped).toEqual([]);
    expect(doc.interrupted).toBeNull();
    expect(doc.executions).toHaveLength(2);
    for (const e of doc.executions) {
      expect(Object.keys(e).sort()).toEqual(
        [
          'cause',
          'dataset',
          'duplicateEvent',
          'error',
          'name',
          'objectKey',
          'outcome',
          'reason',
          'region',
          'rows',
          'states',
          'status',
          'warnings',
        ].sort(),
      );
      for (const s of e.states)
        expect(Object.keys(s).sort()).toEqual(['attempts', 'durationMs', 'name', 'startedAt', 'status']);
    }
    const stats = doc.executions[1];
    expect(stats).toMatchObject({
      objectKey: 'raw_statistics/region=in/INvideos.csv',
      dataset: 'statistics',
      region: 'in',
      status: 'SUCCEEDED',
      outcome: 'succeeded',
      error: null,
      cause: null,
      reason: null,
    });
    expect(stats.rows.quarantined).toBe(13); // the #NAME? ids
    expect(doc.tables.map((t: { name: string }) => t.name)).toEqual([
      'cleansed.statistics',
      'cleansed.categories',
      'analytics.category_daily',
    ]);
  });

  it('query --json converts integers, dates and timestamps', async () => {
    const out = await cli([
      'query',
      '--lake',
      lake,
      '--json',
      'SELECT trending_date, publish_time, "views", 9007199254740993::BIGINT AS big, category_id FROM cleansed.statistics ORDER BY trending_date, video_id LIMIT 1',
    ]);
    expect(out.code).toBe(0);
    const [row] = JSON.parse(out.stdout);
    expect(row.trending_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(row.publish_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(typeof row.views).toBe('number');
    expect(row.big).toBe('9007199254740993');
  });

  it("query --json keeps a timestamp's microseconds", async () => {
    const out = await cli([
      'query',
      '--lake',
      lake,
      '--json',
      "SELECT TIMESTAMP '2018-01-01 10:00:00.123456' AS t, TIMESTAMP '2018-01-01 10:00:00' AS w",
    ]);
    expect(JSON.parse(out.stdout)).toEqual([
      { t: '2018-01-01T10:00:00.123456Z', w: '2018-01-01T10:00:00.000Z' },
    ]);
  });

  it('exits 1 when an execution fails with a system fault, naming the state', async () => {
    const out = await cli([
      'run',
      '--lake',
      join(dir, 'faulty'),
      '--json',
      '--data',
      join(REAL_DATA, 'csv', 'GBvideos.csv'),
      '--inject-fault',
      'Promote batch',
    ]);
    expect(out.code).toBe(1);
    const [e] = JSON.parse(out.stdout).executions;
    expect(e).toMatchObject({ status: 'FAILED', outcome: 'failed', error: 'Lambda.ServiceException' });
    expect(e.states.at(-1).name).toBe('Promote batch');
  });

  it('exits 0 for data outcomes (rejected objects)', async () => {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'hello');
    // A name no workflow routes: the workflow is named (with several, nothing else says which).
    const out = await cli([
      'run',
      '--workflow',
      'youtube-trending',
      '--lake',
      join(dir, 'data-outcome'),
      '--data',
      f,
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('rejected (unknown_dataset)');
  });

  it.each([
    [['run', '--data', '/no/such/path'], /does not exist/],
    [['run', '--bogus'], /unknown option --bogus/],
    [['run', '--inject-fault', 'No such state', '--data', REAL_DATA], /names no task state/],
    [['query'], /expected one SQL argument/],
    [['frobnicate'], /unknown command/],
  ])('exits 2 with a clear message for usage errors: %j', async (args, message) => {
    const out = await cli(args as string[], dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
  });

  it('query on a lake that does not exist says what to do', async () => {
    const out = await cli(['query', '--lake', join(dir, 'nowhere'), 'SELECT 1']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/No lake at .*nowhere: run `lakestep run --lake .* --data FILE` first/);
  });
});
