/**
 * Faults injected into each Task kind: a transient fault is retried to success by the state's own Retry
 * policy; a permanent one leaves the execution FAILED at that state with the error named.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRANSIENT_FAULT_ERROR } from '../local/bindings';
import { LocalRuntime } from '../local/runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { CATEGORY_DAILY_SQL, query, runFiles, tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';
import { ALWAYS_GLUE, definitionWithSmallObjectBytes } from './helpers/transform-paths';

const CA = join(REAL_DATA, 'csv', 'CAvideos.csv');
/** One state per task kind, and both transforms: the Lambda one (small objects) and the Glue job. */
const TASKS_BY_KIND: [keyof typeof TRANSIENT_FAULT_ERROR, string][] = [
  ['lambda', 'Promote batch'],
  ['lambda', 'Transform small batch'],
  ['glueJob', 'Transform batch'],
  ['crawlerStart', 'Start crawler'],
  ['crawlerStatus', 'Get crawler status'],
  ['athenaQuery', 'Materialize category_daily'],
  // The region MERGE's group commit (decision 0028): a lone execution requests and finishes it.
  ['lambda', 'Request region merge'],
  ['lambda', 'Finish region merge'],
];

describe('fault injection in the task bindings', () => {
  const { dir, cleanup } = tempDir('faults');
  afterAll(cleanup);
  let clean: Record<string, unknown>[];
  /** CAvideos.csv is a small object: the Glue job's state is reached with a threshold of 0. */
  let definitionFor: (state: string) => string | undefined;

  beforeAll(async () => {
    const glue = definitionWithSmallObjectBytes(dir, ALWAYS_GLUE);
    definitionFor = (state) => (state === 'Transform batch' ? glue : undefined);
    const lake = join(dir, 'clean');
    await runFiles(lake, [CA]);
    clean = await query(lake, CATEGORY_DAILY_SQL);
  });

  it.each(TASKS_BY_KIND)('%s: a transient fault at "%s" is retried to success', async (_kind, state) => {
    const lake = join(dir, `transient-${state.replace(/\W+/g, '-')}`);
    const [run] = await runFiles(lake, [CA], [{ state, mode: 'transient' }], definitionFor(state));
    expect(run?.outcome).toBe('succeeded');
    const entry = run?.states.find((s) => s.name === state);
    expect(entry).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(clean);
  });

  it.each(TASKS_BY_KIND)(
    '%s: a permanent fault at "%s" fails the execution there, named',
    async (kind, state) => {
      const lake = join(dir, `permanent-${state.replace(/\W+/g, '-')}`);
      const [run] = await runFiles(lake, [CA], [{ state, mode: 'permanent' }], definitionFor(state));
      expect(run).toMatchObject({
        status: 'FAILED',
        outcome: 'failed',
        error: TRANSIENT_FAULT_ERROR[kind],
      });
      expect(run?.cause).toContain(state);
      const last = run?.states.at(-1);
      expect(last).toMatchObject({ name: state, status: 'FAILED' });
      expect(last?.attempts).toBeGreaterThan(1); // the Retry policy ran out first
    },
  );

  it('a permanent fault in the DQ-failure path fails at "Quarantine batch", not at a catch-all', async () => {
    const bad = join(dir, 'USvideos_bad.csv');
    const header =
      'video_id,trending_date,title,channel_title,category_id,publish_time,tags,views,likes,dislikes,comment_count,thumbnail_link,comments_disabled,ratings_disabled,video_error_or_removed,description';
    writeFileSync(
      bad,
      `${header}\nabcdefghijk,17.14.11,t,c,22,2017-11-13T17:13:01.000Z,x,1,2,3,4,l,False,False,False,d\nbad,17.14.11,t,c,22,2017-11-13T17:13:01.000Z,x,1,2,3,4,l,False,False,False,d\n`,
    );
    const [run] = await runFiles(
      join(dir, 'quarantine-fault'),
      [bad],
      [{ state: 'Quarantine batch', mode: 'permanent' }],
    );
    expect(run).toMatchObject({ outcome: 'failed', error: 'Lambda.ServiceException' });
    expect(run?.states.at(-1)?.name).toBe('Quarantine batch');
  });

  it("surfaces the handler's own error: an object gone before ingest fails with Lake.ObjectNotFound", async () => {
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake: join(dir, 'gone') });
    try {
      const run = await rt.execute({
        key: 'raw_statistics/region=ca/CAvideos.csv',
        size: 10,
        sha256: 'f'.repeat(64),
        md5: 'e'.repeat(32),
        sequencer: '01',
      });
      expect(run).toMatchObject({ status: 'FAILED', outcome: 'failed', error: 'Lake.ObjectNotFound' });
      expect(run.cause).toContain('raw_statistics/region=ca/CAvideos.csv');
      expect(run.states).toEqual([
        expect.objectContaining({ name: 'Ingest object', status: 'FAILED', attempts: 1 }),
      ]);
    } finally {
      rt.close();
    }
  });
});
