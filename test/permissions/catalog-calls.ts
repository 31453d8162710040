/**
 * The recording catalog port: every call of a handler core to the Data Catalog becomes the Glue
 * requests GlueCatalog (handlers/aws/glue-catalog.ts) sends for it — GetTable, BatchCreatePartition —
 * recorded against a local table name; `withDeployedCatalog` turns it into the catalog, database and
 * table ARNs IAM checks, with the database the function's environment names.
 */
import type { CatalogPort, CatalogTable, PartitionSpec } from '../../handlers/core/catalog-port';
import { CATALOG_DATABASE_ENV } from '../../infra/catalog-access';
import type { AwsCall } from './calls';
import type { Deployed } from './deployed';

const LOCAL_TABLE = 'glue-local:table/';

export class RecordingCatalog implements CatalogPort {
  constructor(
    private readonly inner: CatalogPort,
    private readonly record: (calls: AwsCall[]) => void,
  ) {}

  getTable(name: string): Promise<CatalogTable | null> {
    this.record([
      { action: 'glue:GetTable', resource: `${LOCAL_TABLE}${name}`, because: `GetTable ${name}` },
    ]);
    return this.inner.getTable(name);
  }

  registerPartition(table: CatalogTable, partition: PartitionSpec): Promise<'created' | 'exists'> {
    this.record([
      {
        action: 'glue:BatchCreatePartition',
        resource: `${LOCAL_TABLE}${table.name}`,
        because: `BatchCreatePartition ${partition.prefix}`,
      },
    ]);
    return this.inner.registerPartition(table, partition);
  }
}

/** A recorded catalog call as IAM sees it: one request each on the catalog, the database and the table. */
export function withDeployedCatalog(d: Deployed, functionName: string, c: AwsCall): AwsCall[] {
  if (!c.resource.startsWith(LOCAL_TABLE)) return [c];
  const table = c.resource.slice(LOCAL_TABLE.length);
  const database = d.environment(functionName)[CATALOG_DATABASE_ENV];
  if (!database) throw new Error(`${functionName} calls the catalog but has no ${CATALOG_DATABASE_ENV}`);
  return [
    d.arn('glue', 'catalog'),
    d.arn('glue', `database/${database}`),
    d.arn('glue', `table/${database}/${table}`),
  ].map((resource) => ({ ...c, resource }));
}
