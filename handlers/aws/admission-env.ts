/**
 * The admission port of a Lambda, from its environment (set by infra/transform-slots.ts):
 * ADMISSION_TABLE names the slot table, ADMISSION_MAX_SLOTS maps each gate to its slots as JSON.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ContractError } from '../core/errors';
import type { AdmissionPort } from '../core/ports';
import { DynamoSlotTable } from './dynamo-slot-table';
import { ADMISSION_ENV } from './slot-table-schema';

let client: DynamoDBClient | undefined;

/** Parses ADMISSION_MAX_SLOTS (`{"TransformBatch":10}`); a gate it does not name is a misconfiguration. */
export function maxSlotsFrom(text: string | undefined): (gate: string) => number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    parsed = null;
  }
  const ok =
    typeof parsed === 'object' &&
    parsed !== null &&
    Object.values(parsed).every((v) => Number.isInteger(v) && (v as number) > 0);
  if (!ok)
    throw new ContractError(
      `${ADMISSION_ENV.maxSlots} must be a JSON object of positive integers by gate, got ${JSON.stringify(text)}: the function is misconfigured`,
    );
  const slots = parsed as Record<string, number>;
  return (gate) => {
    const max = slots[gate];
    if (max === undefined)
      throw new ContractError(
        `gate ${gate} has no slots in ${ADMISSION_ENV.maxSlots} (${text}): the function is misconfigured`,
      );
    return max;
  };
}

export function admissionFromEnv(env: NodeJS.ProcessEnv): AdmissionPort {
  const table = env[ADMISSION_ENV.table];
  if (!table) throw new ContractError(`${ADMISSION_ENV.table} is not set: the function is misconfigured`);
  client ??= new DynamoDBClient({});
  return { table: new DynamoSlotTable(client, table), maxSlots: maxSlotsFrom(env[ADMISSION_ENV.maxSlots]) };
}
