/**
 * `lakestep backfill --aws`: every object already under a prefix of the landing bucket (all pages of
 * the listing) gets the execution the trigger would have started for it, at a paced rate (a start
 * every 60/rate seconds at most, at most `concurrency` calls in flight, throttling backed off), so
 * that a history of thousands of objects enters the pipeline no faster than it can admit them.
 * Running it again starts nothing twice: the names are deterministic, and an execution that exists
 * already is counted as "already started". Ports in, report out; the CLI prints.
 */

import {
  type EventContext,
  type ListedObject,
  type ObjectPlan,
  planObject,
  type SkipReason,
} from './backfill-plan';
import { isRetryable, mapWithLimit, type PacingDeps, withBackoff } from './pacing';

export type StartAnswer =
  | { readonly status: 'started'; readonly executionArn: string }
  | { readonly status: 'exists' };

export interface BackfillPorts extends PacingDeps {
  /** The objects under the prefix, a page at a time (ListObjectsV2 with its continuation tokens). */
  list(bucket: string, prefix: string): AsyncIterable<readonly ListedObject[]>;
  /** StartExecution; ExecutionAlreadyExists is the answer `exists`, anything else a throw. */
  start(name: string, input: string): Promise<StartAnswer>;
  readonly now: () => Date;
}

export interface BackfillOptions extends EventContext {
  readonly prefix: string;
  readonly stateMachineArn: string;
  /** Starts per minute at most. */
  readonly ratePerMinute: number;
  readonly concurrency: number;
  readonly dryRun: boolean;
}

export type ObjectOutcome =
  | {
      readonly key: string;
      readonly outcome: 'started';
      readonly name: string;
      readonly executionArn: string;
    }
  | { readonly key: string; readonly outcome: 'already_started'; readonly name: string }
  | { readonly key: string; readonly outcome: 'would_start'; readonly name: string }
  | {
      readonly key: string;
      readonly outcome: 'skipped';
      readonly reason: SkipReason;
      readonly message: string;
    }
  | { readonly key: string; readonly outcome: 'failed'; readonly name: string; readonly error: string };

export interface BackfillReport {
  readonly listed: number;
  readonly objects: readonly ObjectOutcome[];
  readonly summary: {
    readonly started: number;
    readonly alreadyStarted: number;
    readonly wouldStart: number;
    readonly skipped: Readonly<Partial<Record<SkipReason, number>>>;
    readonly failed: number;
    readonly throttled: number;
    readonly byDataset: Readonly<Record<string, number>>;
  };
}

export interface Progress {
  readonly done: number;
  readonly total: number;
  readonly started: number;
  readonly alreadyStarted: number;
  readonly failed: number;
}

const describe = (e: unknown) => {
  const err = e as { name?: string; message?: string };
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
};

export async function listAll(ports: BackfillPorts, bucket: string, prefix: string): Promise<ListedObject[]> {
  const all: ListedObject[] = [];
  for await (const page of ports.list(bucket, prefix)) all.push(...page);
  return all;
}

export async function runBackfill(
  ports: BackfillPorts,
  options: BackfillOptions,
  objects: readonly ListedObject[],
  onProgress?: (p: Progress) => void,
): Promise<BackfillReport> {
  const began = ports.now();
  const plans: ObjectPlan[] = objects.map((o) => planObject(options, o, began));
  const startPlans = plans.filter((p): p is Extract<ObjectPlan, { action: 'start' }> => p.action === 'start');
  const byDataset: Record<string, number> = {};
  for (const p of startPlans) byDataset[p.dataset] = (byDataset[p.dataset] ?? 0) + 1;
  const outcomes = new Map<string, ObjectOutcome>();
  for (const p of plans)
    if (p.action === 'skip')
      outcomes.set(p.key, { key: p.key, outcome: 'skipped', reason: p.reason, message: p.message });

  let throttled = 0;
  const progress = { done: 0, total: startPlans.length, started: 0, alreadyStarted: 0, failed: 0 };
  if (options.dryRun)
    for (const p of startPlans) outcomes.set(p.key, { key: p.key, outcome: 'would_start', name: p.name });
  else {
    const spacingMs = 60_000 / options.ratePerMinute;
    let nextSlot = began.getTime();
    const deps: PacingDeps = {
      ...ports,
      onRetry: (what, attempt, delay, error) => {
        if (isRetryable(error)) throttled++;
        ports.onRetry?.(what, attempt, delay, error);
      },
    };
    await mapWithLimit(startPlans, options.concurrency, async (p) => {
      // The pace: each start takes the next slot of the schedule, whoever's turn it is.
      const due = nextSlot;
      nextSlot += spacingMs;
      const wait = due - ports.now().getTime();
      if (wait > 0) await ports.sleep(wait);
      let outcome: ObjectOutcome;
      try {
        // The input names this run: a retry within it is the same start (Step Functions answers a start
        // of a running execution with the same name and input with that execution), while an execution
        // of this name from the trigger or an earlier run has another input, so it is ExecutionAlreadyExists.
        const answer = await withBackoff(deps, `StartExecution ${p.name}`, () =>
          ports.start(p.name, p.input),
        );
        outcome =
          answer.status === 'exists'
            ? { key: p.key, outcome: 'already_started', name: p.name }
            : { key: p.key, outcome: 'started', name: p.name, executionArn: answer.executionArn };
      } catch (e) {
        outcome = { key: p.key, outcome: 'failed', name: p.name, error: describe(e) };
      }
      outcomes.set(p.key, outcome);
      progress.done++;
      if (outcome.outcome === 'started') progress.started++;
      else if (outcome.outcome === 'already_started') progress.alreadyStarted++;
      else progress.failed++;
      onProgress?.({ ...progress });
    });
  }
  const ordered = objects.map((o) => outcomes.get(o.key) as ObjectOutcome);
  const count = (what: ObjectOutcome['outcome']) => ordered.filter((o) => o.outcome === what).length;
  const skipped: Partial<Record<SkipReason, number>> = {};
  for (const o of ordered) if (o.outcome === 'skipped') skipped[o.reason] = (skipped[o.reason] ?? 0) + 1;
  return {
    listed: objects.length,
    objects: ordered,
    summary: {
      started: count('started'),
      alreadyStarted: count('already_started'),
      wouldStart: count('would_start'),
      skipped,
      failed: count('failed'),
      throttled,
      byDataset,
    },
  };
}
