import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Concurrency helpers of the local runtime: a bounded pool over a list (executions of a backfill), a
 * FIFO mutex (statements that must not interleave), and per-key FIFO queues (work on one object key).
 */

/**
 * How many items may be in flight per permit: the ones beyond the permits are waiting for a warehouse
 * commit (`lendingPermit`), where their region's queued MERGE is shared, so more waiting means fewer
 * MERGEs; the cap bounds what they hold.
 */
export const IN_FLIGHT_PER_PERMIT = 16;

/**
 * Runs `work` over the items with at most `limit` of them working at once; results keep the items'
 * order. A work waiting for a commit lends its permit (`lendingPermit`), so that another item starts
 * meanwhile, up to `limit × IN_FLIGHT_PER_PERMIT` in flight. Once `stop()` says so, no further item
 * starts; a work that throws stops the starts too, and its error is rethrown once the others ended.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
  stop: () => boolean = () => false,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`concurrency must be a whole number ≥ 1, not ${limit}`);
  const permits = new Permits(limit);
  const results: R[] = new Array(items.length);
  const inFlight = new Set<Promise<void>>();
  let started = 0;
  let failure: { error: unknown } | null = null;
  for (let i = 0; i < items.length; i++) {
    while (inFlight.size >= limit * IN_FLIGHT_PER_PERMIT) await Promise.race(inFlight);
    await permits.acquire(false);
    if (failure || stop()) {
      permits.release();
      break;
    }
    started++;
    const lease: Lease = { permits, holding: true, done: false };
    const run: Promise<void> = leases
      .run(lease, () => work(items[i] as T, i))
      .then(
        (r) => {
          results[i] = r;
        },
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => {
        lease.done = true;
        if (lease.holding) permits.release();
        inFlight.delete(run);
      });
    inFlight.add(run);
  }
  await Promise.all(inFlight);
  if (failure) throw (failure as { error: unknown }).error;
  return results.filter((_, i) => i < started);
}

/**
 * Runs `wait` (a wait for a warehouse commit: its queue and the statement) without holding the
 * caller's permit of `mapBounded`, and takes a permit back before returning; outside mapBounded it
 * just runs `wait`. A work resuming goes before the items not started yet.
 */
export async function lendingPermit<T>(wait: () => Promise<T>): Promise<T> {
  const lease = leases.getStore();
  if (!lease?.holding) return wait();
  lease.holding = false;
  lease.permits.release();
  try {
    return await wait();
  } finally {
    await lease.permits.acquire(true);
    // A work that ended meanwhile (its state timed out) gives the permit straight back.
    if (lease.done) lease.permits.release();
    else lease.holding = true;
  }
}

/** One work's hold on a permit of its mapBounded. */
interface Lease {
  readonly permits: Permits;
  holding: boolean;
  done: boolean;
}

const leases = new AsyncLocalStorage<Lease>();

/** A counting semaphore whose resuming holders go before new ones. */
class Permits {
  private readonly resuming: (() => void)[] = [];
  private readonly starting: (() => void)[] = [];

  constructor(private free: number) {}

  acquire(resume: boolean): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((granted) => (resume ? this.resuming : this.starting).push(granted));
  }

  release(): void {
    const next = this.resuming.shift() ?? this.starting.shift();
    if (next) next();
    else this.free++;
  }
}

/** A FIFO mutex: one holder at a time, in the order they asked. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** One FIFO queue per key: work on a key runs after the earlier work on that key, other keys go on. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget a key once its queue is empty, so a long backfill keeps no entry per object.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
