/**
 * The whole deployment of one workflow in one stage: lake buckets, Glue catalog, transform job and
 * crawler, Athena workgroup, Lambdas, the state machine from the committed ASL, the S3 trigger and the
 * failure capture. Every name the ASL references is derived from workflows/ (infra/substitutions.ts),
 * so the same committed file runs here and locally.
 */
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { assertWorkflow } from '../workflows/check-workflow';
import { transformedAtIngest } from '../workflows/datasets';
import { REGION_MERGE_FUNCTIONS, regionMergesOf } from '../workflows/region-merge';
import { aslFileName } from '../workflows/render-asl';
import { admissionGatesOf } from '../workflows/transform-admission';
import type { GlueJobStep, Workflow } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { AlertTopics } from './alert-topics';
import { AnalyticsApi } from './api';
import { AthenaWorkGroup } from './athena-workgroup';
import { CleansedCrawler } from './cleansed-crawler';
import { databasePrefixOf, LAKE_DEFAULTS, resolveStageSettings, type StageSettings } from './config';
import { FailureCapture } from './failure-capture';
import { GlueCatalog } from './glue-catalog';
import { GlueSecurity } from './glue-security';
import { LakeBuckets } from './lake-buckets';
import { ObjectTrigger } from './object-trigger';
import { PipelineAlarms } from './pipeline-alarms';
import { PipelineDashboard } from './pipeline-dashboard';
import { PipelineFunctions } from './pipeline-functions';
import { PipelineStateMachine } from './pipeline-state-machine';
import { AnalyticsQuickSight } from './quicksight';
import { type ArnParts, type NamingOptions, resourceNames } from './substitutions';
import { TransformJob } from './transform-job';
import { ADMISSION_FUNCTIONS, admissionTableName, TransformSlots } from './transform-slots';
import { TrendingFetch } from './trending-fetch';

export interface PipelineStackProps extends cdk.StackProps {
  /** Lowercase letters and digits: it becomes part of resource and Glue database names. */
  readonly stage: string;
  /** The stage's entry of cdk.json `lakestep:stages`: validated, then applied over the defaults. */
  readonly settings?: unknown;
  /** @default the built-in YouTube trending workflow */
  readonly workflow?: Workflow;
  /**
   * The prefix of every resource name, instead of the stage's `namePrefix`: the app gives each workflow
   * after the first `<namePrefix>-<workflow>`, so two workflows of a stage never share a name.
   */
  readonly namePrefix?: string;
  /** Directory holding `<workflow>.asl.json`. @default the repository's `asl/` */
  readonly aslDir?: string;
}

/** The Glue jobs infra has a script for. */
const GLUE_JOBS = ['TransformBatch'];
/** The crawler ids CleansedCrawler implements. */
const CRAWLERS = ['Cleansed'];

export class PipelineStack extends cdk.Stack {
  public readonly settings: StageSettings;
  /** The workflow the stack deploys (what the permission proof reads the checks from). */
  public readonly workflow: Workflow;
  public readonly stateMachine: PipelineStateMachine;
  public readonly buckets: LakeBuckets;
  public readonly alarms: PipelineAlarms;
  public readonly dashboard: PipelineDashboard;
  /** The analytics API: it serves the built-in workflow's category_daily, so only that workflow's stack has one. */
  public readonly api: AnalyticsApi | undefined;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    // Access-log delivery through a bucket policy, not the legacy LogDeliveryWrite ACL (which needs
    // ACLs enabled on the log bucket). Set here so that every app and test gets the same template.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const settings = resolveStageSettings(props.stage, props.settings);
    this.settings = settings;
    const workflow = props.workflow ?? YOUTUBE_TRENDING;
    this.workflow = workflow;
    assertWorkflow(workflow);
    const specs = Object.fromEntries(
      workflow.datasets.flatMap((d) =>
        transformedAtIngest(d) ? [] : [[d.name, { ...d.transform, format: d.format }] as const],
      ),
    );
    const prefix = props.namePrefix ?? settings.namePrefix;
    if (!/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/.test(prefix))
      throw new Error(
        `workflow ${workflow.name}: the resource name prefix "${prefix}" must be lowercase letters, digits and inner hyphens, at most 40 characters: shorten the stage's namePrefix or the workflow's name`,
      );
    const databasePrefix = databasePrefixOf(prefix);
    const naming: NamingOptions = {
      prefix,
      databasePrefix,
      arnFor: (parts: ArnParts) =>
        this.formatArn({
          service: parts.service,
          resource: parts.resource,
          resourceName: parts.resourceName,
          arnFormat:
            parts.separator === ':' ? cdk.ArnFormat.COLON_RESOURCE_NAME : cdk.ArnFormat.SLASH_RESOURCE_NAME,
        }),
    };
    const destroy = settings.removal === 'destroy';

    const key = new kms.Key(this, 'Key', {
      description: `${prefix}: Glue logs and bookmarks, alert topics`,
      enableKeyRotation: true,
      removalPolicy: destroy ? cdk.RemovalPolicy.DESTROY : cdk.RemovalPolicy.RETAIN,
      pendingWindow: cdk.Duration.days(7),
    });
    this.buckets = new LakeBuckets(this, 'Lake', {
      removal: settings.removal,
      noncurrentVersionExpirationDays: settings.noncurrentVersionExpirationDays,
    });
    const catalog = new GlueCatalog(this, 'Catalog', {
      databasePrefix,
      analyticsBucket: this.buckets.byStage.analytics,
      materializations: workflow.materializations,
    });
    const glueSecurity = new GlueSecurity(this, 'GlueSecurity', { name: `${prefix}-glue`, key });

    const targets: Construct[] = [...catalog.analyticsTables.values()];
    for (const step of workflow.steps.filter((s): s is GlueJobStep => s.kind === 'glueJob')) {
      if (!GLUE_JOBS.includes(step.jobId))
        throw new Error(`Glue job '${step.jobId}' of step ${step.id} has no script in infra`);
      if (this.node.tryFindChild(`${step.jobId}Job`)) continue;
      targets.push(
        new TransformJob(this, `${step.jobId}Job`, {
          jobName: resourceNames.glueJob(prefix, step.jobId),
          specs,
          buckets: this.buckets,
          security: glueSecurity,
          timeoutSeconds: step.timeoutSeconds,
          workers: LAKE_DEFAULTS.transformWorkers,
          maxConcurrentRuns: settings.transformMaxConcurrentRuns,
        }),
      );
    }
    const crawlerIds = new Set(
      workflow.steps.flatMap((s) =>
        s.kind === 'crawlerStart' || s.kind === 'crawlerStatus' ? [s.crawlerId] : [],
      ),
    );
    for (const crawlerId of crawlerIds) {
      if (!CRAWLERS.includes(crawlerId)) throw new Error(`crawler '${crawlerId}' has no construct in infra`);
      targets.push(
        new CleansedCrawler(this, `${crawlerId}Crawler`, {
          crawlerName: resourceNames.crawler(prefix, crawlerId),
          databaseName: catalog.cleansedDatabaseName,
          buckets: this.buckets,
          security: glueSecurity,
          datasets: workflow.datasets,
        }),
      );
    }
    if (workflow.steps.some((s) => s.kind === 'athenaQuery')) {
      targets.push(
        new AthenaWorkGroup(this, 'Athena', {
          name: resourceNames.athenaWorkGroup(prefix),
          resultsBucket: this.buckets.athenaResults,
          bytesScannedCutoffMb: settings.bytesScannedCutoffMb,
          recursiveDelete: destroy,
        }),
      );
    }

    const functions = new PipelineFunctions(this, 'Functions', {
      workflow,
      namePrefix: prefix,
      buckets: this.buckets,
      logLevel: settings.logLevel,
      logRetentionDays: settings.logRetentionDays,
      removal: settings.removal,
      cleansedDatabase: catalog.cleansedDatabaseName,
    });
    targets.push(...functions.steps.values());

    this.stateMachine = new PipelineStateMachine(this, 'Pipeline', {
      workflow,
      aslFile: path.join(props.aslDir ?? path.join(__dirname, '..', 'asl'), aslFileName(workflow)),
      naming,
      buckets: this.buckets,
      includeExecutionData: settings.includeExecutionData,
      logRetentionDays: settings.logRetentionDays,
    });
    // The ASL names its targets by name, not by reference: make CloudFormation create them first.
    for (const t of targets) this.stateMachine.stateMachine.node.addDependency(t);

    const trigger = new ObjectTrigger(this, 'Trigger', {
      landingBucket: this.buckets.byStage.landing,
      stateMachine: this.stateMachine.stateMachine,
      starter: functions.starter,
    });
    const topics = new AlertTopics(this, 'Alerts', {
      namePrefix: prefix,
      key,
      alertEmail: settings.alertEmail,
    });
    const failureCapture = new FailureCapture(this, 'FailureCapture', {
      stateMachine: this.stateMachine.stateMachine,
      stateMachineName: this.stateMachine.stateMachineName,
      topics,
      recorder: functions.recorder,
      removal: settings.removal,
    });

    // The Glue admission gate: its slots are the job's MaxConcurrentRuns, from the same setting. The
    // regions' MERGE items (decision 0028) live in the same table, under keys of their own.
    const gates = admissionGatesOf(workflow);
    const usesTable = (id: string) => ADMISSION_FUNCTIONS.has(id) || REGION_MERGE_FUNCTIONS.has(id);
    if (gates.length || regionMergesOf(workflow).length)
      new TransformSlots(this, 'Admission', {
        tableName: admissionTableName(prefix),
        maxSlots: Object.fromEntries(gates.map((g) => [g, settings.transformMaxConcurrentRuns])),
        users: [
          ...[...functions.steps].filter(([id]) => usesTable(id)).map(([, fn]) => fn),
          functions.recorder,
        ],
        removal: settings.removal,
      });

    // Alarms and dashboard from the same step list; the functions publish EMF under the name prefix.
    const metricsNamespace = prefix;
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      workflow,
      namePrefix: prefix,
      metricsNamespace,
      runbookBaseUrl: settings.runbookBaseUrl,
      stateMachine: this.stateMachine.stateMachine,
      topics,
      failureDeadLetters: failureCapture.deadLetters.queue,
      triggerDeadLetters: trigger.deadLetters.queue,
      logRetentionDays: settings.logRetentionDays,
      removal: settings.removal,
    });
    // The scheduled REST ingest (opt-in per stage: `fetchRegions` in cdk.json).
    if (settings.fetchRegions.length)
      for (const source of workflow.sources ?? [])
        new TrendingFetch(this, `Source-${source.id}`, {
          source,
          namePrefix: prefix,
          regions: settings.fetchRegions,
          timeUtc: settings.fetchTimeUtc,
          landingBucket: this.buckets.byStage.landing,
          logLevel: settings.logLevel,
          logRetentionDays: settings.logRetentionDays,
          removal: settings.removal,
          metricsNamespace,
          notices: topics.notices,
          runbookBaseUrl: settings.runbookBaseUrl,
        });
    const consoleUrl = (path: string) => `https://${this.region}.console.aws.amazon.com/${path}`;
    this.dashboard = new PipelineDashboard(this, 'Dashboard', {
      workflow,
      dashboardName: `${prefix}-${workflow.name}`,
      metricsNamespace,
      runbookBaseUrl: settings.runbookBaseUrl,
      alarms: this.alarms.alarms,
      resolve: this.alarms.resolve,
      links: {
        stateMachine: consoleUrl(
          `states/home?region=${this.region}#/statemachines/view/${this.stateMachine.stateMachine.stateMachineArn}`,
        ),
        failuresTable: consoleUrl(
          `dynamodbv2/home?region=${this.region}#table?name=${failureCapture.table.tableName}`,
        ),
        lambdaFunctions: consoleUrl(
          `lambda/home?region=${this.region}#/functions?fo=and&o0=%3A&v0=${prefix}-`,
        ),
        glueJobs: consoleUrl(`gluestudio/home?region=${this.region}#/jobs`),
        crawlers: consoleUrl(`glue/home?region=${this.region}#/v2/data-catalog/crawlers`),
        athenaWorkGroup: consoleUrl(
          `athena/home?region=${this.region}#/workgroups/details/${resourceNames.athenaWorkGroup(prefix)}`,
        ),
        alarms: consoleUrl(`cloudwatch/home?region=${this.region}#alarmsV2:?search=${prefix}-`),
      },
    });

    const apiTable = workflow.analyticsApi?.table;
    // definition-checked (workflows/check-workflow.ts): the API's table is one of the materializations
    const apiMaterialization = workflow.materializations.find((m) => m.table === apiTable);
    this.api =
      apiTable === undefined
        ? undefined
        : new AnalyticsApi(this, 'AnalyticsApi', {
            namePrefix: prefix,
            stageName: props.stage,
            buckets: this.buckets,
            workGroupName: resourceNames.athenaWorkGroup(prefix),
            analyticsDatabase: catalog.analyticsDatabaseName,
            table: apiTable,
            throttle: {
              rateLimit: settings.apiThrottleRateLimit,
              burstLimit: settings.apiThrottleBurstLimit,
            },
            quotaPerDay: settings.apiQuotaPerDay,
            logLevel: settings.logLevel,
            logRetentionDays: settings.logRetentionDays,
            removal: settings.removal,
            metricsNamespace,
          });
    if (settings.quicksightPrincipalArn && apiMaterialization)
      new AnalyticsQuickSight(this, 'QuickSight', {
        namePrefix: prefix,
        principalArn: settings.quicksightPrincipalArn,
        workGroupName: resourceNames.athenaWorkGroup(prefix),
        analyticsDatabase: catalog.analyticsDatabaseName,
        materialization: apiMaterialization,
      });

    new cdk.CfnOutput(this, 'LandingBucketName', {
      value: this.buckets.byStage.landing.bucketName,
      description: 'Upload raw files here: raw_statistics/region=<cc>/<CC>videos.csv',
    });
    new cdk.CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachine.stateMachineArn });
    new cdk.CfnOutput(this, 'AthenaWorkGroupName', { value: resourceNames.athenaWorkGroup(prefix) });
    new cdk.CfnOutput(this, 'AnalyticsDatabase', { value: catalog.analyticsDatabaseName });
    new cdk.CfnOutput(this, 'DashboardName', { value: `${prefix}-${workflow.name}` });
  }
}
