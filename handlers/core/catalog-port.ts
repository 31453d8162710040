/**
 * The catalog port: the table a dataset's cleansed files are registered in, and its partitions. On AWS
 * the Glue Data Catalog (handlers/aws/glue-catalog.ts); locally the warehouse's catalog (local/local-catalog.ts).
 */

export interface CatalogColumn {
  readonly name: string;
  readonly type: string;
}

export interface CatalogTable {
  readonly name: string;
  /** Data columns, then partition keys (a catalog lists them apart; the comparison takes both). */
  readonly columns: readonly CatalogColumn[];
  readonly partitionKeys: readonly CatalogColumn[];
  /** What the target needs to register a partition like the table (Glue: its StorageDescriptor). */
  readonly descriptor?: unknown;
}

export interface PartitionSpec {
  /** One value per partition key, in the table's key order. */
  readonly values: readonly string[];
  /** The partition's key prefix in the cleansed bucket (`statistics/region=us/source_file=X/`). */
  readonly prefix: string;
}

export interface CatalogPort {
  /** The table, or null when the catalog has none by that name (never crawled). */
  getTable(name: string): Promise<CatalogTable | null>;
  /** Registers one partition; registering one that exists is a no-op (a retry, a replay, a new version). */
  registerPartition(table: CatalogTable, partition: PartitionSpec): Promise<'created' | 'exists'>;
}
