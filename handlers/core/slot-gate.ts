/**
 * The admission gate of heavy work: a counting semaphore of `max` slots in one item per gate, where
 * every slot is a lease held by one execution (`holder`). The counter and the holders change together
 * in one conditional write, so the count is always the number of holders; a holder that asks again (a
 * retry, a redrive) keeps its one slot; a lease whose holder never released it (a lost failure event)
 * is reaped by the next acquire that finds the gate full. Pure: the table is a port (DynamoDB on AWS,
 * handlers/aws/dynamo-slot-table.ts; memory locally, local/local-slot-table.ts).
 */

/** A gate's item as read: slots in use, and each holder's lease end (epoch seconds). */
export interface SlotItem {
  readonly slots: number;
  readonly holders: Readonly<Record<string, number>>;
}

export type TakeOutcome =
  | { readonly taken: true; readonly slots: number }
  /** The condition failed: the gate is full, or the holder holds a slot already. The item as it was. */
  | { readonly taken: false; readonly item: SlotItem };

/** The four conditional writes the gate is made of; each is one atomic request. */
export interface SlotTable {
  /** `ADD slots 1`, `SET <holder> = leaseEnd` if `slots < max` (or no item yet) and the holder holds none. */
  take(gate: string, holder: string, leaseEnd: number, max: number): Promise<TakeOutcome>;
  /** Sets the lease end of a holder that holds a slot; false when it holds none. */
  renew(gate: string, holder: string, leaseEnd: number): Promise<boolean>;
  /** `REMOVE <holder>`, `ADD slots -1` if the holder holds a slot; false when it holds none. */
  release(gate: string, holder: string): Promise<boolean>;
  /** Removes these holders and their slots, only while each lease end is still the one read; false otherwise. */
  reap(gate: string, expired: Readonly<Record<string, number>>): Promise<boolean>;
}

export interface AcquireRequest {
  readonly gate: string;
  readonly holder: string;
  readonly max: number;
  readonly leaseSeconds: number;
  readonly now: Date;
}

export type AcquireOutcome =
  | {
      readonly acquired: true;
      /** `taken`: a free slot now; `held`: this holder had one already (its lease renewed). */
      readonly how: 'taken' | 'held';
      readonly slotsInUse: number;
      readonly reaped: readonly string[];
    }
  | { readonly acquired: false; readonly slotsInUse: number; readonly reaped: readonly string[] };

export const epochSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

export async function acquireSlot(table: SlotTable, r: AcquireRequest): Promise<AcquireOutcome> {
  if (!Number.isInteger(r.max) || r.max < 1)
    throw new RangeError(`gate ${r.gate}: max must be a positive integer, got ${r.max}`);
  const now = epochSeconds(r.now);
  const leaseEnd = now + r.leaseSeconds;
  const reaped: string[] = [];
  // Two rounds at most: the second follows a reap of expired leases (or a lease reaped under us).
  for (let round = 0; ; round++) {
    const took = await table.take(r.gate, r.holder, leaseEnd, r.max);
    if (took.taken) return { acquired: true, how: 'taken', slotsInUse: took.slots, reaped };
    const { item } = took;
    if (item.holders[r.holder] !== undefined) {
      if (await table.renew(r.gate, r.holder, leaseEnd))
        return { acquired: true, how: 'held', slotsInUse: item.slots, reaped };
      if (round === 0) continue; // reaped between the two writes: ask again
    }
    const expired = Object.entries(item.holders).filter(([h, end]) => end <= now && h !== r.holder);
    if (round > 0 || expired.length === 0) return { acquired: false, slotsInUse: item.slots, reaped };
    if (await table.reap(r.gate, Object.fromEntries(expired))) reaped.push(...expired.map(([h]) => h));
  }
}

/**
 * Seconds to wait before asking again: spread over [min, max] by the holder and the time, so that
 * executions turned away together do not all come back in the same second (jitter without randomness).
 */
export function waitBeforeAskingAgain(holder: string, now: Date, min: number, max: number): number {
  let h = 2166136261;
  for (const ch of `${holder}@${now.getTime()}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return min + (h % (max - min + 1));
}

/** The wait settings of a gate's step: the jitter window of a new waiter, and the longest wait. */
export interface WaitSettings {
  readonly min: number;
  readonly max: number;
  /** Absent: every wait stays in [min, max]. */
  readonly longest?: number;
}

/**
 * The window of the next wait: [min, max] while an object has waited less than twice `max`; then about
 * half of what it has waited so far (two thirds of that to all of it), up to `longest`. A backlog of
 * hours (a backfill of 10,000 Glue-bound objects drains in ~12 h at 20 slots) then costs an object
 * tens of turns instead of hundreds, and a slot that frees up still finds many askers among thousands.
 */
export function waitWindow(waitedSeconds: number, w: WaitSettings): { min: number; max: number } {
  const longest = Math.max(w.max, w.longest ?? w.max);
  const max = Math.min(longest, Math.max(w.max, Math.floor(Math.max(0, waitedSeconds) / 2)));
  return { min: max === w.max ? w.min : Math.max(w.min, Math.floor((max * 2) / 3)), max };
}
