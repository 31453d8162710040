/**
 * Section 5, the AWS side on paper: a second-by-second simulation of N objects landed at once (or
 * started at a backfill's paced rate) going through the deployed design's bottlenecks — StartExecution's
 * token bucket, the Glue admission gate (decision 0027: as many slots as the job's MaxConcurrentRuns;
 * an object turned away waits 30–60 s, jittered, and asks again, each turn three billed transitions and
 * one acquire Lambda call) or, without it, the ASL's capacity Retry (full jitter), partition registration with a crawl
 * only while the table does not exist yet (the first object starts it, the others wait for it and then
 * register: Catch → Wait → poll → Register partition), and Athena's DML concurrency with its Retry —
 * under the execution timeout. With `mergePerRegion` (built, decision 0028) an object asks for its
 * region's MERGE once registered: it draws a ticket, runs the MERGE when no run holds the region, is
 * done when a run that claimed after its ticket has finished, and otherwise waits 10–20 s, jittered, and
 * asks again (each turn three billed transitions and one request Lambda call). Service times and quotas
 * are stated inputs, not measurements.
 */

import { type WaitSettings, waitWindow } from '../../handlers/core/slot-gate';
import { mulberry32 } from '../../local/sample-data';
import { MERGE_WAIT_SECONDS, REQUEST_REGION_MERGE } from '../../workflows/region-merge';
import { ATHENA_API_RETRY, GLUE_CAPACITY_RETRY } from '../../workflows/retry-policies';
import { ACQUIRE_TRANSFORM_SLOT, SLOT_WAIT_SECONDS } from '../../workflows/transform-admission';
import type { RetryPolicy } from '../../workflows/types';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';
import { LIST_PRICES, type Prices } from './cost-model';

export interface ScaleInputs {
  readonly objects: number;
  /** StartExecution token bucket (Standard, us-east-1: 1,300 burst, 300/s refill). */
  readonly startBurst: number;
  readonly startPerSecond: number;
  /** `lakestep backfill --aws --rate`: starts per second at most (null: every object starts as soon as it can). */
  readonly pacedStartsPerSecond: number | null;
  /** The gate's slots: the Glue job's MaxConcurrentRuns (one stage setting for both). */
  readonly glueMaxConcurrentRuns: number;
  readonly glueSeconds: number;
  readonly glueRetry: RetryPolicy;
  /** Ingest + DQ + promote Lambdas between the start and the registration. */
  readonly lambdaSeconds: number;
  readonly crawlSeconds: number;
  readonly crawlerWaitSeconds: number;
  /** The cleansed table already exists (a deployed lake): no object crawls. False: a fresh stack's first backfill. */
  readonly tableExists: boolean;
  /** Register partition (a Lambda calling BatchCreatePartition). */
  readonly registerSeconds: number;
  /** The wait between two asks at the gate (jittered uniformly in its window, slot-gate.ts waitWindow) and the states of one turn. */
  readonly gateWaitSeconds: WaitSettings;
  readonly statesPerGateTurn: number;
  /** The wait between two asks for a region's MERGE (jittered uniformly in the window) and the states of one turn. */
  readonly mergeWaitSeconds: { readonly min: number; readonly max: number };
  readonly statesPerMergeTurn: number;
  /**
   * The designs of docs/decisions/0018: `gate` (built, decision 0027) admits Glue runs through the slot
   * table (objects wait in a Wait loop, no retry to exhaust; false: the capacity Retry alone, as before it);
   * `lambdaTransformSeconds` transforms the objects in a Lambda instead of Glue — built (decision 0026)
   * for objects below the small-object threshold, so set it for a landing of daily files and leave it
   * null for large objects; `mergePerRegion` (built, decision 0028) runs one MERGE per region for the
   * objects waiting for it (group commit); false: every object runs its own MERGE, as before it.
   */
  readonly design: {
    readonly gate: boolean;
    readonly lambdaTransformSeconds: number | null;
    readonly lambdaConcurrency: number;
    readonly mergePerRegion: boolean;
    readonly regions: number;
  };
  readonly athenaConcurrency: number;
  readonly athenaSeconds: number;
  readonly athenaRetry: RetryPolicy;
  readonly timeoutSeconds: number;
  readonly statesPerPoll: number;
  readonly seed: number;
}

export interface ScaleResult {
  succeeded: number;
  /** Glue capacity retries exhausted: FAILED at "Transform batch" (replayable). */
  failedGlueCapacity: number;
  failedAthenaCapacity: number;
  timedOut: number;
  /** Seconds from the landing to the last execution's end. */
  makespanSeconds: number;
  /** Longest queue of executions waiting for the crawler (only while a new table is crawled). */
  maxCrawlerQueue: number;
  crawls: number;
  glueRetries: number;
  /** Extra billed transitions from crawler polls beyond one per execution. */
  extraPollTransitions: number;
  /** Turns of the gate's wait loop (each: one acquire Lambda call that answered "wait", then the Choice and the Wait). */
  gateWaits: number;
  /** Billed transitions of those turns. */
  gateWaitTransitions: number;
  /** The longest an object waited at the gate, in seconds. */
  longestGateWaitSeconds: number;
  /** Seconds until every execution had started. */
  lastStartSeconds: number;
  /** MERGE statements run on Athena. */
  merges: number;
  /** Objects done by another object's MERGE of their region (no MERGE, no finish of their own). */
  mergesCovered: number;
  /** Turns of the region MERGE's wait loop (each: one request call that answered "wait", the Choice, the Wait). */
  mergeWaits: number;
  mergeWaitTransitions: number;
  /** The longest an object waited from its first request to the end of the MERGE that covered it, in seconds. */
  longestMergeWaitSeconds: number;
}

type Phase = 'lambdas' | 'glueTry' | 'glueRun' | 'register' | 'crawlWait' | 'athena' | 'merging' | 'done';

interface Exec {
  phase: Phase;
  at: number;
  start: number;
  attempts: number;
  ours: boolean;
  polls: number;
  end: 'succeeded' | 'glue' | 'athena' | 'timeout' | null;
  region: number;
  /** When it first asked the gate for a slot (null: not yet). */
  gateSince: number | null;
  /** Its ticket for the region's MERGE, when it first asked, and (as the runner) the last ticket its run covers. */
  ticket: number | null;
  mergeSince: number;
  covers: number;
}

/** A region's MERGE item: tickets drawn, the last ticket a finished run covered, and whether a run holds it. */
interface RegionItem {
  asked: number;
  covered: number;
  running: boolean;
}

/** Delay before retry number `attempt` (1-based) with FULL jitter, as Step Functions computes it. */
export function retryDelay(p: RetryPolicy, attempt: number, random: () => number): number {
  const base = Math.min(
    p.maxDelaySeconds ?? Number.POSITIVE_INFINITY,
    p.intervalSeconds * p.backoffRate ** (attempt - 1),
  );
  return p.jitter === 'NONE' ? base : random() * base;
}

export function simulateLanding(x: ScaleInputs): ScaleResult {
  const random = mulberry32(x.seed);
  const execs: Exec[] = [];
  let tokens = x.startBurst;
  let queued = x.objects;
  let glueRunning: number[] = [];
  let athenaRunning: number[] = [];
  let lambdaRunning: number[] = [];
  const regionItems = new Map<number, RegionItem>();
  let mergeRuns = 0;
  let mergesCovered = 0;
  let mergeWaits = 0;
  let longestMergeWait = 0;
  let crawlerBusyUntil = -1;
  let tableExists = x.tableExists;
  let crawls = 0;
  let glueRetries = 0;
  let maxCrawlerQueue = 0;
  let lastStart = 0;
  let gateWaits = 0;
  let longestGateWait = 0;
  // Start credit of a paced backfill: the first start goes at once.
  let paced = 1 - (x.pacedStartsPerSecond ?? 0);
  let t = 0;
  const horizon = x.timeoutSeconds * 4;
  for (; t <= horizon; t++) {
    if (queued > 0) {
      tokens = Math.min(x.startBurst, tokens + (t === 0 ? 0 : x.startPerSecond));
      // A paced backfill earns a fraction of a start each second; the bucket still caps it.
      if (x.pacedStartsPerSecond !== null) paced = Math.min(paced + x.pacedStartsPerSecond, x.startBurst);
      const n = Math.min(
        queued,
        Math.floor(tokens),
        x.pacedStartsPerSecond === null ? queued : Math.floor(paced),
      );
      if (x.pacedStartsPerSecond !== null) paced -= n;
      for (let i = 0; i < n; i++)
        execs.push({
          phase: 'lambdas',
          at: t + x.lambdaSeconds / 3,
          start: t,
          attempts: 0,
          ours: false,
          polls: 0,
          end: null,
          region: execs.length % x.design.regions,
          gateSince: null,
          ticket: null,
          mergeSince: 0,
          covers: 0,
        });
      tokens -= n;
      queued -= n;
      if (n > 0) lastStart = t;
    }
    glueRunning = glueRunning.filter((end) => end > t);
    athenaRunning = athenaRunning.filter((end) => end > t);
    lambdaRunning = lambdaRunning.filter((end) => end > t);
    let waiting = 0;
    let open = 0;
    for (const e of execs) {
      if (e.end) continue;
      open++;
      if (t - e.start >= x.timeoutSeconds) {
        e.end = 'timeout';
        continue;
      }
      if (e.phase === 'crawlWait') waiting++;
      if (e.at > t) continue;
      switch (e.phase) {
        case 'lambdas':
          if (x.design.lambdaTransformSeconds !== null) {
            if (lambdaRunning.length < x.design.lambdaConcurrency) {
              lambdaRunning.push(t + x.design.lambdaTransformSeconds);
              e.phase = 'glueRun';
              e.at = t + x.design.lambdaTransformSeconds + (2 * x.lambdaSeconds) / 3;
            } else e.at = t + 1; // Lambda throttles: the Lambda Retry waits
            break;
          }
          e.phase = 'glueTry';
          break;
        case 'glueTry':
          if (x.design.gate) e.gateSince ??= t;
          if (glueRunning.length < x.glueMaxConcurrentRuns) {
            glueRunning.push(t + x.glueSeconds);
            e.phase = 'glueRun';
            e.at = t + x.glueSeconds + (2 * x.lambdaSeconds) / 3;
            if (e.gateSince !== null) longestGateWait = Math.max(longestGateWait, t - e.gateSince);
          } else if (x.design.gate) {
            // Turned away: the acquire answered "wait"; the Wait state waits the jittered seconds.
            gateWaits++;
            const { min, max } = waitWindow(t - (e.gateSince ?? t), x.gateWaitSeconds);
            e.at = t + min + Math.floor(random() * (max - min + 1));
          } else {
            e.attempts++;
            glueRetries++;
            if (e.attempts > x.glueRetry.maxAttempts) e.end = 'glue';
            else e.at = t + Math.max(1, Math.round(retryDelay(x.glueRetry, e.attempts, random)));
          }
          break;
        case 'glueRun':
          e.phase = 'register';
          e.at = t + x.registerSeconds;
          break;
        case 'register':
          // Registered when the table exists; else the first object crawls and the others wait for it.
          if (!tableExists && crawls > 0 && crawlerBusyUntil <= t) tableExists = true;
          if (tableExists) {
            e.phase = 'athena';
            e.attempts = 0;
            break;
          }
          e.ours = crawlerBusyUntil <= t;
          if (e.ours) {
            crawlerBusyUntil = t + x.crawlSeconds;
            crawls++;
          }
          e.phase = 'crawlWait';
          e.at = t + x.crawlerWaitSeconds;
          break;
        case 'crawlWait':
          e.polls++;
          if (crawlerBusyUntil > t) e.at = t + x.crawlerWaitSeconds;
          else {
            tableExists = true;
            e.phase = e.ours ? 'athena' : 'register';
            e.attempts = 0;
          }
          break;
        case 'athena':
          if (x.design.mergePerRegion) {
            // Request region merge (first: draw a ticket) or Ask again (a turn of the wait loop).
            const m = regionItems.get(e.region) ?? { asked: 0, covered: 0, running: false };
            regionItems.set(e.region, m);
            if (e.ticket === null) {
              e.ticket = ++m.asked;
              e.mergeSince = t;
            }
            if (m.covered >= e.ticket) {
              // Covered: a run that claimed after this ticket finished; on to the run summary.
              mergesCovered++;
              longestMergeWait = Math.max(longestMergeWait, t - e.mergeSince);
              e.phase = 'done';
              break;
            }
            if (!m.running && athenaRunning.length < x.athenaConcurrency) {
              // Claimed: this object's MERGE covers every ticket drawn so far.
              m.running = true;
              e.covers = m.asked;
              mergeRuns++;
              athenaRunning.push(t + x.athenaSeconds);
              e.phase = 'merging';
              e.at = t + x.athenaSeconds;
              break;
            }
            if (!m.running) {
              // Claimed, but Athena's DML queue is full: the MERGE's Athena Retry, holding the claim.
              e.attempts++;
              if (e.attempts > x.athenaRetry.maxAttempts) e.end = 'athena';
              else e.at = t + Math.max(1, Math.round(retryDelay(x.athenaRetry, e.attempts, random)));
              break;
            }
            mergeWaits++;
            const { min, max } = x.mergeWaitSeconds;
            e.at = t + min + Math.floor(random() * (max - min + 1));
            break;
          }
          if (athenaRunning.length < x.athenaConcurrency) {
            mergeRuns++;
            athenaRunning.push(t + x.athenaSeconds);
            e.phase = 'done';
            e.at = t + x.athenaSeconds;
          } else {
            e.attempts++;
            if (e.attempts > x.athenaRetry.maxAttempts) e.end = 'athena';
            else e.at = t + Math.max(1, Math.round(retryDelay(x.athenaRetry, e.attempts, random)));
          }
          break;
        case 'merging': {
          // Finish region merge: every ticket the run covers is done; the region is free.
          const m = regionItems.get(e.region) as RegionItem;
          m.covered = Math.max(m.covered, e.covers);
          m.running = false;
          longestMergeWait = Math.max(longestMergeWait, t - e.mergeSince);
          e.phase = 'done';
          break;
        }
        case 'done':
          e.end = 'succeeded';
          e.at = t;
          break;
      }
    }
    maxCrawlerQueue = Math.max(maxCrawlerQueue, waiting);
    if (queued === 0 && open === 0) break;
  }
  const ended = (k: Exec['end']) => execs.filter((e) => e.end === k).length;
  const finished = execs.filter((e) => e.end === 'succeeded');
  return {
    succeeded: finished.length,
    failedGlueCapacity: ended('glue'),
    failedAthenaCapacity: ended('athena'),
    timedOut: ended('timeout') + execs.filter((e) => !e.end).length + queued,
    makespanSeconds: t,
    maxCrawlerQueue,
    crawls,
    glueRetries,
    extraPollTransitions: execs.reduce((s, e) => s + Math.max(0, e.polls - 1) * x.statesPerPoll, 0),
    gateWaits,
    gateWaitTransitions: gateWaits * x.statesPerGateTurn,
    longestGateWaitSeconds: longestGateWait,
    lastStartSeconds: lastStart,
    merges: mergeRuns,
    mergesCovered,
    mergeWaits,
    mergeWaitTransitions: mergeWaits * x.statesPerMergeTurn,
    longestMergeWaitSeconds: longestMergeWait,
  };
}

/** The AWS side as the bench simulates it: service limits and durations of the deployed pipeline. */
export function landingInputs(objects: number): ScaleInputs {
  return {
    objects,
    startBurst: 1300,
    startPerSecond: 300,
    pacedStartsPerSecond: null,
    glueMaxConcurrentRuns: 20,
    gateWaitSeconds: SLOT_WAIT_SECONDS,
    // Acquire transform slot, Slot acquired?, Wait for a transform slot.
    statesPerGateTurn: 3,
    mergeWaitSeconds: MERGE_WAIT_SECONDS,
    // Request region merge (or Ask again) that answered wait, Region merge turn?, Wait for the region merge.
    statesPerMergeTurn: 3,
    glueSeconds: 90,
    glueRetry: GLUE_CAPACITY_RETRY,
    lambdaSeconds: 6,
    crawlSeconds: 100,
    crawlerWaitSeconds: 30,
    tableExists: true,
    registerSeconds: 1,
    design: {
      gate: true,
      lambdaTransformSeconds: null,
      lambdaConcurrency: 1000,
      mergePerRegion: true,
      regions: 10,
    },
    athenaConcurrency: 20,
    athenaSeconds: 15,
    athenaRetry: ATHENA_API_RETRY,
    timeoutSeconds: YOUTUBE_TRENDING.timeoutSeconds,
    statesPerPoll: 3,
    seed: 7,
  };
}

/** An acquire call that answers "wait" is one short Lambda invocation (a conditional UpdateItem). */
export const ACQUIRE_CALL_MS = 50;

/** What waiting at the gate cost: each turn's transitions and its acquire call, at list prices. */
export function gateWaitUsd(
  r: Pick<ScaleResult, 'gateWaits' | 'gateWaitTransitions'>,
  prices: Prices = LIST_PRICES,
): number {
  const gbSeconds = (ACQUIRE_TRANSFORM_SLOT.function.memoryMb / 1024) * (ACQUIRE_CALL_MS / 1000);
  return (
    r.gateWaitTransitions * prices.stepFunctionsPerTransition +
    r.gateWaits * (gbSeconds * prices.lambdaPerGbSecond + prices.lambdaPerRequest)
  );
}

/** What waiting for a region's MERGE cost: each turn's transitions and its request call, at list prices. */
export function mergeWaitUsd(
  r: Pick<ScaleResult, 'mergeWaits' | 'mergeWaitTransitions'>,
  prices: Prices = LIST_PRICES,
): number {
  const gbSeconds = (REQUEST_REGION_MERGE.function.memoryMb / 1024) * (ACQUIRE_CALL_MS / 1000);
  return (
    r.mergeWaitTransitions * prices.stepFunctionsPerTransition +
    r.mergeWaits * (gbSeconds * prices.lambdaPerGbSecond + prices.lambdaPerRequest)
  );
}

/**
 * What an object covered by another's MERGE does not pay: the MERGE and Finish region merge states, the
 * finish call, and the MERGE itself (Athena's 10 MB minimum at least, and its S3 requests) — priced by
 * the cost model's lines for the lone path, which runs its own MERGE.
 */
export const COVERED_SKIPS = { transitions: 2, lambdaCalls: 1, athenaQueries: 1 } as const;

/**
 * The Glue throughput the gate admits, in objects per minute (slots / minutes per run): the `--rate`
 * at which a backfill of Glue-bound objects starts no faster than they can be transformed.
 */
export function gateThroughputPerMinute(
  x: Pick<ScaleInputs, 'glueMaxConcurrentRuns' | 'glueSeconds'>,
): number {
  return Math.floor((x.glueMaxConcurrentRuns * 60) / x.glueSeconds);
}

/** The rows of section 5: the committed design at 1 to 10,000 objects, before the gate, a paced backfill, and the designs not built yet. */
export function scaleSimulations(): { label: string; inputs: ScaleInputs; result: ScaleResult }[] {
  const row = (
    label: string,
    objects: number,
    change: Partial<ScaleInputs['design']> = {},
    fresh = false,
    pacedPerMinute: number | null = null,
  ) => {
    const base = landingInputs(objects);
    const inputs: ScaleInputs = {
      ...base,
      tableExists: !fresh,
      pacedStartsPerSecond: pacedPerMinute === null ? null : pacedPerMinute / 60,
      design: { ...base.design, ...change },
    };
    return { label, inputs, result: simulateLanding(inputs) };
  };
  // Built (decision 0026): a daily file (~100 KB) is below the threshold, so the Lambda transform takes
  // it (a cold start and a fraction of a second of work: 2 s) and no Glue run is started; and (decision
  // 0028) the objects waiting for a region share its MERGE.
  const daily = { lambdaTransformSeconds: 2 };
  const rate = gateThroughputPerMinute(landingInputs(0));
  return [
    row('as built (gate)', 1),
    row('as built (gate)', 100),
    row('as built (gate)', 1_000),
    row('as built (gate), fresh stack', 1_000, {}, true),
    row('as built (gate)', 10_000),
    row(`as built, backfill --aws --rate ${rate}`, 10_000, {}, false, rate),
    row('as built, daily files (Lambda transform)', 1, daily),
    row('as built, daily files (Lambda transform)', 1_000, daily),
    row('as built, daily files (Lambda transform)', 10_000, daily),
    row('daily files, a MERGE per object (before decision 0028)', 1_000, { ...daily, mergePerRegion: false }),
    row('daily files, a MERGE per object (before decision 0028)', 10_000, {
      ...daily,
      mergePerRegion: false,
    }),
    row('before the gate (capacity Retry only)', 1_000, { gate: false }),
    row('before the gate (capacity Retry only)', 10_000, { gate: false }),
  ];
}
