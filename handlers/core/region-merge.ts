/**
 * Group commit of a region's MERGE (decision 0028): executions waiting for the same region share one
 * MERGE run. Each execution draws a ticket once its batch is promoted and registered; a run claims the
 * region's item and covers every ticket drawn before its claim; once it succeeds, every execution whose
 * ticket it covers is done without a MERGE of its own. At most one run per region holds the item; a
 * runner that dies is released by the failure recorder, or its lease ends. Pure: the table is a port
 * (DynamoDB on AWS, handlers/aws/dynamo-region-merge-table.ts; memory locally,
 * local/local-region-merge-table.ts).
 */

/** The runner of a region's MERGE now: who, until when its lease holds, and the last ticket it covers. */
export interface MergeRunner {
  readonly holder: string;
  readonly leaseEnd: number;
  readonly covers: number;
}

/** A region's item as read: tickets drawn, the last ticket a succeeded run covered, the runner (if any). */
export interface MergeItem {
  readonly asked: number;
  readonly covered: number;
  readonly runner: MergeRunner | null;
}

export type ClaimOutcome =
  /** Claimed: the run covers every ticket up to `covers`; the item as it was before the claim. */
  | { readonly claimed: true; readonly covers: number; readonly before: MergeItem }
  /** The condition failed: the ticket is covered, or another runner's lease holds. The item as it was. */
  | { readonly claimed: false; readonly item: MergeItem };

/** The four writes of the group commit; each is one atomic request on the region's item. */
export interface RegionMergeTable {
  /** `ADD asked 1`: a new ticket, greater than every ticket drawn before. */
  ask(key: string): Promise<number>;
  /**
   * `SET runner = holder, leaseEnd, covers = asked` if the ticket is not covered yet and there is no
   * runner, or its lease ended (`leaseEnd <= now`), or it is this holder (a retried claim).
   */
  claim(key: string, holder: string, ticket: number, leaseEnd: number, now: number): Promise<ClaimOutcome>;
  /** `SET covered = covers`, `REMOVE` the runner, if the holder is still the runner of that claim. */
  finish(key: string, holder: string, covers: number): Promise<boolean>;
  /** `REMOVE` the runner if it is this holder (a stopped execution's claim); false otherwise. */
  release(key: string, holder: string): Promise<boolean>;
}

/** The region's item key in the admission table: beside the gates' items, never equal to one. */
export const regionMergeKey = (materialization: string, region: string) =>
  `RegionMerge#${materialization}#${region}`;

export interface MergeRequest {
  readonly key: string;
  readonly holder: string;
  /** The ticket drawn by the execution's first request; null: draw one now. */
  readonly ticket: number | null;
  readonly leaseSeconds: number;
  readonly now: Date;
}

export type MergeAnswer =
  /** This execution runs the MERGE now; it covers every ticket up to `covers`. */
  | {
      readonly action: 'run';
      readonly ticket: number;
      readonly covers: number;
      readonly covered: number;
      /** The runner whose lease had ended (its release was lost), if this run took over from one. */
      readonly tookOverFrom: string | null;
    }
  /** A MERGE that started after this ticket was drawn has succeeded: nothing left to do. */
  | { readonly action: 'covered'; readonly ticket: number; readonly covered: number }
  /** Another execution's run holds the region: ask again later. */
  | { readonly action: 'wait'; readonly ticket: number; readonly runner: string; readonly covered: number };

const epochSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

export async function requestMerge(table: RegionMergeTable, r: MergeRequest): Promise<MergeAnswer> {
  if (r.ticket !== null && (!Number.isInteger(r.ticket) || r.ticket < 1))
    throw new RangeError(`${r.key}: a ticket is a positive integer, got ${r.ticket}`);
  // Drawn after the batch was promoted and registered: a run that claims later reads the batch.
  const ticket = r.ticket ?? (await table.ask(r.key));
  const now = epochSeconds(r.now);
  const claim = await table.claim(r.key, r.holder, ticket, now + r.leaseSeconds, now);
  if (claim.claimed) {
    const previous = claim.before.runner;
    return {
      action: 'run',
      ticket,
      covers: claim.covers,
      covered: claim.before.covered,
      tookOverFrom: previous && previous.holder !== r.holder ? previous.holder : null,
    };
  }
  const { item } = claim;
  if (item.covered >= ticket) return { action: 'covered', ticket, covered: item.covered };
  // The only other reason the claim failed: a live run of another execution holds the region.
  return { action: 'wait', ticket, runner: item.runner?.holder ?? '(unknown)', covered: item.covered };
}
