/**
 * Section 5, the AWS side on paper: a second-by-second simulation of N objects landed at once going
 * through the deployed design's bottlenecks — StartExecution's token bucket, the Glue job's
 * MaxConcurrentRuns with the ASL's capacity Retry (full jitter), the one crawler every execution waits
 * for and then runs itself (Catch → Wait → poll), and Athena's DML concurrency with its Retry — under the
 * execution timeout. Service times and quotas are stated inputs, not measurements.
 */

import { mulberry32 } from '../../local/sample-data';
import { ATHENA_API_RETRY, GLUE_CAPACITY_RETRY } from '../../workflows/retry-policies';
import type { RetryPolicy } from '../../workflows/types';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending';

export interface ScaleInputs {
  readonly objects: number;
  /** StartExecution token bucket (Standard, us-east-1: 1,300 burst, 300/s refill). */
  readonly startBurst: number;
  readonly startPerSecond: number;
  readonly glueMaxConcurrentRuns: number;
  readonly glueSeconds: number;
  readonly glueRetry: RetryPolicy;
  /** Ingest + DQ + promote Lambdas between the start and the crawl. */
  readonly lambdaSeconds: number;
  readonly crawlSeconds: number;
  readonly crawlerWaitSeconds: number;
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
  /** Longest queue of executions waiting for the crawler. */
  maxCrawlerQueue: number;
  crawls: number;
  glueRetries: number;
  /** Extra billed transitions from crawler polls beyond one per execution. */
  extraPollTransitions: number;
  /** Seconds until every execution had started. */
  lastStartSeconds: number;
}

type Phase = 'lambdas' | 'glueTry' | 'glueRun' | 'crawlStart' | 'crawlWait' | 'athena' | 'done';

interface Exec {
  phase: Phase;
  at: number;
  start: number;
  attempts: number;
  ours: boolean;
  polls: number;
  end: 'succeeded' | 'glue' | 'athena' | 'timeout' | null;
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
  let crawlerBusyUntil = -1;
  let crawls = 0;
  let glueRetries = 0;
  let maxCrawlerQueue = 0;
  let lastStart = 0;
  let t = 0;
  const horizon = x.timeoutSeconds * 4;
  for (; t <= horizon; t++) {
    if (queued > 0) {
      tokens = Math.min(x.startBurst, tokens + (t === 0 ? 0 : x.startPerSecond));
      const n = Math.min(queued, Math.floor(tokens));
      for (let i = 0; i < n; i++)
        execs.push({
          phase: 'lambdas',
          at: t + x.lambdaSeconds / 3,
          start: t,
          attempts: 0,
          ours: false,
          polls: 0,
          end: null,
        });
      tokens -= n;
      queued -= n;
      if (n > 0) lastStart = t;
    }
    glueRunning = glueRunning.filter((end) => end > t);
    athenaRunning = athenaRunning.filter((end) => end > t);
    let waiting = 0;
    let open = 0;
    for (const e of execs) {
      if (e.end) continue;
      open++;
      if (t - e.start >= x.timeoutSeconds) {
        e.end = 'timeout';
        continue;
      }
      if (e.phase === 'crawlWait' || e.phase === 'crawlStart') waiting++;
      if (e.at > t) continue;
      switch (e.phase) {
        case 'lambdas':
          e.phase = 'glueTry';
          break;
        case 'glueTry':
          if (glueRunning.length < x.glueMaxConcurrentRuns) {
            glueRunning.push(t + x.glueSeconds);
            e.phase = 'glueRun';
            e.at = t + x.glueSeconds + (2 * x.lambdaSeconds) / 3;
          } else {
            e.attempts++;
            glueRetries++;
            if (e.attempts > x.glueRetry.maxAttempts) e.end = 'glue';
            else e.at = t + Math.max(1, Math.round(retryDelay(x.glueRetry, e.attempts, random)));
          }
          break;
        case 'glueRun':
          e.phase = 'crawlStart';
          e.at = t;
          break;
        case 'crawlStart':
          // Started, or Glue.CrawlerRunningException caught: either way, wait and poll.
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
          else if (e.ours) {
            e.phase = 'athena';
            e.attempts = 0;
          } else e.phase = 'crawlStart';
          break;
        case 'athena':
          if (athenaRunning.length < x.athenaConcurrency) {
            athenaRunning.push(t + x.athenaSeconds);
            e.phase = 'done';
            e.at = t + x.athenaSeconds;
          } else {
            e.attempts++;
            if (e.attempts > x.athenaRetry.maxAttempts) e.end = 'athena';
            else e.at = t + Math.max(1, Math.round(retryDelay(x.athenaRetry, e.attempts, random)));
          }
          break;
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
    lastStartSeconds: lastStart,
  };
}

/** The AWS side as the bench simulates it: service limits and durations of the deployed pipeline. */
export function landingInputs(objects: number): ScaleInputs {
  return {
    objects,
    startBurst: 1300,
    startPerSecond: 300,
    glueMaxConcurrentRuns: 20,
    glueSeconds: 90,
    glueRetry: GLUE_CAPACITY_RETRY,
    lambdaSeconds: 6,
    crawlSeconds: 100,
    crawlerWaitSeconds: 30,
    athenaConcurrency: 20,
    athenaSeconds: 15,
    athenaRetry: ATHENA_API_RETRY,
    timeoutSeconds: YOUTUBE_TRENDING.timeoutSeconds,
    statesPerPoll: 3,
    seed: 7,
  };
}
