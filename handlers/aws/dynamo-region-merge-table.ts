/**
 * The region MERGE items on DynamoDB, in the admission table beside the gates' slot items (decision
 * 0028): one item per materialization and region (`gate = RegionMerge#<materialization>#<region>`)
 * holding the ticket counter `asked`, the last ticket a succeeded run covered `covered`, and the
 * running claim (`runner`, `leaseEnd`, `covers`). Each operation of the port is one UpdateItem; a failed
 * condition returns the item as it was (ReturnValuesOnConditionCheckFailure), so the protocol never
 * needs a read of its own. Throttling and 5xx answers become Admission.Unavailable, as for the slots.
 */
import type { AttributeValue, DynamoDBClient, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { ClaimOutcome, MergeItem, RegionMergeTable } from '../core/region-merge';
import { type UpdateOutcome, updateAdmissionItem } from './admission-item-update';

const n = (v: number): AttributeValue => ({ N: String(v) });
const num = (v: AttributeValue | undefined) => Number(v?.N ?? 0);

/** The item in the port's terms; an absent item is a region never asked for. */
export function mergeItemOf(item: Record<string, AttributeValue> | undefined): MergeItem {
  const holder = item?.runner?.S;
  return {
    asked: num(item?.asked),
    covered: num(item?.covered),
    runner: holder ? { holder, leaseEnd: num(item?.leaseEnd), covers: num(item?.covers) } : null,
  };
}

export class DynamoRegionMergeTable implements RegionMergeTable {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** One conditional update of the region's item (handlers/aws/admission-item-update.ts). */
  private update(
    operation: string,
    key: string,
    input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>,
  ): Promise<UpdateOutcome<MergeItem>> {
    const target = { client: this.client, tableName: this.tableName, key, label: key, itemOf: mergeItemOf };
    return updateAdmissionItem(target, operation, input);
  }

  async ask(key: string): Promise<number> {
    const r = await this.update('draw a ticket of', key, {
      UpdateExpression: 'ADD asked :one',
      ExpressionAttributeValues: { ':one': n(1) },
      ReturnValues: 'UPDATED_NEW',
    });
    if (!r.ok) throw new Error(`${key}: an unconditional ticket draw failed its condition`);
    return num(r.attributes.asked);
  }

  async claim(
    key: string,
    holder: string,
    ticket: number,
    leaseEnd: number,
    now: number,
  ): Promise<ClaimOutcome> {
    // `covers = asked` copies the counter in the same write: the run covers every ticket drawn before it.
    const r = await this.update('claim the MERGE of', key, {
      // (An item lost with its table has no counter: the run then covers no ticket but its own.)
      UpdateExpression: 'SET runner = :me, leaseEnd = :leaseEnd, covers = if_not_exists(asked, :zero)',
      ConditionExpression:
        '(attribute_not_exists(runner) OR leaseEnd <= :now OR runner = :me) AND (attribute_not_exists(covered) OR covered < :ticket)',
      ExpressionAttributeValues: {
        ':me': { S: holder },
        ':leaseEnd': n(leaseEnd),
        ':now': n(now),
        ':ticket': n(ticket),
        ':zero': n(0),
      },
      ReturnValues: 'ALL_OLD',
    });
    if (!r.ok) return { claimed: false, item: r.item };
    const before = mergeItemOf(r.attributes);
    return { claimed: true, covers: before.asked, before };
  }

  async finish(key: string, holder: string, covers: number): Promise<boolean> {
    const r = await this.update('record the MERGE of', key, {
      UpdateExpression: 'SET covered = :covers REMOVE runner, leaseEnd, covers',
      ConditionExpression:
        'runner = :me AND covers = :covers AND (attribute_not_exists(covered) OR covered <= :covers)',
      ExpressionAttributeValues: { ':me': { S: holder }, ':covers': n(covers) },
    });
    return r.ok;
  }

  async release(key: string, holder: string): Promise<boolean> {
    const r = await this.update('release the MERGE of', key, {
      UpdateExpression: 'REMOVE runner, leaseEnd, covers',
      ConditionExpression: 'runner = :me',
      ExpressionAttributeValues: { ':me': { S: holder } },
    });
    return r.ok;
  }
}
