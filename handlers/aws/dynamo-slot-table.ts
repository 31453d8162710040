/**
 * The slot table on DynamoDB: one item per gate (`gate` is the key) holding the counter `slots` and one
 * attribute `holder:<execution name>` per holder, its lease end in epoch seconds. Each operation of the
 * port is one conditional UpdateItem; a failed condition returns the item as it was
 * (ReturnValuesOnConditionCheckFailure), so the gate never needs a read of its own. Throttling and 5xx
 * answers become Admission.Unavailable, which the step's Retry absorbs.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { describe, LakeError } from '../core/errors';
import type { SlotItem, SlotTable, TakeOutcome } from '../core/slot-gate';
import { HOLDER_PREFIX, SLOT_TABLE_KEY } from './slot-table-schema';

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
]);

export class AdmissionUnavailableError extends LakeError {
  constructor(operation: string, target: string, cause: unknown) {
    super(
      'Admission.Unavailable',
      `${operation} ${target} failed transiently (${describe(cause)}); the step retries it.`,
      {
        cause,
      },
    );
  }
}

export function isTransient(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return TRANSIENT.has(err?.name ?? '') || (err?.$metadata?.httpStatusCode ?? 0) >= 500;
}

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

  /** One conditional update: its new attributes, or null when the condition failed (with the old item). */
  private async update(
    operation: string,
    gate: string,
    input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>,
  ): Promise<{ ok: true; attributes: Record<string, AttributeValue> } | { ok: false; item: SlotItem }> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [SLOT_TABLE_KEY]: { S: gate } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...input,
        }),
      );
      return { ok: true, attributes: out.Attributes ?? {} };
    } catch (e) {
      if (
        e instanceof ConditionalCheckFailedException ||
        (e as Error).name === 'ConditionalCheckFailedException'
      )
        return { ok: false, item: slotItemOf((e as ConditionalCheckFailedException).Item) };
      if (isTransient(e))
        throw new AdmissionUnavailableError(operation, `gate ${gate} in table ${this.tableName}`, e);
      throw e;
    }
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
