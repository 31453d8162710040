/**
 * The slot table on DynamoDB: one item per gate (`gate` is the key) holding the counter `slots` and one
 * attribute `holder:<execution name>` per holder, its lease end in epoch seconds. Each operation of the
 * port is one conditional UpdateItem; a failed condition returns the item as it was
 * (ReturnValuesOnConditionCheckFailure), so the gate never needs a read of its own. Throttling and 5xx
 * answers become Admission.Unavailable, which the step's Retry absorbs.
 */
import type { AttributeValue, DynamoDBClient, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { SlotItem, SlotTable, TakeOutcome } from '../core/slot-gate';
import { type UpdateOutcome, updateAdmissionItem } from './admission-item-update';
import { HOLDER_PREFIX } from './slot-table-schema';

const n = (v: number): AttributeValue => ({ N: String(v) });

/** The item in the port's terms; an absent item is an empty gate. */
export function slotItemOf(item: Record<string, AttributeValue> | undefined): SlotItem {
  const holders: Record<string, number> = {};
  for (const [name, value] of Object.entries(item ?? {}))
    if (name.startsWith(HOLDER_PREFIX) && value.N !== undefined)
      holders[name.slice(HOLDER_PREFIX.length)] = Number(value.N);
  return { slots: Number(item?.slots?.N ?? 0), holders };
}

export class DynamoSlotTable implements SlotTable {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** One conditional update of the gate's item (handlers/aws/admission-item-update.ts). */
  private update(
    operation: string,
    gate: string,
    input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>,
  ): Promise<UpdateOutcome<SlotItem>> {
    const target = {
      client: this.client,
      tableName: this.tableName,
      key: gate,
      label: `gate ${gate}`,
      itemOf: slotItemOf,
    };
    return updateAdmissionItem(target, operation, input);
  }

  async take(gate: string, holder: string, leaseEnd: number, max: number): Promise<TakeOutcome> {
    const r = await this.update('take a slot of', gate, {
      UpdateExpression: 'ADD slots :one SET #holder = :leaseEnd',
      ConditionExpression: '(attribute_not_exists(slots) OR slots < :max) AND attribute_not_exists(#holder)',
      ExpressionAttributeNames: { '#holder': HOLDER_PREFIX + holder },
      ExpressionAttributeValues: { ':one': n(1), ':leaseEnd': n(leaseEnd), ':max': n(max) },
      ReturnValues: 'UPDATED_NEW',
    });
    return r.ok ? { taken: true, slots: Number(r.attributes.slots?.N ?? 1) } : { taken: false, item: r.item };
  }

  async renew(gate: string, holder: string, leaseEnd: number): Promise<boolean> {
    const r = await this.update('renew the lease of', gate, {
      UpdateExpression: 'SET #holder = :leaseEnd',
      ConditionExpression: 'attribute_exists(#holder)',
      ExpressionAttributeNames: { '#holder': HOLDER_PREFIX + holder },
      ExpressionAttributeValues: { ':leaseEnd': n(leaseEnd) },
    });
    return r.ok;
  }

  async release(gate: string, holder: string): Promise<boolean> {
    const r = await this.update('release a slot of', gate, {
      UpdateExpression: 'REMOVE #holder ADD slots :minusOne',
      ConditionExpression: 'attribute_exists(#holder)',
      ExpressionAttributeNames: { '#holder': HOLDER_PREFIX + holder },
      ExpressionAttributeValues: { ':minusOne': n(-1) },
    });
    return r.ok;
  }

  async reap(gate: string, expired: Readonly<Record<string, number>>): Promise<boolean> {
    const holders = Object.entries(expired);
    if (!holders.length) return true;
    const names = Object.fromEntries(holders.map(([h], i) => [`#h${i}`, HOLDER_PREFIX + h]));
    const values = Object.fromEntries(holders.map(([, end], i) => [`:end${i}`, n(end)]));
    const r = await this.update('free expired slots of', gate, {
      UpdateExpression: `REMOVE ${holders.map((_, i) => `#h${i}`).join(', ')} ADD slots :minus`,
      ConditionExpression: holders.map((_, i) => `#h${i} = :end${i}`).join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...values, ':minus': n(-holders.length) },
    });
    return r.ok;
  }
}
