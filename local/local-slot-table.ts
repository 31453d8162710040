/**
 * The slot table of the local runtime: the same four conditional writes as DynamoDB's
 * (handlers/aws/dynamo-slot-table.ts), on items in memory. One lakestep process owns a lake at a time,
 * so the slots live with the process: a killed run's slots go with it, as a lease would expire.
 */
import type { SlotItem, SlotTable, TakeOutcome } from '../handlers/core/slot-gate';

interface Item {
  slots: number;
  holders: Map<string, number>;
}

export class LocalSlotTable implements SlotTable {
  private readonly items = new Map<string, Item>();

  private item(gate: string): Item {
    let it = this.items.get(gate);
    if (!it) {
      it = { slots: 0, holders: new Map() };
      this.items.set(gate, it);
    }
    return it;
  }

  /** The gate as DynamoDB would return it (a copy). */
  read(gate: string): SlotItem {
    const it = this.item(gate);
    return { slots: it.slots, holders: Object.fromEntries(it.holders) };
  }

  async take(gate: string, holder: string, leaseEnd: number, max: number): Promise<TakeOutcome> {
    const it = this.item(gate);
    if (it.slots >= max || it.holders.has(holder)) return { taken: false, item: this.read(gate) };
    it.slots++;
    it.holders.set(holder, leaseEnd);
    return { taken: true, slots: it.slots };
  }

  async renew(gate: string, holder: string, leaseEnd: number): Promise<boolean> {
    const it = this.item(gate);
    if (!it.holders.has(holder)) return false;
    it.holders.set(holder, leaseEnd);
    return true;
  }

  async release(gate: string, holder: string): Promise<boolean> {
    const it = this.item(gate);
    if (!it.holders.delete(holder)) return false;
    it.slots--;
    return true;
  }

  async reap(gate: string, expired: Readonly<Record<string, number>>): Promise<boolean> {
    const it = this.item(gate);
    if (!Object.entries(expired).every(([h, end]) => it.holders.get(h) === end)) return false;
    for (const h of Object.keys(expired)) it.holders.delete(h);
    it.slots -= Object.keys(expired).length;
    return true;
  }
}
