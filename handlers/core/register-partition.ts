/**
 * Register partition: the promoted batch's partition goes into the catalog by a direct call
 * (Glue BatchCreatePartition on AWS), so the crawler is off the hot path. When the dataset's table is
 * new, or its columns differ from the dataset's schema (a deployment changed it), nothing is registered
 * and the result says `crawl: true`: the workflow then runs the crawler, which (re)defines the table.
 */
import { z } from 'zod';
import { schemaDifference } from './catalog-schema';
import { batchSchema, partitionPath } from './contracts';
import { datasetOf } from './dataset-of';
import { ContractError } from './errors';
import type { CorePorts } from './ports';

export const registerPartitionInputSchema = z.object({
  batch: batchSchema,
  objectKey: z.string(),
});
export type RegisterPartitionInput = z.infer<typeof registerPartitionInputSchema>;

export interface RegisterPartitionResult {
  /** True when the table must be crawled first (it is new, or its schema changed). */
  crawl: boolean;
  /** `table_new`, `schema_changed`, `created` (registered now) or `exists` (registered before). */
  why: 'table_new' | 'schema_changed' | 'created' | 'exists';
  table: string;
  partition: string;
  /** What differs between the catalog's table and the dataset's schema, when it does. */
  difference: string | null;
}

export async function registerPartition(
  input: RegisterPartitionInput,
  ports: CorePorts,
): Promise<RegisterPartitionResult> {
  const { batch } = input;
  const catalog = ports.catalog;
  if (!catalog)
    throw new ContractError('Register partition needs a catalog port: the function is misconfigured');
  const prefix = partitionPath(batch.dataset, batch.region, batch.partition);
  const base = { table: batch.dataset, partition: prefix };
  const table = await catalog.getTable(batch.dataset);
  if (!table) {
    ports.log.info('table not in the catalog yet: crawl', { table: batch.dataset, object: input.objectKey });
    return { ...base, crawl: true, why: 'table_new', difference: null };
  }
  const difference = schemaDifference(datasetOf(ports.datasets, batch.dataset, input.objectKey), table);
  if (difference) {
    ports.log.warn('table schema differs from the dataset: crawl', { table: batch.dataset, difference });
    return { ...base, crawl: true, why: 'schema_changed', difference };
  }
  const outcome = await catalog.registerPartition(table, { values: [batch.region, batch.partition], prefix });
  ports.log.info('partition registered', { table: batch.dataset, partition: prefix, outcome });
  return { ...base, crawl: false, why: outcome, difference: null };
}
