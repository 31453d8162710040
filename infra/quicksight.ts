/**
 * QuickSight, opt-in per stage (it needs an account subscription and a principal): an Athena data
 * source in the stage's workgroup, a direct-query data set over analytics.category_daily, and a
 * dashboard with the local page's views — views per day by category, top categories, regions side by
 * side — each shared with the configured principal only.
 */
import * as cdk from 'aws-cdk-lib';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import { Construct } from 'constructs';
import type { Materialization, MaterializedType } from '../workflows/types';

export interface AnalyticsQuickSightProps {
  readonly namePrefix: string;
  readonly principalArn: string;
  readonly workGroupName: string;
  readonly analyticsDatabase: string;
  readonly materialization: Materialization;
}

const QS_TYPES: Readonly<Record<MaterializedType, string>> = {
  VARCHAR: 'STRING',
  BIGINT: 'INTEGER',
  DATE: 'DATETIME',
  TIMESTAMP: 'DATETIME',
  BOOLEAN: 'BOOLEAN',
  // Exact sums beyond 2^53 fit no INTEGER (64-bit): QuickSight reads them as DECIMAL.
  'DECIMAL(38,0)': 'DECIMAL',
  'DECIMAL(38,2)': 'DECIMAL',
};

/** What the principal may do: use the source and data set, view the dashboard. Nothing for anyone else. */
export const QUICKSIGHT_ACTIONS = {
  dataSource: [
    'quicksight:DescribeDataSource',
    'quicksight:DescribeDataSourcePermissions',
    'quicksight:PassDataSource',
  ],
  dataSet: [
    'quicksight:DescribeDataSet',
    'quicksight:DescribeDataSetPermissions',
    'quicksight:PassDataSet',
    'quicksight:DescribeIngestion',
    'quicksight:ListIngestions',
  ],
  dashboard: [
    'quicksight:DescribeDashboard',
    'quicksight:ListDashboardVersions',
    'quicksight:QueryDashboard',
  ],
} as const;

export class AnalyticsQuickSight extends Construct {
  public readonly dashboard: quicksight.CfnDashboard;

  constructor(scope: Construct, id: string, props: AnalyticsQuickSightProps) {
    super(scope, id);
    const account = cdk.Stack.of(this).account;
    const m = props.materialization;
    const grant = (actions: readonly string[]) => [{ principal: props.principalArn, actions: [...actions] }];

    const source = new quicksight.CfnDataSource(this, 'Source', {
      awsAccountId: account,
      dataSourceId: `${props.namePrefix}-athena`,
      name: `${props.namePrefix} Athena`,
      type: 'ATHENA',
      dataSourceParameters: { athenaParameters: { workGroup: props.workGroupName } },
      permissions: grant(QUICKSIGHT_ACTIONS.dataSource),
    });
    const dataSet = new quicksight.CfnDataSet(this, 'DataSet', {
      awsAccountId: account,
      dataSetId: `${props.namePrefix}-${m.table}`,
      name: `${props.namePrefix} ${m.table}`,
      importMode: 'DIRECT_QUERY',
      physicalTableMap: {
        [m.table]: {
          relationalTable: {
            dataSourceArn: source.attrArn,
            catalog: 'AwsDataCatalog',
            schema: props.analyticsDatabase,
            name: m.table,
            inputColumns: m.columns.map((c) => ({ name: c.name, type: QS_TYPES[c.type] })),
          },
        },
      },
      permissions: grant(QUICKSIGHT_ACTIONS.dataSet),
    });

    const ds = m.table;
    const column = (columnName: string) => ({ dataSetIdentifier: ds, columnName });
    const sum = (fieldId: string, columnName: string) => ({
      numericalMeasureField: {
        fieldId,
        column: column(columnName),
        aggregationFunction: { simpleNumericalAggregation: 'SUM' },
      },
    });
    const dimension = (fieldId: string, columnName: string) => ({
      categoricalDimensionField: { fieldId, column: column(columnName) },
    });
    const title = (text: string) => ({ visibility: 'VISIBLE', formatText: { plainText: text } });

    this.dashboard = new quicksight.CfnDashboard(this, 'Dashboard', {
      awsAccountId: account,
      dashboardId: `${props.namePrefix}-analytics`,
      name: `${props.namePrefix} analytics`,
      permissions: grant(QUICKSIGHT_ACTIONS.dashboard),
      definition: {
        dataSetIdentifierDeclarations: [{ identifier: ds, dataSetArn: dataSet.attrArn }],
        sheets: [
          {
            sheetId: 'analytics',
            name: 'Analytics',
            visuals: [
              {
                lineChartVisual: {
                  visualId: 'views-per-day-by-category',
                  title: title('Views per day by category'),
                  chartConfiguration: {
                    fieldWells: {
                      lineChartAggregatedFieldWells: {
                        category: [
                          {
                            dateDimensionField: {
                              fieldId: 'day',
                              column: column('trending_date'),
                              dateGranularity: 'DAY',
                            },
                          },
                        ],
                        values: [sum('daily-views', 'views')],
                        colors: [dimension('daily-category', 'category_title')],
                      },
                    },
                  },
                },
              },
              {
                barChartVisual: {
                  visualId: 'top-categories',
                  title: title('Top categories (views)'),
                  chartConfiguration: {
                    orientation: 'HORIZONTAL',
                    fieldWells: {
                      barChartAggregatedFieldWells: {
                        category: [dimension('top-category', 'category_title')],
                        values: [sum('top-views', 'views')],
                      },
                    },
                    sortConfiguration: {
                      categorySort: [{ fieldSort: { fieldId: 'top-views', direction: 'DESC' } }],
                    },
                  },
                },
              },
              {
                barChartVisual: {
                  visualId: 'regions-side-by-side',
                  title: title('Regions side by side (views, likes)'),
                  chartConfiguration: {
                    fieldWells: {
                      barChartAggregatedFieldWells: {
                        category: [dimension('region', 'region')],
                        values: [sum('region-views', 'views'), sum('region-likes', 'likes')],
                      },
                    },
                  },
                },
              },
            ],
          },
        ],
      },
    });
    new cdk.CfnOutput(this, 'DashboardId', {
      value: this.dashboard.dashboardId,
      description: 'QuickSight: Dashboards → this id (shared with the configured principal)',
    });
  }
}
