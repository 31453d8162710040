/**
 * The benchmark's pure parts that can be wrong: counting billed transitions from a stored history (also
 * from a real local execution), the cost arithmetic with its billing minimums, the no-op results that
 * satisfy the committed ASL, and the AWS landing simulation's accounting. Nothing here is timed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalRuntime } from '../local/runtime';
import { generateStatisticsChunks } from '../local/sample-data';
import { GLUE_CAPACITY_RETRY } from '../workflows/retry-policies';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import {
  type AwsAssumptions,
  awsTransitions,
  costPerDay,
  costPerObject,
  countTransitions,
  LIST_PRICES,
  type PathProfile,
  total,
} from './bench/cost-model';
import { noOpResult } from './bench/orchestration';
import {
  gateThroughputPerMinute,
  gateWaitUsd,
  landingInputs,
  mergeWaitUsd,
  retryDelay,
  simulateLanding,
} from './bench/scale-model';
import { tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

const ASSUME: AwsAssumptions = {
  crawlerPolls: 4,
  crawlSeconds: 100,
  crawlerDpus: 1,
  objectBytes: 55e6,
  glueDpus: 2,
  glueStartupSeconds: 30,
  glueBytesPerSecondPerDpu: 2e6,
  athenaBytes: 5e6,
  lambdaDurationScale: {},
  serviceS3: {
    glue: { tier1: 0, tier2: 0 },
    crawler: { tier1: 0, tier2: 0 },
    athena: { tier1: 0, tier2: 0 },
  },
  starter: { memoryMb: 1024, durationMs: 1000 },
};

const HAPPY: PathProfile = {
  path: 'happy',
  count: { transitions: 15, entered: 15, retries: 0, polls: 2 },
  statesPerPoll: 3,
  lambdas: [],
  glueRuns: 1,
  crawlerRuns: 1,
  athenaQueries: 1,
  s3: { tier1: 1000, tier2: 1000 },
};

describe('countTransitions', () => {
  it('bills every state entered and every retry, and counts the polls', () => {
    const c = countTransitions(
      [
        { type: 'ExecutionStarted' },
        { type: 'StateEntered', stateName: 'A' },
        { type: 'StateFailed', stateName: 'A' },
        { type: 'StateRetried', stateName: 'A' },
        { type: 'StateExited', stateName: 'A' },
        { type: 'StateEntered', stateName: 'Poll' },
        { type: 'StateExited', stateName: 'Poll' },
        { type: 'StateEntered', stateName: 'Poll' },
        { type: 'ExecutionSucceeded' },
      ],
      'Poll',
    );
    expect(c).toEqual({ transitions: 4, entered: 3, retries: 1, polls: 2 });
  });

  it('counts a real local execution of the category path from its stored history', async () => {
    const { dir, cleanup } = tempDir('cost-model');
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake: join(dir, 'lake') });
    try {
      const s = await rt.execute(await rt.land(join(REAL_DATA, 'json', 'US_category_id.json')));
      expect(s.outcome).toBe('succeeded');
      const c = countTransitions(await rt.store.events(s.name), 'Get crawler status');
      // Every state the run report lists was entered once; the local crawler is RUNNING for one poll.
      expect(c.entered).toBe(s.states.length);
      expect(c.polls).toBe(s.states.filter((x) => x.name === 'Get crawler status').length);
      expect(c.polls).toBe(2);
      expect(c.retries).toBe(0);
    } finally {
      rt.close();
      cleanup();
    }
  });
});

describe('the daily file (issue 12: ≤ $0.005)', () => {
  it('takes the Lambda transform through the committed ASL, starts no Glue run, and prices under $0.005', async () => {
    const { dir, cleanup } = tempDir('cost-daily');
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake: join(dir, 'lake') });
    try {
      const file = join(dir, 'DEvideos.csv');
      writeFileSync(file, Buffer.concat([...generateStatisticsChunks({ region: 'DE', rows: 200 })]));
      const s = await rt.execute(await rt.land(file));
      expect(s.outcome).toBe('succeeded');
      const names = s.states.map((x) => x.name);
      expect(names).toContain('Transform small batch');
      expect(names).not.toContain('Transform batch');
      const steps = new Map(YOUTUBE_TRENDING.steps.map((x) => [x.stateName, x]));
      const kinds = s.states.map((x) => steps.get(x.name)?.kind);
      // Durations as stated (1 s per invocation, far above what they take), so nothing here is timed.
      const profile: PathProfile = {
        path: 'small',
        count: countTransitions(await rt.store.events(s.name), 'Get crawler status'),
        statesPerPoll: 3,
        lambdas: s.states.flatMap((x) => {
          const step = steps.get(x.name);
          return step?.kind === 'lambda'
            ? [{ fn: step.function.id, memoryMb: step.function.memoryMb, durationMs: 1000 }]
            : [];
        }),
        glueRuns: kinds.filter((k) => k === 'glueJob').length,
        crawlerRuns: 0, // a deployed lake's table exists: the partition is registered
        athenaQueries: kinds.filter((k) => k === 'athenaQuery').length,
        s3: { tier1: 40, tier2: 60 },
      };
      const lines = costPerObject(profile, { ...ASSUME, objectBytes: 100 * 1024, athenaBytes: 1e6 });
      expect(lines.map((l) => l.item)).not.toContain('Glue job');
      expect(total(lines)).toBeLessThan(0.005);
    } finally {
      rt.close();
      cleanup();
    }
  });
});

describe('the cost arithmetic', () => {
  it('adds the polls AWS makes beyond the local ones, three states each', () => {
    expect(awsTransitions(HAPPY, ASSUME)).toBe(15 + 2 * 3);
    expect(awsTransitions({ ...HAPPY, count: { ...HAPPY.count, polls: 0 } }, ASSUME)).toBe(15);
  });

  it('applies the billing minimums: Glue 1 minute, crawler 10 minutes, Athena 10 MB', () => {
    const lines = Object.fromEntries(costPerObject(HAPPY, ASSUME).map((l) => [l.item, l.usd]));
    // Glue: 30 s + 55 MB / 4 MB/s = 43.75 s → billed 60 s × 2 DPU.
    expect(lines['Glue job']).toBeCloseTo((2 * 60 * 0.44) / 3600, 10);
    expect(lines['Glue crawler']).toBeCloseTo((600 * 0.44) / 3600, 10);
    expect(lines.Athena).toBeCloseTo((10 * 2 ** 20 * 5) / 2 ** 40, 12);
    expect(lines['Step Functions']).toBeCloseTo(21 * 0.000025, 12);
    expect(lines['S3 requests']).toBeCloseTo(0.005 + 0.0004, 10); // 1,000 of each class
    // Lambda: only the starter here, 1 GB × 1 s, plus one request.
    expect(lines.Lambda).toBeCloseTo(LIST_PRICES.lambdaPerGbSecond + LIST_PRICES.lambdaPerRequest, 12);
  });

  it('bills Glue beyond the minimum by the second, and paths without a job pay none', () => {
    const big = { ...ASSUME, objectBytes: 400e6 }; // 30 + 100 s
    const glue = costPerObject(HAPPY, big).find((l) => l.item === 'Glue job');
    expect(glue?.usd).toBeCloseTo((2 * 130 * 0.44) / 3600, 10);
    expect(costPerObject({ ...HAPPY, glueRuns: 0 }, ASSUME).some((l) => l.item === 'Glue job')).toBe(false);
  });

  it('sums a day over its objects and names a path that was not measured', () => {
    const profiles = new Map([['happy', HAPPY] as const]);
    const day = costPerDay(
      { name: 'd', objects: [{ path: 'happy', perDay: 10, assumptions: ASSUME }] },
      profiles,
    );
    expect(day.total).toBeCloseTo(10 * total(costPerObject(HAPPY, ASSUME)), 10);
    expect(() =>
      costPerDay({ name: 'd', objects: [{ path: 'rejected', perDay: 1, assumptions: ASSUME }] }, profiles),
    ).toThrow(/rejected/);
  });
});

describe('the no-op results for the orchestration benchmark', () => {
  it('carry every field each Task state of the committed ASL selects', () => {
    const asl = JSON.parse(readFileSync(join(__dirname, '..', 'asl', 'youtube-trending.asl.json'), 'utf8'));
    const ingest = noOpResult(asl.States['Ingest object']);
    expect(ingest).toMatchObject({ Payload: { status: 'accepted', dataset: 'statistics' } });
    expect(noOpResult(asl.States['Get crawler status'])).toEqual({
      Crawler: { Name: 'c', State: 'READY', LastCrawl: { Status: 'SUCCEEDED' } },
    });
    expect(noOpResult(asl.States['Register partition'])).toMatchObject({ Payload: { crawl: false } });
    // The happy path is admitted by the gate at once: otherwise the benchmark would wait at it forever.
    expect(noOpResult(asl.States['Acquire transform slot'])).toMatchObject({ Payload: { acquired: true } });
  });
});

describe('the cost of an object inside a burst (group commit)', () => {
  const SMALL: PathProfile = {
    ...HAPPY,
    path: 'small',
    count: { transitions: 15, entered: 15, retries: 0, polls: 0 },
    glueRuns: 0,
    crawlerRuns: 0,
    lambdas: [
      { fn: 'RequestRegionMerge', memoryMb: 128, durationMs: 50 },
      { fn: 'FinishRegionMerge', memoryMb: 128, durationMs: 50 },
    ],
  };
  const burst = {
    ...ASSUME,
    serviceS3: { ...ASSUME.serviceS3, athena: { tier1: 10, tier2: 30 } },
    groupCommit: {
      coveredShare: 0.75,
      waitTurnsPerObject: 2,
      statesPerTurn: 3,
      skippedStates: 2,
      request: { memoryMb: 128, durationMs: 50 },
      finishFunction: 'FinishRegionMerge',
    },
  };

  it('adds the wait turns and takes off what a covered object never runs', () => {
    const lone = Object.fromEntries(
      costPerObject(SMALL, { ...burst, groupCommit: undefined }).map((l) => [l.item, l]),
    );
    const shared = Object.fromEntries(costPerObject(SMALL, burst).map((l) => [l.item, l]));
    expect(awsTransitions(SMALL, burst)).toBeCloseTo(15 + 2 * 3 - 0.75 * 2, 10);
    expect(shared.Athena?.usd).toBeCloseTo(0.25 * (lone.Athena?.usd ?? 0), 12);
    expect(shared.Lambda?.usage).toMatch(/^4\.3 invocations/); // 3 - 0.75 finish + 2 turns
    expect(shared['S3 requests']?.usd).toBeLessThan(lone['S3 requests']?.usd ?? 0);
  });
});

describe('the landing simulation', () => {
  // The bench's inputs, with a faster Athena retry and a seed of its own.
  const base = {
    ...landingInputs(0),
    athenaRetry: { ...GLUE_CAPACITY_RETRY, intervalSeconds: 5 },
    seed: 1,
  };

  it('accounts for every object: each succeeds, fails or times out; a deployed table is never crawled', () => {
    for (const objects of [1, 10, 300]) {
      const r = simulateLanding({ ...base, objects });
      expect(r.succeeded + r.failedGlueCapacity + r.failedAthenaCapacity + r.timedOut).toBe(objects);
      expect(r.crawls).toBe(0);
    }
  });

  it('a burst into a new table costs one crawl; the others wait for it, then register', () => {
    const one = simulateLanding({ ...base, objects: 1, tableExists: false });
    expect(one).toMatchObject({ succeeded: 1, crawls: 1, glueRetries: 0, maxCrawlerQueue: 1 });
    const ten = simulateLanding({ ...base, objects: 10, tableExists: false });
    expect(ten).toMatchObject({ succeeded: 10, crawls: 1 });
    expect(ten.makespanSeconds).toBeLessThan(3 * base.crawlSeconds);
  });

  it('the Glue admission gate admits every object of a 1,000-object burst that the capacity Retry fails', () => {
    const retried = simulateLanding({ ...base, objects: 1000, design: { ...base.design, gate: false } });
    expect(retried.failedGlueCapacity).toBeGreaterThan(0);
    expect(retried.gateWaits).toBe(0);
    const gated = simulateLanding({ ...base, objects: 1000 });
    expect(base.design.gate).toBe(true); // as built
    expect(gated).toMatchObject({ succeeded: 1000, failedGlueCapacity: 0, timedOut: 0, glueRetries: 0 });
  });

  it('waiting at the gate costs three transitions a turn, one turn per 30-60 s of waiting', () => {
    const gated = simulateLanding({ ...base, objects: 1000 });
    expect(gated.gateWaits).toBeGreaterThan(0);
    expect(gated.gateWaitTransitions).toBe(3 * gated.gateWaits);
    // Each turn waits at least 30 s and at most 60 s: the turns bound the longest wait from both sides.
    expect(gated.longestGateWaitSeconds).toBeGreaterThan(0);
    expect(gated.gateWaits * 60).toBeGreaterThanOrEqual(gated.longestGateWaitSeconds);
    // Priced: 3 transitions ($0.000075) and one 128 MB, 50 ms acquire call per turn.
    expect(gateWaitUsd({ gateWaits: 1000, gateWaitTransitions: 3000 })).toBeCloseTo(
      3000 * 0.000025 + 1000 * (0.125 * 0.05 * 0.0000133334 + 0.2e-6),
      10,
    );
    const lone = simulateLanding({ ...base, objects: 1 });
    expect([lone.gateWaits, lone.longestGateWaitSeconds]).toEqual([0, 0]);
  });

  it("a backfill paced at the gate's throughput waits little and times nothing out where a burst does", () => {
    // 2,000 objects of 90 s Glue runs need 2.5 h of the gate's 20 slots; a 1-hour timeout shows the effect small.
    const many = { ...base, objects: 2_000, timeoutSeconds: 3600 };
    const burst = simulateLanding(many);
    expect(burst.timedOut).toBeGreaterThan(0);
    const rate = gateThroughputPerMinute(base);
    expect(rate).toBe(Math.floor((base.glueMaxConcurrentRuns * 60) / base.glueSeconds));
    const paced = simulateLanding({ ...many, pacedStartsPerSecond: rate / 60 });
    expect(paced).toMatchObject({ succeeded: 2_000, timedOut: 0, failedGlueCapacity: 0 });
    expect(paced.gateWaitTransitions).toBeLessThan(burst.gateWaitTransitions / 10);
    expect(paced.lastStartSeconds).toBeGreaterThanOrEqual(Math.floor(((2_000 - 1) * 60) / rate) - 1);
  });

  it('one MERGE per region serves the objects waiting for it: far fewer MERGEs than objects', () => {
    const design = { ...base.design, lambdaTransformSeconds: 5, mergePerRegion: true };
    const r = simulateLanding({ ...base, objects: 1000, design });
    expect(r.succeeded).toBe(1000);
    expect(r.merges).toBeGreaterThanOrEqual(base.design.regions);
    expect(r.merges).toBeLessThan(200);
    expect(r.merges + r.mergesCovered).toBe(1000);
  });

  it('lands 1,000 and 10,000 daily files at once with the group commit as built, where a MERGE each fails', () => {
    const bench = landingInputs(0); // the bench's own Athena Retry
    expect(bench.design.mergePerRegion).toBe(true); // as built (decision 0028)
    const daily = { ...bench.design, lambdaTransformSeconds: 2 };
    for (const objects of [1_000, 10_000]) {
      const shared = simulateLanding({ ...bench, objects, design: daily });
      expect(shared).toMatchObject({ succeeded: objects, failedAthenaCapacity: 0, timedOut: 0 });
      // At most one run per region at a time: a few rounds per region, never one per object.
      expect(shared.merges).toBeLessThanOrEqual(5 * bench.design.regions);
      expect(shared.mergeWaitTransitions).toBe(3 * shared.mergeWaits);
      // A waiter asks every 10-20 s: the turns bound its longest wait from above.
      expect(shared.longestMergeWaitSeconds).toBeLessThan(5 * 60);
      const each = simulateLanding({ ...bench, objects, design: { ...daily, mergePerRegion: false } });
      expect(each.failedAthenaCapacity).toBeGreaterThan(0);
    }
    const lone = simulateLanding({ ...bench, objects: 1, design: daily });
    expect(lone).toMatchObject({ merges: 1, mergesCovered: 0, mergeWaits: 0 });
    // Priced like the gate's turns: 3 transitions and one 128 MB, 50 ms request call per turn.
    expect(mergeWaitUsd({ mergeWaits: 1000, mergeWaitTransitions: 3000 })).toBeCloseTo(
      3000 * 0.000025 + 1000 * (0.125 * 0.05 * 0.0000133334 + 0.2e-6),
      10,
    );
  });

  it('computes retry delays as Step Functions does, capped, with full jitter below the cap', () => {
    expect(retryDelay({ ...GLUE_CAPACITY_RETRY, jitter: 'NONE' }, 1, () => 0.5)).toBe(30);
    expect(retryDelay({ ...GLUE_CAPACITY_RETRY, jitter: 'NONE' }, 3, () => 0.5)).toBe(120);
    expect(retryDelay({ ...GLUE_CAPACITY_RETRY, jitter: 'NONE' }, 9, () => 0.5)).toBe(600);
    expect(retryDelay({ ...GLUE_CAPACITY_RETRY, jitter: 'FULL' }, 3, () => 0.5)).toBe(60);
  });
});
