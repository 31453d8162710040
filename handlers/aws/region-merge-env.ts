/** The region MERGE port of a Lambda, from its environment: ADMISSION_TABLE names the admission table. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ContractError } from '../core/errors';
import type { RegionMergeTable } from '../core/region-merge';
import { DynamoRegionMergeTable } from './dynamo-region-merge-table';
import { ADMISSION_ENV } from './slot-table-schema';

let client: DynamoDBClient | undefined;

export function regionMergesFromEnv(env: NodeJS.ProcessEnv): RegionMergeTable {
  const table = env[ADMISSION_ENV.table];
  if (!table) throw new ContractError(`${ADMISSION_ENV.table} is not set: the function is misconfigured`);
  client ??= new DynamoDBClient({});
  return new DynamoRegionMergeTable(client, table);
}
