/**
 * The catalog port on the Glue Data Catalog: GetTable for the table the crawler defined, and
 * BatchCreatePartition for one promoted partition, described like the table (its StorageDescriptor
 * with the partition's location). Throttling and service errors become Catalog.Unavailable, which the
 * step's Retry absorbs; a partition that already exists is success (a retry, a replay, a new version).
 */
import {
  BatchCreatePartitionCommand,
  type BatchCreatePartitionCommandOutput,
  GetTableCommand,
  type GlueClient,
  type StorageDescriptor,
} from '@aws-sdk/client-glue';
import type { CatalogPort, CatalogTable, PartitionSpec } from '../core/catalog-port';
import { describe, LakeError } from '../core/errors';

const TRANSIENT = new Set([
  'ThrottlingException',
  'InternalServiceException',
  'OperationTimeoutException',
  'ConcurrentModificationException',
]);

export class CatalogUnavailableError extends LakeError {
  constructor(operation: string, target: string, cause: unknown) {
    super(
      'Catalog.Unavailable',
      `${operation} ${target} failed transiently (${describe(cause)}); the step retries it.`,
      {
        cause,
      },
    );
  }
}

function isTransient(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return TRANSIENT.has(err?.name ?? '') || (err?.$metadata?.httpStatusCode ?? 0) >= 500;
}

export class GlueCatalog implements CatalogPort {
  constructor(
    private readonly glue: GlueClient,
    private readonly database: string,
    /** The cleansed bucket's name: partition locations are `s3://<bucket>/<prefix>`. */
    private readonly bucket: string,
  ) {}

  async getTable(name: string): Promise<CatalogTable | null> {
    try {
      const { Table } = await this.glue.send(
        new GetTableCommand({ DatabaseName: this.database, Name: name }),
      );
      if (!Table) return null;
      const col = (c: { Name?: string; Type?: string }) => ({ name: c.Name ?? '', type: c.Type ?? '' });
      return {
        name,
        columns: (Table.StorageDescriptor?.Columns ?? []).map(col),
        partitionKeys: (Table.PartitionKeys ?? []).map(col),
        descriptor: Table.StorageDescriptor,
      };
    } catch (e) {
      if ((e as { name?: string }).name === 'EntityNotFoundException') return null;
      if (isTransient(e)) throw new CatalogUnavailableError('GetTable', `${this.database}.${name}`, e);
      throw e;
    }
  }

  async registerPartition(table: CatalogTable, partition: PartitionSpec): Promise<'created' | 'exists'> {
    const descriptor = (table.descriptor ?? {}) as StorageDescriptor;
    const target = `${this.database}.${table.name} ${partition.prefix}`;
    let answer: BatchCreatePartitionCommandOutput;
    try {
      answer = await this.glue.send(
        new BatchCreatePartitionCommand({
          DatabaseName: this.database,
          TableName: table.name,
          PartitionInputList: [
            {
              Values: [...partition.values],
              StorageDescriptor: { ...descriptor, Location: `s3://${this.bucket}/${partition.prefix}` },
            },
          ],
        }),
      );
    } catch (e) {
      if (isTransient(e)) throw new CatalogUnavailableError('BatchCreatePartition', target, e);
      throw e;
    }
    const error = answer.Errors?.[0]?.ErrorDetail;
    if (!error) return 'created';
    if (error.ErrorCode === 'AlreadyExistsException') return 'exists';
    if (TRANSIENT.has(error.ErrorCode ?? ''))
      throw new CatalogUnavailableError(
        'BatchCreatePartition',
        target,
        `${error.ErrorCode}: ${error.ErrorMessage}`,
      );
    throw new LakeError(
      'Catalog.RegistrationFailed',
      `BatchCreatePartition ${target} was refused (${error.ErrorCode}: ${error.ErrorMessage}); fix the table or the permission, then replay the execution.`,
    );
  }
}
