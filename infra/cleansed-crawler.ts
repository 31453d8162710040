/**
 * The crawler behind the workflow's crawler steps: it keeps the cleansed tables (one per dataset,
 * partitioned by region and source file) in the catalog as batches are promoted. Staged batches are
 * never crawled. L1: there is no crawler L2.
 */
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Dataset } from '../workflows/datasets';
import { glueArn as glueArnOf } from './arns';
import type { GlueSecurity } from './glue-security';
import { datasetPrefixes, grantLakeAccess } from './lake-access';
import type { LakeBuckets } from './lake-buckets';
import { STAGING_PREFIX } from './lake-buckets';

export interface CleansedCrawlerProps {
  readonly crawlerName: string;
  readonly databaseName: string;
  readonly buckets: LakeBuckets;
  readonly security: GlueSecurity;
  /** The workflow's datasets: one crawled prefix and table each. */
  readonly datasets: readonly Dataset[];
}

/** Table names the crawler gives each dataset prefix: the folder's name (`statistics/` → statistics). */
export const crawledTableNames = (datasets: readonly Dataset[]): string[] =>
  datasetPrefixes(datasets).map((p) => p.slice(0, -1));

export class CleansedCrawler extends Construct {
  public readonly crawler: glue.CfnCrawler;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CleansedCrawlerProps) {
    super(scope, id);
    const cleansed = props.buckets.byStage.cleansed;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: `${props.crawlerName}: crawls the cleansed dataset prefixes`,
    });
    grantLakeAccess(
      this,
      this.role,
      props.buckets,
      datasetPrefixes(props.datasets).map((prefix) => ({
        bucket: 'cleansed',
        prefix,
        objects: ['read'],
        list: true,
        locate: true,
        why: "infers the dataset's schema and partitions from its promoted Parquet files",
      })),
    );
    const glueArn = (resource: string, resourceName?: string) => glueArnOf(this, resource, resourceName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'MaintainCleansedTables',
        actions: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:CreateTable',
          'glue:UpdateTable',
          'glue:GetPartition',
          'glue:GetPartitions',
          'glue:BatchGetPartition',
          'glue:CreatePartition',
          'glue:BatchCreatePartition',
          'glue:UpdatePartition',
          'glue:BatchUpdatePartition',
        ],
        resources: [
          glueArn('catalog'),
          glueArn('database', props.databaseName),
          ...crawledTableNames(props.datasets).map((t) => glueArn('table', `${props.databaseName}/${t}`)),
        ],
      }),
    );
    props.security.grantRuntime(this, this.role);

    this.crawler = new glue.CfnCrawler(this, 'Crawler', {
      name: props.crawlerName,
      description: 'lakestep: keeps the cleansed tables and their partitions in the catalog',
      role: this.role.roleArn,
      databaseName: props.databaseName,
      crawlerSecurityConfiguration: props.security.configuration.securityConfigurationName,
      targets: {
        s3Targets: datasetPrefixes(props.datasets).map((prefix) => ({
          path: cleansed.s3UrlForObject(prefix),
          exclusions: [`${STAGING_PREFIX}**`],
        })),
      },
      // New columns and partitions are added; a partition whose object is gone is marked, never dropped
      // by a crawl (dropping is an operator's decision).
      schemaChangePolicy: { updateBehavior: 'UPDATE_IN_DATABASE', deleteBehavior: 'DEPRECATE_IN_DATABASE' },
      recrawlPolicy: { recrawlBehavior: 'CRAWL_EVERYTHING' },
      configuration: JSON.stringify({
        Version: 1.0,
        CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
        Grouping: { TableGroupingPolicy: 'CombineCompatibleSchemas' },
      }),
    });
  }
}
