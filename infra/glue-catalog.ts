/**
 * The Data Catalog side of the lake: the stage's `cleansed` and `analytics` databases (named as the
 * ASL's SQL substitutions name them) and one Iceberg table per materialization of the workflow, created
 * by the stack so that the first MERGE/INSERT has a table to write. The cleansed tables are the crawler's.
 */
import * as cdk from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { placeholders } from '../workflows/render-asl';
import type { Materialization, MaterializedType } from '../workflows/types';
import { resourceNames } from './substitutions';

/** Glue (Hive) column types of the SQL types the workflows use. */
export const GLUE_TYPES: Readonly<Record<MaterializedType, string>> = {
  VARCHAR: 'string',
  BIGINT: 'bigint',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  BOOLEAN: 'boolean',
  'DECIMAL(38,0)': 'decimal(38,0)',
  'DECIMAL(38,2)': 'decimal(38,2)',
};

export interface GlueCatalogProps {
  /** `lakestep_dev`: databases are `<prefix>_cleansed` and `<prefix>_analytics`. */
  readonly databasePrefix: string;
  readonly analyticsBucket: s3.IBucket;
  readonly materializations: readonly Materialization[];
}

export class GlueCatalog extends Construct {
  public readonly cleansedDatabaseName: string;
  public readonly analyticsDatabaseName: string;
  /** Iceberg tables by materialization table name. */
  public readonly analyticsTables: ReadonlyMap<string, glue.CfnTable>;

  constructor(scope: Construct, id: string, props: GlueCatalogProps) {
    super(scope, id);
    const account = cdk.Stack.of(this).account;
    this.cleansedDatabaseName = resourceNames.database(props.databasePrefix, placeholders.cleansedDatabase);
    this.analyticsDatabaseName = resourceNames.database(props.databasePrefix, placeholders.analyticsDatabase);
    new glue.CfnDatabase(this, 'Cleansed', {
      catalogId: account,
      databaseInput: {
        name: this.cleansedDatabaseName,
        description: 'lakestep: typed, validated rows per source object (tables written by the crawler)',
      },
    });
    const analytics = new glue.CfnDatabase(this, 'Analytics', {
      catalogId: account,
      databaseInput: {
        name: this.analyticsDatabaseName,
        description: 'lakestep: materializations (Iceberg), re-materialized per region by the pipeline',
      },
    });

    const tables = new Map<string, glue.CfnTable>();
    for (const m of props.materializations) {
      const table = new glue.CfnTable(this, `Table-${m.table}`, {
        catalogId: account,
        databaseName: this.analyticsDatabaseName,
        tableInput: {
          name: m.table,
          description: m.description,
          tableType: 'EXTERNAL_TABLE',
          storageDescriptor: {
            location: props.analyticsBucket.s3UrlForObject(`${m.table}/`),
            columns: m.columns.map((c) => ({ name: c.name, type: GLUE_TYPES[c.type] })),
          },
        },
        // Glue writes the Iceberg metadata (format v2) at the location; Athena's DML commits to it.
        openTableFormatInput: { icebergInput: { metadataOperation: 'CREATE', version: '2' } },
      });
      table.node.addDependency(analytics);
      tables.set(m.table, table);
    }
    this.analyticsTables = tables;
  }
}
