/**
 * The region MERGE items of the local runtime: the same four conditional writes as DynamoDB's
 * (handlers/aws/dynamo-region-merge-table.ts), on items in memory. One lakestep process owns a lake at
 * a time, so the items live with the process, as the admission slots do (local/local-slot-table.ts).
 */
import type { ClaimOutcome, MergeItem, MergeRunner, RegionMergeTable } from '../handlers/core/region-merge';

interface Item {
  asked: number;
  covered: number;
  runner: MergeRunner | null;
}

export class LocalRegionMergeTable implements RegionMergeTable {
  private readonly items = new Map<string, Item>();

  private item(key: string): Item {
    let it = this.items.get(key);
    if (!it) {
      it = { asked: 0, covered: 0, runner: null };
      this.items.set(key, it);
    }
    return it;
  }

  /** The item as DynamoDB would return it (a copy). */
  read(key: string): MergeItem {
    const it = this.item(key);
    return { asked: it.asked, covered: it.covered, runner: it.runner ? { ...it.runner } : null };
  }

  async ask(key: string): Promise<number> {
    const it = this.item(key);
    it.asked++;
    return it.asked;
  }

  async claim(
    key: string,
    holder: string,
    ticket: number,
    leaseEnd: number,
    now: number,
  ): Promise<ClaimOutcome> {
    const it = this.item(key);
    const before = this.read(key);
    const free = !it.runner || it.runner.leaseEnd <= now || it.runner.holder === holder;
    if (!free || it.covered >= ticket) return { claimed: false, item: before };
    it.runner = { holder, leaseEnd, covers: it.asked };
    return { claimed: true, covers: it.asked, before };
  }

  async finish(key: string, holder: string, covers: number): Promise<boolean> {
    const it = this.item(key);
    if (it.runner?.holder !== holder || it.runner.covers !== covers || it.covered > covers) return false;
    it.covered = covers;
    it.runner = null;
    return true;
  }

  async release(key: string, holder: string): Promise<boolean> {
    const it = this.item(key);
    if (it.runner?.holder !== holder) return false;
    it.runner = null;
    return true;
  }
}
