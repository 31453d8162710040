/**
 * Local redrive (`lakestep replay NAME`): a fault injected at each task state fails the execution
 * there; the redrive resumes at that state, keeps what succeeded, continues the same execution's
 * history, and leaves the lake exactly as one clean run would, also after a failure that came after
 * the batch was promoted. Redriving again after failing again, and what is refused, with its reason.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stateRuns } from '../local/execution-summary';
import { RedriveRefused } from '../local/redrive-check';
import { LocalRuntime } from '../local/runtime';
import { writeSample } from '../local/sample-data';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { CATEGORY_DAILY_SQL, query, runFiles, tempDir } from './helpers/lake';
import { runReference } from './helpers/python';
import { ALWAYS_GLUE, definitionWithSmallObjectBytes } from './helpers/transform-paths';

const FAST = { retryDelayMs: 1, waitMs: 1 } as const;
const STATISTICS_SQL =
  'SELECT * EXCLUDE (ingested_at) FROM cleansed.statistics ORDER BY region, video_id, trending_date';
const CATEGORIES_SQL = 'SELECT * FROM cleansed.categories ORDER BY region, category_id';

/** Every file of the lake's data buckets (names carry the execution name, so both lakes must agree). */
function dataFiles(lake: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(lake, p));
    }
  };
  for (const bucket of ['bronze', 'cleansed', 'quarantine']) walk(join(lake, bucket));
  return out.filter((f) => !f.startsWith('cleansed/_staging/')).sort();
}

async function tables(lake: string) {
  return {
    categoryDaily: await query(lake, CATEGORY_DAILY_SQL),
    statistics: await query(lake, STATISTICS_SQL),
    categories: await query(lake, CATEGORIES_SQL),
  };
}

async function redriveAll(lake: string, names: readonly string[], options = {}) {
  const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, ...FAST, ...options });
  try {
    const out = [];
    for (const n of names) out.push(await rt.redrive(n));
    return out;
  } finally {
    rt.close();
  }
}

describe('lakestep replay: local redrive', () => {
  const { dir, cleanup } = tempDir('replay');
  afterAll(cleanup);
  let files: string[];
  let clean: Awaited<ReturnType<typeof tables>>;
  let cleanFiles: string[];
  let taskStates: string[];
  /** The Glue transform runs for large objects only: its state is reached with a threshold of 0. */
  let definitionFor: (state: string) => string | undefined;
  // The sample's objects are small: these states are met only with every object on the Glue path.
  const GLUE_PATH = ['Acquire transform slot', 'Transform batch', 'Release transform slot'];

  beforeAll(async () => {
    const glue = definitionWithSmallObjectBytes(dir, ALWAYS_GLUE);
    definitionFor = (state) => (GLUE_PATH.includes(state) ? glue : undefined);
    files = await writeSample(join(dir, 'data'), {
      regions: ['GB'],
      rowsPerRegion: 60,
      includeBadObjects: false,
    });
    const lake = join(dir, 'clean');
    const runs = await runFiles(lake, files);
    expect(runs.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded']);
    clean = await tables(lake);
    cleanFiles = dataFiles(lake);
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake: join(dir, 'probe') });
    taskStates = rt.taskStates();
    rt.close();
  });

  it('the clean run matches the data contract (so "equal to a clean run" means correct)', () => {
    expect(clean.categoryDaily).toEqual(runReference(files).rows);
    expect(clean.categoryDaily.length).toBeGreaterThan(0);
  });

  it('covers every task state of the committed ASL', () => {
    expect(taskStates).toEqual([
      'Ingest object',
      'Transform small batch',
      'Acquire transform slot',
      'Transform batch',
      'Release transform slot',
      'Check data quality',
      'Quarantine batch',
      'Promote batch',
      'Register partition',
      'Start crawler',
      'Get crawler status',
      'Check crawl result',
      'Request region merge',
      'Ask again for the region merge',
      'Materialize category_daily',
      'Finish region merge',
      'Publish run summary',
    ]);
  });

  // "Quarantine batch" only runs on the DQ-failure path: it has its own test below. "Ask again for the
  // region merge" only runs while another execution's MERGE holds the region: test/region-merge-local.test.ts.
  const onHappyPath = (s: string) => s !== 'Quarantine batch' && s !== 'Ask again for the region merge';

  it.each([
    'Ingest object',
    'Transform small batch',
    'Acquire transform slot',
    'Transform batch',
    'Release transform slot',
    'Check data quality',
    'Promote batch',
    'Register partition',
    'Start crawler',
    'Get crawler status',
    'Check crawl result',
    'Request region merge',
    'Materialize category_daily',
    'Finish region merge',
    'Publish run summary',
  ])(
    'a permanent fault at "%s": the run fails there, the redrive resumes there and the lake equals a clean run',
    async (state) => {
      expect(taskStates.filter(onHappyPath)).toContain(state);
      const lake = join(dir, `fault-${state.replace(/\W+/g, '-')}`);
      const runs = await runFiles(lake, files, [{ state, mode: 'permanent' }], definitionFor(state));
      // The categories object has no transform (nor its gate): a fault there leaves it alone.
      const failed = runs.filter((r) => r.outcome === 'failed');
      const statisticsOnly = ['Transform small batch', ...GLUE_PATH];
      expect(failed.length).toBe(statisticsOnly.includes(state) ? 1 : 2);
      for (const r of failed) {
        expect(r.status).toBe('FAILED');
        expect(r.states.at(-1)).toMatchObject({ name: state, status: 'FAILED' });
      }

      const before = new Map<string, string[]>();
      for (const r of failed)
        before.set(
          r.name,
          readFileSync(join(lake, 'executions', r.name, 'tasks.jsonl'), 'utf8')
            .trim()
            .split('\n'),
        );
      const definitionFile = definitionFor(state);
      const replays = await redriveAll(
        lake,
        failed.map((r) => r.name),
        definitionFile ? { definitionFile } : {},
      );
      for (const [i, r] of replays.entries()) {
        const name = failed[i]?.name as string;
        expect(r).toMatchObject({ name, status: 'SUCCEEDED', outcome: 'succeeded', error: null });

        // The same execution, redriven once, its history continued: both attempts are there.
        const record = JSON.parse(readFileSync(join(lake, 'executions', name, 'execution.json'), 'utf8'));
        expect(record).toMatchObject({ name, status: 'SUCCEEDED', redriveCount: 1, error: null });
        expect(typeof record.redriveDate).toBe('string');
        expect(record.owner).toBeUndefined();
        const events = readFileSync(join(lake, 'executions', name, 'events.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        const types = events.map((e) => e.type);
        expect(types.filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
        const redriven = types.indexOf('ExecutionRedriven');
        expect(redriven).toBeGreaterThan(types.indexOf('ExecutionFailed'));
        expect(events[redriven]).toMatchObject({ redriveCount: 1, resumeAt: state });
        expect(events.slice(redriven + 1).every((e) => e.redrive === 1)).toBe(true);
        expect(events.slice(0, redriven).some((e) => 'redrive' in e)).toBe(false);
        expect(events.at(-1)).toMatchObject({ type: 'ExecutionSucceeded', redrive: 1 });
        expect(events[redriven + 1]).toMatchObject({ type: 'StateEntered', stateName: state, redrive: 1 });

        // The states that succeeded were not run again: the redrive's task calls start at the state.
        const tasks = readFileSync(join(lake, 'executions', name, 'tasks.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        expect(tasks.slice(0, before.get(name)?.length).some((t) => 'redrive' in t)).toBe(false);
        const again = tasks.filter((t) => t.redrive === 1);
        expect(again[0]).toMatchObject({ statePath: state, attempt: 1 });
        expect(again[0].result).toBeDefined();
        const firstAttempt = new Set(
          tasks.filter((t) => !('redrive' in t) && t.result !== undefined).map((t) => t.statePath),
        );
        // Except where the workflow loops back on purpose: after waiting for another execution's crawl,
        // "Register partition" runs again (that crawl may have defined the table).
        const loopsBack = (t: { statePath: string }) =>
          t.statePath === 'Register partition' && ['Start crawler', 'Get crawler status'].includes(state);
        for (const t of again.filter((x) => !loopsBack(x))) expect(firstAttempt.has(t.statePath)).toBe(false);

        // The combined picture: states that succeeded once, then the failed state's run(s) in the redrive
        // (the crawler's polling loop may enter its states more than once, as it would have the first time).
        const [failedRun, ...rerunOf] = r.states.filter((s) => s.name === state);
        expect(failedRun).toMatchObject({ status: 'FAILED' });
        expect(failedRun?.redrive).toBeUndefined();
        expect(rerunOf.length).toBeGreaterThan(0);
        for (const s of rerunOf) expect(s).toMatchObject({ status: 'SUCCEEDED', redrive: 1 });
        expect(r.states.at(-1)).toMatchObject({ name: 'Done', status: 'SUCCEEDED', redrive: 1 });
        const ingest = r.states.filter((s) => s.name === 'Ingest object');
        expect(ingest.map((s) => s.status)).toEqual(
          state === 'Ingest object' ? ['FAILED', 'SUCCEEDED'] : ['SUCCEEDED'],
        );
        expect(r.rows).not.toBeNull();
      }

      // No duplicates, nothing lost: tables and files exactly as the clean run left them.
      expect(await tables(lake)).toEqual(clean);
      expect(dataFiles(lake)).toEqual(cleanFiles);
    },
  );

  it('a fault at "Quarantine batch" (DQ-failure path): the redrive reaches the data outcome, nothing promoted', async () => {
    const [failing] = await writeSample(join(dir, 'failing'), {
      regions: [],
      includeBadObjects: true,
    }).then((all) => all.filter((f) => /FRvideos\.csv$/.test(f)));
    expect(failing).toBeDefined();
    const lake = join(dir, 'fault-quarantine');
    const [run] = await runFiles(
      lake,
      [failing as string],
      [{ state: 'Quarantine batch', mode: 'permanent' }],
    );
    expect(run).toMatchObject({ outcome: 'failed', error: 'Lambda.ServiceException' });
    const [replayed] = await redriveAll(lake, [run?.name as string]);
    expect(replayed).toMatchObject({ status: 'FAILED', outcome: 'dq_failed', error: 'DataQualityFailed' });
    expect(replayed?.states.slice(-3).map((s) => [s.name, s.status, s.redrive])).toEqual([
      ['Quarantine batch', 'FAILED', undefined],
      ['Quarantine batch', 'SUCCEEDED', 1],
      ['Data quality failed', 'FAILED', 1],
    ]);
    expect(await query(lake, 'SELECT count(*) AS n FROM cleansed.statistics')).toEqual([{ n: 0 }]);
    expect(readdirSync(join(lake, 'quarantine', 'batches'), { recursive: true }).length).toBeGreaterThan(0);
  });

  it('failing again keeps the execution redrivable; the next redrive after the fix succeeds, three attempts in its history', async () => {
    const lake = join(dir, 'twice');
    const statistics = files.filter((f) => f.endsWith('.csv'));
    const [run] = await runFiles(lake, statistics, [
      { state: 'Materialize category_daily', mode: 'permanent' },
    ]);
    const name = run?.name as string;
    const fault = { faults: [{ state: 'Materialize category_daily', mode: 'permanent' as const }] };
    const [again] = await redriveAll(lake, [name], fault);
    expect(again).toMatchObject({ status: 'FAILED', error: 'Athena.TooManyRequestsException' });
    const [fixed] = await redriveAll(lake, [name]);
    expect(fixed).toMatchObject({ status: 'SUCCEEDED' });
    const record = JSON.parse(readFileSync(join(lake, 'executions', name, 'execution.json'), 'utf8'));
    expect(record.redriveCount).toBe(2);
    const events = readFileSync(join(lake, 'executions', name, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === 'ExecutionRedriven').map((e) => e.redriveCount)).toEqual([1, 2]);
    expect(events.filter((e) => e.type === 'ExecutionFailed').map((e) => e.redrive)).toEqual([undefined, 1]);
    expect(
      stateRuns(events)
        .filter((s) => s.name === 'Materialize category_daily')
        .map((s) => [s.status, s.redrive]),
    ).toEqual([
      ['FAILED', undefined],
      ['FAILED', 1],
      ['SUCCEEDED', 2],
    ]);
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(runReference(statistics).rows);
  });

  describe('what a redrive refuses, with the reason and what to do instead', () => {
    const lake = join(dir, 'refusals');
    let names: Record<string, string>;

    beforeAll(async () => {
      const bad = join(dir, 'refusal-data');
      const all = await writeSample(bad, { regions: ['GB'], rowsPerRegion: 30, includeBadObjects: true });
      const pick = (re: RegExp) => all.find((f) => re.test(f)) as string;
      const ok = await runFiles(lake, [pick(/GB_category_id\.json$/), pick(/notes\.txt$/)]);
      const dq = await runFiles(lake, [pick(/FRvideos\.csv$/)]);
      const fault = await runFiles(
        lake,
        [pick(/GBvideos\.csv$/)],
        [{ state: 'Ingest object', mode: 'permanent' }],
      );
      names = {
        succeeded: ok[0]?.name as string,
        rejected: ok[1]?.name as string,
        dqFailed: dq[0]?.name as string,
        faulted: fault[0]?.name as string,
      };
      expect(ok.map((r) => r.outcome)).toEqual(['succeeded', 'rejected']);
      expect(dq[0]?.outcome).toBe('dq_failed');
      expect(fault[0]?.outcome).toBe('failed');
    });

    async function refusal(name: string, options = {}): Promise<RedriveRefused> {
      const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, ...FAST, ...options });
      try {
        await rt.redrive(name);
      } catch (e) {
        return e as RedriveRefused;
      } finally {
        rt.close();
      }
      throw new Error(`redrive of ${name} was not refused`);
    }

    it('an unknown execution', async () => {
      const e = await refusal('no-such-execution');
      expect(e).toBeInstanceOf(RedriveRefused);
      expect(e).toMatchObject({ code: 'not_found' });
      expect(e.message).toContain('no-such-execution');
    });

    it('a succeeded execution', async () => {
      expect(await refusal(names.succeeded as string)).toMatchObject({ code: 'not_unsuccessful' });
    });

    it.each([
      ['rejected', 'ObjectRejected'],
      ['dqFailed', 'DataQualityFailed'],
    ])(
      'a data outcome (%s): its Fail state would only fail again; the advice is rerun --object',
      async (which, error) => {
        const e = await refusal(names[which] as string);
        expect(e).toMatchObject({ code: 'data_outcome' });
        expect(e.message).toContain(error);
        expect(e.advice).toMatch(/^npx lakestep rerun --object /);
      },
    );

    it('a changed definition: a redrive runs the definition the execution started with, so rerun instead', async () => {
      const asl = JSON.parse(readFileSync(join(__dirname, '..', 'asl', 'youtube-trending.asl.json'), 'utf8'));
      asl.Comment = `${asl.Comment} (changed)`;
      const changed = join(dir, 'changed.asl.json');
      writeFileSync(changed, JSON.stringify(asl, null, 2));
      const e = await refusal(names.faulted as string, { definitionFile: changed });
      expect(e).toMatchObject({ code: 'definition_changed' });
      expect(e.advice).toContain('rerun --object raw_statistics/region=gb/GBvideos.csv');
    });

    it('resuming at the first state when the landed object holds other content since', async () => {
      const landed = join(lake, 'landing', 'raw_statistics', 'region=gb', 'GBvideos.csv');
      const original = readFileSync(landed);
      writeFileSync(landed, Buffer.concat([original, Buffer.from('\n')]));
      try {
        const e = await refusal(names.faulted as string);
        expect(e).toMatchObject({ code: 'object_changed' });
        expect(e.message).toContain('raw_statistics/region=gb/GBvideos.csv');
      } finally {
        writeFileSync(landed, original);
      }
    });

    it('a superseded execution: a later execution of the same object exists', async () => {
      const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, ...FAST });
      let later: string;
      try {
        later = (await rt.rerun('raw_statistics/region=gb/GBvideos.csv')).name;
      } finally {
        rt.close();
      }
      const e = await refusal(names.faulted as string);
      expect(e).toMatchObject({ code: 'superseded' });
      expect(e.message).toContain(later);
    });
  });
});
