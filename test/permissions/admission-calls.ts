/**
 * The recording slot table: every write of a handler core to the admission gate becomes the one
 * DynamoDB request DynamoSlotTable (handlers/aws/dynamo-slot-table.ts) sends for it — a conditional
 * UpdateItem — recorded against a local table name; `withDeployedSlotTable` turns it into the table ARN
 * the function's environment names.
 */

import { ADMISSION_ENV } from '../../handlers/aws/slot-table-schema';
import type { ClaimOutcome, RegionMergeTable } from '../../handlers/core/region-merge';
import type { SlotTable, TakeOutcome } from '../../handlers/core/slot-gate';
import type { AwsCall } from './calls';
import type { Deployed } from './deployed';

const LOCAL_TABLE = 'dynamodb-local:table/admission';

export class RecordingSlotTable implements SlotTable {
  constructor(
    private readonly inner: SlotTable,
    private readonly record: (calls: AwsCall[]) => void,
  ) {}

  private update(because: string): void {
    this.record([{ action: 'dynamodb:UpdateItem', resource: LOCAL_TABLE, because }]);
  }

  take(gate: string, holder: string, leaseEnd: number, max: number): Promise<TakeOutcome> {
    this.update(`UpdateItem ADD slots 1 of ${gate} if below ${max}`);
    return this.inner.take(gate, holder, leaseEnd, max);
  }

  renew(gate: string, holder: string, leaseEnd: number): Promise<boolean> {
    this.update(`UpdateItem SET the lease of ${holder} on ${gate}`);
    return this.inner.renew(gate, holder, leaseEnd);
  }

  release(gate: string, holder: string): Promise<boolean> {
    this.update(`UpdateItem REMOVE ${holder} from ${gate}`);
    return this.inner.release(gate, holder);
  }

  reap(gate: string, expired: Readonly<Record<string, number>>): Promise<boolean> {
    this.update(`UpdateItem REMOVE expired holders of ${gate}`);
    return this.inner.reap(gate, expired);
  }
}

/** A recorded slot-table call as IAM sees it: UpdateItem on the table the function's environment names. */
export function withDeployedSlotTable(d: Deployed, functionName: string, c: AwsCall): AwsCall[] {
  if (c.resource !== LOCAL_TABLE) return [c];
  const table = d.environment(functionName)[ADMISSION_ENV.table];
  if (!table) throw new Error(`${functionName} calls the slot table but has no ${ADMISSION_ENV.table}`);
  return [{ ...c, resource: d.arn('dynamodb', `table/${table}`) }];
}

/** The recording region MERGE table: each write of the group commit is one UpdateItem on the same table. */
export class RecordingRegionMergeTable implements RegionMergeTable {
  constructor(
    private readonly inner: RegionMergeTable,
    private readonly record: (calls: AwsCall[]) => void,
  ) {}

  private update(because: string): void {
    this.record([{ action: 'dynamodb:UpdateItem', resource: LOCAL_TABLE, because }]);
  }

  ask(key: string): Promise<number> {
    this.update(`UpdateItem ADD asked 1 of ${key}`);
    return this.inner.ask(key);
  }

  claim(key: string, holder: string, ticket: number, leaseEnd: number, now: number): Promise<ClaimOutcome> {
    this.update(`UpdateItem SET runner ${holder} of ${key} if free and ticket ${ticket} not covered`);
    return this.inner.claim(key, holder, ticket, leaseEnd, now);
  }

  finish(key: string, holder: string, covers: number): Promise<boolean> {
    this.update(`UpdateItem SET covered ${covers} of ${key} if ${holder} runs it`);
    return this.inner.finish(key, holder, covers);
  }

  release(key: string, holder: string): Promise<boolean> {
    this.update(`UpdateItem REMOVE runner ${holder} of ${key}`);
    return this.inner.release(key, holder);
  }
}
