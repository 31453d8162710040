/**
 * The derivation: a workflow declares its data (datasets, materializations, monitoring, sources) and
 * `declareWorkflow` gives it the one step list every lakestep workflow has (decision 0030): ingest →
 * which dataset → transform (a Lambda under the size threshold, Glue behind the admission gate) → batch
 * DQ → promote | quarantine → register the partition (crawl only a new table or a changed schema) → one
 * MERGE run per partition value for the executions waiting for it (group commit, decision 0028), which
 * runs every materialization in order → check the analytics tables, when checks are declared (decision
 * 0032) → publish the run summary. Users never write steps; the ASL, IAM,
 * alarms, dashboard and runbooks are all generated from this list.
 */
import { analyticsCheckSteps } from './analytics-checks';
import { type Dataset, transformedAtIngest } from './datasets';
import { finishRegionMerge, MERGE_TIMEOUT_SECONDS, regionMergeRequestSteps } from './region-merge';
import {
  ATHENA_API_RETRY,
  ATHENA_QUERY_FAILED_RETRY,
  CATALOG_API_RETRY,
  CRAWLER_API_RETRY,
  GLUE_CAPACITY_RETRY,
  GLUE_SERVICE_RETRY,
  LAKE_TRANSIENT_RETRY,
  LAMBDA_SERVICE_RETRY,
} from './retry-policies';
import { SMALL_OBJECT_BYTES, transformPathStep } from './small-objects';
import type { RestSource } from './sources';
import {
  RELEASE_TRANSFORM_SLOT,
  TRANSFORM_ADMISSION_STEPS,
  TRANSFORM_TIMEOUT_SECONDS,
} from './transform-admission';
import type {
  AnalyticsApiDeclaration,
  AthenaStep,
  Materialization,
  Step,
  Workflow,
  WorkflowMonitoring,
} from './types';

/** What a workflow declares: data only. Its steps are derived (declareWorkflow). */
export interface WorkflowDeclaration {
  /** Lower-case words joined by `-`: the ASL file, the stack, the lake and `--workflow` use it. */
  readonly name: string;
  /** What the state machine does, in a sentence (its ASL Comment). */
  readonly comment: string;
  readonly datasets: readonly Dataset[];
  /** Run in order by the execution that runs its partition value's MERGE; the first names the merge item. */
  readonly materializations: readonly Materialization[];
  /** The execution's timeout; default a week (a backfill waits at the Glue gate for its drain, decision 0029). */
  readonly timeoutSeconds?: number;
  /** Objects under this size are transformed in a Lambda; default SMALL_OBJECT_BYTES. */
  readonly smallObjectBytes?: number;
  readonly monitoring?: WorkflowMonitoring;
  readonly sources?: readonly RestSource[];
  /** The analytics API over a category_daily-shaped table (workflows/types.ts AnalyticsApiDeclaration). */
  readonly analyticsApi?: AnalyticsApiDeclaration;
}

/** The default execution timeout: a week (decision 0029). */
export const WORKFLOW_TIMEOUT_SECONDS = 7 * 24 * 60 * 60;

const LAMBDA_RETRY = [LAMBDA_SERVICE_RETRY, LAKE_TRANSIENT_RETRY];

/** Fields every batch-carrying handler result has (see handlers/core/contracts.ts). */
const INGEST_RESULT_FIELDS = [
  'status',
  'dataset',
  'region',
  'regionLiteral',
  'objectKey',
  'sourceFile',
  'reason',
  'cause',
  'batch',
  'sizeBytes',
];

/** `category_daily` → `materializeCategoryDaily`: the step id (and result path) of a materialization's MERGE. */
export function materializeStepId(m: Pick<Materialization, 'name'>): string {
  return `materialize${m.name.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase())}`;
}

/** The MERGE of one materialization, then the next one's, then Finish region merge. */
function materializeStep(m: Materialization, next: Materialization | undefined): AthenaStep {
  const id = materializeStepId(m);
  return {
    id,
    kind: 'athenaQuery',
    stateName: `Materialize ${m.name}`,
    materialization: m.name,
    resultSelector: {
      'queryExecutionId.$': '$.QueryExecution.QueryExecutionId',
      'dataScannedInBytes.$': '$.QueryExecution.Statistics.DataScannedInBytes',
    },
    resultPath: `$.${id}`,
    timeoutSeconds: MERGE_TIMEOUT_SECONDS,
    retry: [ATHENA_API_RETRY, ATHENA_QUERY_FAILED_RETRY],
    // A MERGE reads one partition value's cleansed rows: far more than 512 MiB means pruning broke.
    alarms: { athenaQueryFailed: { threshold: 1 }, athenaBytesScanned: { threshold: 512 * 1024 ** 2 } },
    next: next ? materializeStepId(next) : 'finishRegionMerge',
  };
}

/** The workflow a declaration describes, with its derived steps. */
export function declareWorkflow(d: WorkflowDeclaration): Workflow {
  const first = d.materializations[0];
  if (!first)
    throw new Error(
      `workflow ${d.name}: materializations is empty: declare at least one analytics table (a SELECT over the cleansed tables)`,
    );
  const { smallObjectBytes: _, ...data } = d;
  return {
    ...data,
    timeoutSeconds: d.timeoutSeconds ?? WORKFLOW_TIMEOUT_SECONDS,
    startAt: 'ingestObject',
    steps: pipelineSteps(d, first),
  };
}

function pipelineSteps(d: WorkflowDeclaration, first: Materialization): Step[] {
  // The checks of the materializations (decision 0032), only when the workflow declares some.
  const checks = analyticsCheckSteps(d.materializations, 'publishRunSummary');
  return [
    {
      id: 'ingestObject',
      kind: 'lambda',
      stateName: 'Ingest object',
      comment: 'Classify the object, reject bad objects to quarantine, copy good ones to bronze.',
      function: {
        id: 'IngestObject',
        handlerFile: 'ingest-object.ts',
        memoryMb: 1024,
        timeoutSeconds: 900,
        description: 'Classifies a landed object, validates it as a whole and stages it as a batch',
      },
      payload: {
        'bucket.$': '$.detail.bucket.name',
        'object.$': '$.detail.object',
        'executionName.$': '$$.Execution.Name',
      },
      resultFields: INGEST_RESULT_FIELDS,
      resultPath: '$.ingest',
      timeoutSeconds: 930,
      retry: LAMBDA_RETRY,
      // Ingest reads whole objects: warn early when one gets close to the function's timeout.
      alarms: { lambdaDurationNearTimeout: { threshold: 0.7 } },
      next: 'whichDataset',
    },
    {
      id: 'whichDataset',
      kind: 'choice',
      stateName: 'Which dataset?',
      rules: [
        {
          when: { variable: '$.ingest.status', stringEquals: 'rejected' },
          next: 'objectRejected',
          label: 'rejected',
        },
        // A `json` document was transformed by the ingest step itself; every other format is transformed here.
        ...d.datasets.map((dataset) => ({
          when: { variable: '$.ingest.dataset', stringEquals: dataset.name },
          next: transformedAtIngest(dataset) ? 'checkDataQuality' : 'transformPath',
          label: dataset.name,
        })),
      ],
    },
    // Small objects do not pay for Spark (decision 0026): the same transform in a Lambda.
    // Large ones go through the Glue admission gate first (decision 0027).
    transformPathStep(
      d.smallObjectBytes ?? SMALL_OBJECT_BYTES,
      'transformSmallBatch',
      'acquireTransformSlot',
    ),
    {
      id: 'transformSmallBatch',
      kind: 'lambda',
      stateName: 'Transform small batch',
      comment:
        'The Glue transform for a small object, in a Lambda: the same row rules, staged Parquet and batch summary.',
      function: {
        id: 'TransformSmallBatch',
        handlerFile: 'transform-small-batch.ts',
        memoryMb: 1024,
        timeoutSeconds: 300,
        description: 'Applies the row rules to a small CSV object and stages its batch',
      },
      payload: { 'batch.$': '$.ingest.batch', 'objectKey.$': '$.ingest.objectKey' },
      resultFields: ['summaryKey', 'rows'],
      resultPath: '$.transform',
      timeoutSeconds: 330,
      retry: LAMBDA_RETRY,
      alarms: { lambdaErrors: { threshold: 1 }, lambdaDurationNearTimeout: { threshold: 0.8 } },
      next: 'checkDataQuality',
    },
    // The admission gate around the Glue run (workflows/transform-admission.ts, decision 0027).
    ...TRANSFORM_ADMISSION_STEPS,
    {
      id: 'transformBatch',
      kind: 'glueJob',
      stateName: 'Transform batch',
      comment: 'Apply the row rules, type and dedupe the batch; write staged Parquet and a batch summary.',
      jobId: 'TransformBatch',
      arguments: {
        '--dataset.$': '$.ingest.dataset',
        '--region.$': '$.ingest.region',
        '--batch_id.$': '$.ingest.batch.id',
        '--source_object.$': '$.ingest.objectKey',
        '--source_file.$': '$.ingest.sourceFile',
        '--bronze_bucket.$': '$.ingest.batch.bronze.bucket',
        '--bronze_key.$': '$.ingest.batch.bronze.key',
        '--staging_bucket.$': '$.ingest.batch.staging.bucket',
        '--staging_prefix.$': '$.ingest.batch.staging.prefix',
        '--ingested_at.$': '$.ingest.batch.ingestedAt',
      },
      resultSelector: { 'jobRunId.$': '$.Id', 'state.$': '$.JobRunState' },
      resultPath: '$.transform',
      timeoutSeconds: TRANSFORM_TIMEOUT_SECONDS,
      // With the gate, capacity errors are rare (another job of the account, a redrive resumed here
      // without a slot): the capacity retry stays for them.
      retry: [GLUE_CAPACITY_RETRY, GLUE_SERVICE_RETRY],
      alarms: { glueJobFailed: { threshold: 1 }, glueJobTimedOut: { threshold: 1 } },
      next: 'releaseTransformSlot',
    },
    RELEASE_TRANSFORM_SLOT,
    {
      id: 'checkDataQuality',
      kind: 'lambda',
      stateName: 'Check data quality',
      comment: 'Evaluate the batch DQ rules against the summary the transform wrote.',
      function: {
        id: 'CheckDataQuality',
        handlerFile: 'check-data-quality.ts',
        memoryMb: 256,
        timeoutSeconds: 60,
        description: 'Evaluates the batch data-quality rules against the batch summary',
      },
      payload: { 'batch.$': '$.ingest.batch', 'objectKey.$': '$.ingest.objectKey' },
      resultFields: ['passed', 'reason', 'cause', 'failedRules', 'rows'],
      resultPath: '$.quality',
      timeoutSeconds: 90,
      retry: LAMBDA_RETRY,
      alarms: { lambdaErrors: { threshold: 1 }, lambdaDurationNearTimeout: { threshold: 0.8 } },
      next: 'qualityPassed',
    },
    {
      id: 'qualityPassed',
      kind: 'choice',
      stateName: 'Quality passed?',
      rules: [
        {
          when: { variable: '$.quality.passed', booleanEquals: true },
          next: 'promoteBatch',
          label: 'passed',
        },
      ],
      default: 'quarantineBatch',
    },
    {
      id: 'quarantineBatch',
      kind: 'lambda',
      stateName: 'Quarantine batch',
      comment: 'Move the whole batch and its DQ report to quarantine; nothing is promoted.',
      function: {
        id: 'QuarantineBatch',
        handlerFile: 'quarantine-batch.ts',
        memoryMb: 512,
        timeoutSeconds: 300,
        description: 'Copies a batch that failed data quality to quarantine with its report',
      },
      payload: {
        'batch.$': '$.ingest.batch',
        'objectKey.$': '$.ingest.objectKey',
        'quality.$': '$.quality',
      },
      resultFields: ['quarantinePrefix'],
      resultPath: '$.quarantine',
      timeoutSeconds: 330,
      retry: LAMBDA_RETRY,
      alarms: { lambdaErrors: { threshold: 1 } },
      next: 'dataQualityFailed',
    },
    {
      id: 'dataQualityFailed',
      kind: 'fail',
      stateName: 'Data quality failed',
      error: 'DataQualityFailed',
      causePath: '$.quality.cause',
    },
    {
      id: 'promoteBatch',
      kind: 'lambda',
      stateName: 'Promote batch',
      comment: "Replace the object's rows in cleansed; quarantined rows go to quarantine with their rule.",
      function: {
        id: 'PromoteBatch',
        handlerFile: 'promote-batch.ts',
        memoryMb: 512,
        timeoutSeconds: 300,
        description: "Replaces the source object's partition in cleansed with the staged batch",
      },
      payload: { 'batch.$': '$.ingest.batch', 'objectKey.$': '$.ingest.objectKey' },
      resultFields: ['cleansedPrefix', 'quarantinedRowsKey', 'files', 'superseded'],
      resultPath: '$.promotion',
      timeoutSeconds: 330,
      retry: LAMBDA_RETRY,
      alarms: { lambdaErrors: { threshold: 1 }, lambdaDurationNearTimeout: { threshold: 0.8 } },
      next: 'registerPartition',
    },
    {
      id: 'registerPartition',
      kind: 'lambda',
      stateName: 'Register partition',
      comment:
        'Register the promoted partition in the catalog (Glue BatchCreatePartition); a new table or a changed schema asks for a crawl instead.',
      function: {
        id: 'RegisterPartition',
        handlerFile: 'register-partition.ts',
        memoryMb: 256,
        timeoutSeconds: 60,
        description: "Registers a promoted batch's partition in the catalog, or asks for a crawl",
      },
      payload: { 'batch.$': '$.ingest.batch', 'objectKey.$': '$.ingest.objectKey' },
      resultFields: ['crawl', 'why', 'table', 'partition', 'difference'],
      resultPath: '$.catalog',
      timeoutSeconds: 90,
      retry: [...LAMBDA_RETRY, CATALOG_API_RETRY],
      alarms: { lambdaErrors: { threshold: 1 } },
      next: 'catalogCurrent',
    },
    {
      id: 'catalogCurrent',
      kind: 'choice',
      stateName: 'Catalog up to date?',
      comment: 'Crawl only when the table is new or its schema changed: the crawler is off the hot path.',
      rules: [
        {
          when: { variable: '$.catalog.crawl', booleanEquals: false },
          next: 'requestRegionMerge',
          label: 'registered',
        },
      ],
      default: 'startCrawler',
    },
    {
      id: 'startCrawler',
      kind: 'crawlerStart',
      stateName: 'Start crawler',
      crawlerId: 'Cleansed',
      // A marker: this execution's own crawl started (it covers this batch's partition), in which attempt.
      resultSelector: { ours: true, 'attempt.$': '$$.Execution.RedriveCount' },
      resultPath: '$.crawl',
      timeoutSeconds: 60,
      retry: [CRAWLER_API_RETRY],
      // One alarm per crawler: both crawler steps must set it alike.
      alarms: { crawlerFailed: { threshold: 1 } },
      catch: [
        {
          errors: ['Glue.CrawlerRunningException'],
          next: 'waitForCrawler',
          resultPath: '$.crawl',
          why: "another execution's crawl is running: wait for it, then register again (that crawl may have defined the table), crawling only if it is still needed",
        },
      ],
      next: 'waitForCrawler',
    },
    {
      id: 'waitForCrawler',
      kind: 'wait',
      stateName: 'Wait for crawler',
      seconds: 30,
      next: 'getCrawlerStatus',
    },
    {
      id: 'getCrawlerStatus',
      kind: 'crawlerStatus',
      stateName: 'Get crawler status',
      crawlerId: 'Cleansed',
      // The whole crawler: LastCrawl is absent until a first crawl ends, so it cannot be selected alone.
      resultSelector: { 'state.$': '$.Crawler.State', 'details.$': '$.Crawler' },
      resultPath: '$.crawler',
      timeoutSeconds: 60,
      retry: [CRAWLER_API_RETRY],
      alarms: { crawlerFailed: { threshold: 1 } },
      next: 'crawlerFinished',
    },
    {
      id: 'crawlerFinished',
      kind: 'choice',
      stateName: 'Crawler finished?',
      rules: [
        {
          when: {
            and: [
              { variable: '$.crawler.state', stringEquals: 'READY' },
              { variable: '$.crawl.ours', isPresent: true },
            ],
          },
          next: 'checkCrawl',
          label: 'our crawl done',
        },
        {
          // Another execution's crawl may have defined the table meanwhile: register before crawling
          // again, so a burst of first objects costs one crawl, not one each.
          when: { variable: '$.crawler.state', stringEquals: 'READY' },
          next: 'registerPartition',
          label: "other's crawl done",
        },
      ],
      default: 'waitForCrawler',
    },
    {
      id: 'checkCrawl',
      kind: 'lambda',
      stateName: 'Check crawl result',
      comment:
        "A READY crawler is not a crawl that worked: fail here unless this execution's crawl SUCCEEDED.",
      function: {
        id: 'CheckCrawl',
        handlerFile: 'check-crawl.ts',
        memoryMb: 128,
        timeoutSeconds: 30,
        description: 'Fails the execution when its crawl did not succeed; asks a redrive to crawl again',
      },
      payload: {
        'crawler.$': '$.crawler.details',
        'crawlAttempt.$': '$.crawl.attempt',
        'redriveCount.$': '$$.Execution.RedriveCount',
      },
      resultFields: ['recrawl', 'status'],
      resultPath: '$.crawlResult',
      timeoutSeconds: 60,
      retry: LAMBDA_RETRY,
      alarms: { lambdaErrors: { threshold: 1 } },
      next: 'crawlAgain',
    },
    {
      id: 'crawlAgain',
      kind: 'choice',
      stateName: 'Crawl again?',
      rules: [
        {
          when: { variable: '$.crawlResult.recrawl', booleanEquals: true },
          next: 'startCrawler',
          label: 'redrive after a failed crawl',
        },
      ],
      default: 'requestRegionMerge',
    },
    // One MERGE per region (workflows/region-merge.ts, decision 0028): executions waiting for the same
    // region share one run, which runs every materialization of the workflow in order.
    ...regionMergeRequestSteps(first.name, materializeStepId(first)),
    ...d.materializations.map((m, i) => materializeStep(m, d.materializations[i + 1])),
    { ...finishRegionMerge(first.name), next: checks.next },
    ...checks.steps,
    {
      id: 'publishRunSummary',
      kind: 'lambda',
      stateName: 'Publish run summary',
      comment: 'Record the run summary beside the analytics and emit the run metrics.',
      function: {
        id: 'PublishRunSummary',
        handlerFile: 'publish-run-summary.ts',
        memoryMb: 256,
        timeoutSeconds: 60,
        description: 'Writes the run summary and emits the run metrics',
      },
      payload: {
        'executionName.$': '$$.Execution.Name',
        'ingest.$': '$.ingest',
        'quality.$': '$.quality',
        'promotion.$': '$.promotion',
      },
      resultFields: ['summaryKey'],
      resultPath: '$.summary',
      timeoutSeconds: 90,
      retry: LAMBDA_RETRY,
      alarms: { lambdaErrors: { threshold: 1 } },
      next: 'done',
    },
    { id: 'done', kind: 'succeed', stateName: 'Done' },
    {
      id: 'objectRejected',
      kind: 'fail',
      stateName: 'Object rejected',
      error: 'ObjectRejected',
      causePath: '$.ingest.cause',
    },
  ];
}
