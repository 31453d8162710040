/**
 * One conditional UpdateItem on an item of the admission table (a gate's slots, a region's MERGE): its
 * new attributes, or — when the condition failed — the item as it was (ReturnValuesOnConditionCheckFailure),
 * so the protocols never need a read of their own. Throttling and 5xx answers become
 * Admission.Unavailable, which the steps' Retry absorbs; any other error passes through as it is.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { describe, LakeError } from '../core/errors';
import { SLOT_TABLE_KEY } from './slot-table-schema';

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

export type UpdateOutcome<Item> =
  | { readonly ok: true; readonly attributes: Record<string, AttributeValue> }
  | { readonly ok: false; readonly item: Item };

/** The table and item an update goes to, and how a failed condition's old item reads. */
export interface AdmissionItem<Item> {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly key: string;
  /** How the item is named in an error: "gate g", "RegionMerge#…". */
  readonly label: string;
  readonly itemOf: (item: Record<string, AttributeValue> | undefined) => Item;
}

export async function updateAdmissionItem<Item>(
  target: AdmissionItem<Item>,
  operation: string,
  input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>,
): Promise<UpdateOutcome<Item>> {
  try {
    const out = await target.client.send(
      new UpdateItemCommand({
        TableName: target.tableName,
        Key: { [SLOT_TABLE_KEY]: { S: target.key } },
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
      return { ok: false, item: target.itemOf((e as ConditionalCheckFailedException).Item) };
    if (isTransient(e))
      throw new AdmissionUnavailableError(operation, `${target.label} in table ${target.tableName}`, e);
    throw e;
  }
}
