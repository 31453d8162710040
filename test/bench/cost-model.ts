/**
 * The cost model (pure): what one landed object costs on AWS, built from a real local execution of each
 * path (state transitions, Lambda invocations and durations, S3 requests) and list prices, plus the
 * stated assumptions for what the local run cannot show (Glue and crawler run time, Athena bytes).
 * What counts as a transition is docs/decisions/0012-benchmark-baseline-and-transitions.md.
 */

/** List prices, US East (N. Virginia), as known for 2025 (not re-checked from this machine: no route to AWS). */
export const LIST_PRICES = {
  stepFunctionsPerTransition: 0.025 / 1000,
  lambdaPerGbSecond: 0.0000133334, // arm64
  lambdaPerRequest: 0.2 / 1e6,
  glueDpuHour: 0.44,
  glueJobMinimumSeconds: 60,
  crawlerDpuHour: 0.44,
  crawlerMinimumSeconds: 600,
  athenaPerTb: 5,
  athenaMinimumBytes: 10 * 1024 * 1024,
  /** PUT, COPY, POST, LIST. */
  s3Tier1Per1000: 0.005,
  /** GET, HEAD (DELETE is free). */
  s3Tier2Per1000: 0.0004,
} as const;
export type Prices = typeof LIST_PRICES;

/**
 * `happy`: a statistics object at or above the small-object threshold (the Glue job); `small`: one below
 * it (the Lambda transform, decision 0026), such as a daily file.
 */
export type PathName = 'happy' | 'small' | 'dq_failure' | 'reference' | 'rejected';

export interface EventLike {
  readonly type: string;
  readonly stateName?: string;
}

export interface TransitionCount {
  /** Billed transitions: every state entered, plus every retry of a state (AWS bills retries). */
  transitions: number;
  entered: number;
  retries: number;
  /** Times the crawler status was polled. */
  polls: number;
}

/** Counts the billed state transitions of one execution from its stored history. */
export function countTransitions(events: readonly EventLike[], pollState: string): TransitionCount {
  let entered = 0;
  let retries = 0;
  let polls = 0;
  for (const e of events) {
    if (e.type === 'StateEntered') {
      entered++;
      if (e.stateName === pollState) polls++;
    } else if (e.type === 'StateRetried') retries++;
  }
  return { transitions: entered + retries, entered, retries, polls };
}

export interface S3Requests {
  tier1: number;
  tier2: number;
}

/** One path, as a real local execution walked it. */
export interface PathProfile {
  readonly path: PathName;
  readonly count: TransitionCount;
  /** States in one turn of the crawler wait loop (Wait, Get status, Choice). */
  readonly statesPerPoll: number;
  readonly lambdas: readonly { fn: string; memoryMb: number; durationMs: number }[];
  readonly glueRuns: number;
  readonly crawlerRuns: number;
  readonly athenaQueries: number;
  /** S3 requests the handlers made (counted at the storage port). */
  readonly s3: S3Requests;
}

/** What the local run cannot measure: stated, so that the reader can change them. */
export interface AwsAssumptions {
  /** Crawler polls on AWS: a crawl of a few partitions takes ~1.5 min, polled every 30 s. */
  readonly crawlerPolls: number;
  /** Wall time of one crawl (billed at the 10-minute minimum when shorter). */
  readonly crawlSeconds: number;
  readonly crawlerDpus: number;
  /** Bytes of the landed statistics object. */
  readonly objectBytes: number;
  readonly glueDpus: number;
  readonly glueStartupSeconds: number;
  /** Spark throughput on this CSV, per DPU. */
  readonly glueBytesPerSecondPerDpu: number;
  /** Bytes the MERGE scans: the region's cleansed rows (all columns: an upper bound) + categories + the table. */
  readonly athenaBytes: number;
  /** Lambda durations scale with the object for the ingest and the Lambda transform (they read it whole). */
  readonly lambdaDurationScale: Readonly<Record<string, number>>;
  /** Requests made by Glue (Spark), the crawler and Athena on their own (not through a handler). */
  readonly serviceS3: { glue: S3Requests; crawler: S3Requests; athena: S3Requests };
  /** The starter Lambda runs once per object, before the execution. */
  readonly starter: { memoryMb: number; durationMs: number };
  /** Inside a burst, the region MERGE's group commit (decision 0028), from the scale model; absent: a lone object. */
  readonly groupCommit?: GroupCommit;
}

/**
 * What sharing a region's MERGE changes per object of a burst: a share of the objects is covered by
 * another's run (no MERGE state, no Finish region merge state and call, no Athena query of its own),
 * and each waits some turns (the request that answered wait, the Choice, the Wait; one request call).
 */
export interface GroupCommit {
  readonly coveredShare: number;
  readonly waitTurnsPerObject: number;
  readonly statesPerTurn: number;
  /** States a covered object does not enter: "Materialize category_daily" and "Finish region merge". */
  readonly skippedStates: number;
  readonly request: { memoryMb: number; durationMs: number };
  /** The finish call a covered object does not make (its function id in the measured path). */
  readonly finishFunction: string;
}

export interface CostLine {
  item: string;
  usage: string;
  usd: number;
}

export function awsTransitions(p: PathProfile, a: AwsAssumptions): number {
  const g = a.groupCommit;
  const shared = g ? g.waitTurnsPerObject * g.statesPerTurn - g.coveredShare * g.skippedStates : 0;
  if (p.count.polls === 0) return p.count.transitions + shared;
  return p.count.transitions + (a.crawlerPolls - p.count.polls) * p.statesPerPoll + shared;
}

export function glueSeconds(a: AwsAssumptions): number {
  return a.glueStartupSeconds + a.objectBytes / (a.glueBytesPerSecondPerDpu * a.glueDpus);
}

/** Cost of one landed object on a path, line by line. */
export function costPerObject(p: PathProfile, a: AwsAssumptions, prices: Prices = LIST_PRICES): CostLine[] {
  const lines: CostLine[] = [];
  const transitions = awsTransitions(p, a);
  const g = a.groupCommit;
  lines.push({
    item: 'Step Functions',
    usage: `${Number.isInteger(transitions) ? transitions : transitions.toFixed(1)} transitions`,
    usd: transitions * prices.stepFunctionsPerTransition,
  });
  // Each invocation weighted: a covered object makes no finish call; wait turns add request calls.
  const invocations = [
    ...p.lambdas.map((l) => ({ ...l, weight: g && l.fn === g.finishFunction ? 1 - g.coveredShare : 1 })),
    { fn: 'StartExecution', ...a.starter, weight: 1 },
    ...(g ? [{ fn: 'RequestRegionMerge', ...g.request, weight: g.waitTurnsPerObject }] : []),
  ];
  const gbSeconds = invocations.reduce((s, l) => {
    const ms = Math.max(1, Math.ceil(l.durationMs * (a.lambdaDurationScale[l.fn] ?? 1)));
    return s + l.weight * (l.memoryMb / 1024) * (ms / 1000);
  }, 0);
  const calls = invocations.reduce((s, l) => s + l.weight, 0);
  lines.push({
    item: 'Lambda',
    usage: `${Number.isInteger(calls) ? calls : calls.toFixed(1)} invocations, ${gbSeconds.toFixed(2)} GB-s`,
    usd: gbSeconds * prices.lambdaPerGbSecond + calls * prices.lambdaPerRequest,
  });
  if (p.glueRuns > 0) {
    const billed = Math.max(prices.glueJobMinimumSeconds, glueSeconds(a));
    const dpuHours = (p.glueRuns * a.glueDpus * billed) / 3600;
    lines.push({
      item: 'Glue job',
      usage: `${a.glueDpus} DPU × ${Math.round(billed)} s billed (${prices.glueJobMinimumSeconds} s minimum)`,
      usd: dpuHours * prices.glueDpuHour,
    });
  }
  if (p.crawlerRuns > 0) {
    const billed = Math.max(prices.crawlerMinimumSeconds, a.crawlSeconds);
    lines.push({
      item: 'Glue crawler',
      usage: `${p.crawlerRuns} crawl × ${a.crawlerDpus} DPU × ${Math.round(billed / 60)} min billed (10-minute minimum)`,
      usd: (p.crawlerRuns * a.crawlerDpus * billed * prices.crawlerDpuHour) / 3600,
    });
  }
  // A covered object runs no MERGE of its own: the region's run it shared read its batch.
  const queries = p.athenaQueries * (1 - (g?.coveredShare ?? 0));
  if (p.athenaQueries > 0) {
    const bytes = Math.max(prices.athenaMinimumBytes, a.athenaBytes);
    lines.push({
      item: 'Athena',
      usage: `${Number.isInteger(queries) ? queries : queries.toFixed(3)} MERGE × ${(bytes / 2 ** 20).toFixed(0)} MB scanned`,
      usd: (queries * bytes * prices.athenaPerTb) / 2 ** 40,
    });
  }
  const share = queries / Math.max(1, p.athenaQueries);
  const svc = [
    p.s3,
    ...(p.glueRuns > 0 ? [a.serviceS3.glue] : []),
    ...(p.crawlerRuns > 0 ? [a.serviceS3.crawler] : []),
    ...(p.athenaQueries > 0
      ? [{ tier1: a.serviceS3.athena.tier1 * share, tier2: a.serviceS3.athena.tier2 * share }]
      : []),
  ];
  const t1 = svc.reduce((s, r) => s + r.tier1, 0);
  const t2 = svc.reduce((s, r) => s + r.tier2, 0);
  const n = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  lines.push({
    item: 'S3 requests',
    usage: `${n(t1)} PUT/COPY/LIST, ${n(t2)} GET/HEAD`,
    usd: (t1 * prices.s3Tier1Per1000 + t2 * prices.s3Tier2Per1000) / 1000,
  });
  return lines;
}

export const total = (lines: readonly CostLine[]): number => lines.reduce((s, l) => s + l.usd, 0);

export interface DayScenario {
  readonly name: string;
  /** Objects per day on each path, with the assumptions for that object size. */
  readonly objects: readonly { path: PathName; perDay: number; assumptions: AwsAssumptions }[];
}

/** Cost per day of a scenario, by service (summed over its objects). */
export function costPerDay(
  scenario: DayScenario,
  profiles: ReadonlyMap<PathName, PathProfile>,
  prices: Prices = LIST_PRICES,
): { byItem: Record<string, number>; total: number } {
  const byItem: Record<string, number> = {};
  for (const o of scenario.objects) {
    const p = profiles.get(o.path);
    if (!p) throw new Error(`cost model: no measured execution for the ${o.path} path`);
    for (const l of costPerObject(p, o.assumptions, prices))
      byItem[l.item] = (byItem[l.item] ?? 0) + l.usd * o.perDay;
  }
  return { byItem, total: Object.values(byItem).reduce((s, v) => s + v, 0) };
}
