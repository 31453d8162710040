/**
 * What each Lambda step's function may do in the Glue Data Catalog, keyed by function id, and the
 * statement and environment it becomes: Register partition reads the cleansed tables and adds
 * partitions to them, nothing else. A function without an entry has no catalog access.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Dataset } from '../workflows/datasets';
import { glueArn } from './arns';
import { crawledTableNames } from './cleansed-crawler';
import type { PipelineFunction } from './pipeline-function';

export interface CatalogAccess {
  readonly actions: readonly string[];
  readonly why: string;
}

export const FUNCTION_CATALOG_ACCESS: Readonly<Record<string, CatalogAccess>> = {
  RegisterPartition: {
    // BatchCreatePartition needs the table itself readable besides the create.
    actions: ['glue:GetTable', 'glue:BatchCreatePartition'],
    why: "compares a cleansed table's schema with the dataset's and registers a promoted partition in it",
  },
};

/** The environment variable that names the cleansed database to a function with catalog access. */
export const CATALOG_DATABASE_ENV = 'CATALOG_DATABASE_CLEANSED';

export function grantCatalogAccess(
  fn: PipelineFunction,
  functionId: string,
  cleansedDatabase: string,
  datasets: readonly Dataset[],
): void {
  const access = FUNCTION_CATALOG_ACCESS[functionId];
  if (!access) return;
  fn.function.addEnvironment(CATALOG_DATABASE_ENV, cleansedDatabase);
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'RegisterCleansedPartitions',
      actions: [...access.actions],
      resources: [
        glueArn(fn, 'catalog'),
        glueArn(fn, 'database', cleansedDatabase),
        ...crawledTableNames(datasets).map((t) => glueArn(fn, 'table', `${cleansedDatabase}/${t}`)),
      ],
    }),
  );
}
