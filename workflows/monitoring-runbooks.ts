/**
 * Pure renderer: the runbook of every generated alarm (docs/runbooks/<alarm>.md) and their index. The
 * names, states, thresholds and commands in a runbook come from the same workflow data as the alarm,
 * so a runbook never names a state or a function that is not deployed. The prose per alarm kind is here.
 */

import {
  type AlarmSpec,
  alarmsFor,
  COMPOSITE_ALARM_ID,
  type CompositeAlarmSpec,
  type MetricAlarmSpec,
  RUNBOOK_DIR,
} from './alarms';
import { ANALYTICS_CHECK_METRIC, CHECK_ANALYTICS_FUNCTION, checksOf } from './analytics-checks';
import { API_RUNBOOK } from './api-alarms';
import { fetchAlarmsFor, sourceAlarmsFor } from './fetch-alarms';
import { fetchSection } from './fetch-runbooks';
import type { Workflow } from './types';

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const q = (s: string) => `"${s}"`;

interface Section {
  meaning: string;
  checks: string[];
  diagnose: string[];
  fix: string[];
  local?: string[];
}

const GENERATED = 'workflows/monitoring-runbooks.ts';

function stepOf(alarm: MetricAlarmSpec): { state: string; states: string[] } {
  const states = alarm.scope.type === 'step' ? [...alarm.scope.stateNames] : [];
  return { state: states[0] ?? '', states };
}

const replayFailed = (state?: string, error?: string) =>
  `npx lakestep replay --aws --failed --since 24h${state ? ` --state ${q(state)}` : ''}${error ? ` --error ${error}` : ''}`;

function sectionFor(alarm: MetricAlarmSpec, workflow: Workflow): Section {
  const { state, states } = stepOf(alarm);
  const fnId =
    alarm.metric && 'dimensions' in alarm.metric ? alarm.metric.dimensions.FunctionName : undefined;
  const fn =
    fnId && typeof fnId === 'object' && fnId.ref === 'function' ? `$PREFIX-${kebab(fnId.functionId)}` : '';
  const logsOf = `LOG_GROUP=$(aws lambda get-function-configuration --function-name ${fn} --query LoggingConfig.LogGroup --output text)`;
  const eventLog = alarm.signal ? `/aws/events/$PREFIX-${alarm.signal.id}` : '';
  const localFault = (s: string, mode = 'permanent') =>
    `npx lakestep run --data <file> --inject-fault ${q(`${s}:${mode}`)}`;
  switch (alarm.kind) {
    case 'api5xx':
    case 'apiLatencyP99':
    case 'apiThrottles':
      return API_RUNBOOK[alarm.kind];
    case 'lambdaErrors':
      return {
        meaning: `The function behind ${q(state)} threw. Each task retries Lambda service errors and \`Lake.Unavailable\` (see \`workflows/retry-policies.ts\`), so a blip can end in a successful execution; an error the retries do not absorb leaves the execution FAILED at ${q(state)} and also fires \`executions-failed-system\`.`,
        checks: [
          `Is \`executions-failed-system\` also in ALARM? Then executions are waiting at ${q(state)}: list them with \`${replayFailed(state)} --dry-run\`.`,
          "Read the error in the function's log (below): a `ContractError` means the task input changed shape (a deployment mismatch); `Lake.ObjectNotFound` means an object was deleted under a running execution; anything else is a bug or an outage of S3.",
          "Did a deployment just happen? Compare the function's `LastModified` with the first error.",
        ],
        diagnose: [
          logsOf,
          'aws logs filter-log-events --log-group-name "$LOG_GROUP" --start-time $(( ($(date +%s) - 3600) * 1000 )) --filter-pattern \'{ $.level = "ERROR" }\'',
          `npx lakestep replay --aws --failed --since 24h --state ${q(state)} --dry-run`,
        ],
        fix: [
          '# after fixing the cause (code, data, permissions), redrive: each execution resumes at the failed state',
          replayFailed(state),
        ],
        local: [localFault(state), 'npx lakestep status'],
      };
    case 'lambdaThrottles':
      return {
        meaning: `Invocations of the function behind ${q(state)} were throttled: the account's concurrent executions (or a reserved concurrency) are exhausted, usually by a burst of uploads. The task's Retry (\`Lambda.TooManyRequestsException\`, backoff up to 60 s) absorbs short bursts; sustained throttling makes executions fail.`,
        checks: [
          'Was there a burst of uploads (a backfill)? Look at ExecutionsStarted on the dashboard.',
          "Check the account's concurrency: `aws lambda get-account-settings` (ConcurrentExecutions vs UnreservedConcurrentExecutions).",
          'Is `executions-failed-system` in ALARM too? Then throttling outlasted the retries.',
        ],
        diagnose: [
          'aws lambda get-account-settings',
          `aws lambda get-function-concurrency --function-name ${fn}`,
          `npx lakestep replay --aws --failed --since 24h --error Lambda.TooManyRequestsException --dry-run`,
        ],
        fix: [
          '# slow the backfill down, or raise the concurrency quota; then redrive what failed',
          `npx lakestep replay --aws --failed --since 24h --error Lambda.TooManyRequestsException`,
        ],
        local: [localFault(state, 'transient'), 'npx lakestep status'],
      };
    case 'lambdaDurationNearTimeout':
      return {
        meaning: `An invocation of the function behind ${q(state)} came close to the function's timeout (${alarm.condition}). The next, larger object may time out, and a timeout fails the task.`,
        checks: [
          "Which object was it? The function's log line for the invocation names the object and batch.",
          'Is the object unusually large? Compare its size with the usual uploads.',
          `Raise the function's memory and timeout in \`workflows/pipeline-steps.ts\` (step ${q(state)}, \`function\`) if large objects are now normal; keep the task's \`timeoutSeconds\` above the function's.`,
        ],
        diagnose: [
          logsOf,
          'aws logs filter-log-events --log-group-name "$LOG_GROUP" --start-time $(( ($(date +%s) - 3600) * 1000 )) --filter-pattern \'"REPORT"\'',
        ],
        fix: [
          '# a deployment with more memory/time (npx cdk deploy); nothing to replay unless executions failed:',
          replayFailed(state, 'States.Timeout'),
        ],
      };
    case 'slotWaitTooLong':
      return {
        meaning: `Executions wait at ${q(state)} for a slot of the Glue transform gate (as many slots as the job's MaxConcurrentRuns, the stage setting \`transformMaxConcurrentRuns\`). Waiting is the gate working: objects wait instead of exhausting Glue's retries. But an object has now waited ${alarm.condition.replace(/^longest wait ≥ /, '').replace(/ in .*$/, '')}, and an execution still waiting when it reaches its timeout ends TIMED_OUT. Either more objects arrive than the slots can transform (a backfill started too fast), or slots are held by runs that take long or by holders that never released (their lease frees them).`,
        checks: [
          'Is a backfill running? `lakestep backfill --aws` paces its starts (`--rate`); an `aws s3 cp --recursive` of a history does not. The dashboard row of this state shows SlotWaits and SlotsAcquired.',
          'Are the slots held by running Glue jobs? Compare the gate item (below) with the job runs RUNNING: a holder whose execution has ended is a lost release, freed when its lease ends.',
          'Are the Glue runs slow (a larger object than usual) or failing (`transform-batch-job-failed`)?',
        ],
        diagnose: [
          'aws dynamodb get-item --table-name "$PREFIX-admission" --key \'{"gate": {"S": "TransformBatch"}}\' --consistent-read',
          'aws glue get-job-runs --job-name "$PREFIX-transform-batch" --max-results 50 --query "JobRuns[?JobRunState==\'RUNNING\'].[Id,StartedOn]"',
          `npx lakestep replay --aws --failed --since 24h --error States.Timeout --dry-run`,
        ],
        fix: [
          '# more slots: raise transformMaxConcurrentRuns for the stage in cdk.json (the job and the gate follow), then npx cdk deploy',
          '# or slow the arrivals: stop the bulk upload, backfill with a paced rate instead:',
          'npx lakestep backfill --aws s3://<landing bucket>/<prefix> --rate 30',
          '# executions that timed out while waiting: redrive them (each resumes at the state it was in)',
          replayFailed(undefined, 'States.Timeout'),
        ],
        local: ['npx lakestep run --data <directory of many files> --concurrency 8', 'npx lakestep status'],
      };
    case 'glueJobFailed':
      return {
        meaning: `A run of the Glue job behind ${q(state)} ended FAILED or ERROR. This alarm counts Glue's job-state events (rule \`$PREFIX-${alarm.signal?.id}\`), which also see runs that fail before the script starts (bad arguments, missing script, no capacity) and which Glue's own job metrics miss. The execution that started the run fails at ${q(state)} after its retries.`,
        checks: [
          `Read the failed run's error message: the events in \`${eventLog}\` carry the job run id and Glue's message.`,
          "A Python traceback in the job's error log is a bug in `glue/transform_batch.py` or `glue/lakestep_rules.py`: reproduce it locally (below) and with `python3 -m unittest` in `glue/`.",
          '`ConcurrentRunsExceededException` or "resource unavailable": capacity; the retry usually absorbs it.',
        ],
        diagnose: [
          `aws logs tail ${eventLog} --since 2h`,
          `aws glue get-job-runs --job-name $PREFIX-${kebab(alarm.signal?.resource.ref === 'glueJob' ? alarm.signal.resource.jobId : '')} --max-results 5 --query 'JobRuns[].[Id,JobRunState,ErrorMessage]' --output table`,
          `npx lakestep replay --aws --failed --since 24h --state ${q(state)} --dry-run`,
        ],
        fix: [
          '# after fixing the script or the capacity, redrive: each execution resumes at the failed state',
          replayFailed(state),
        ],
        local: [localFault(state), 'npx lakestep status'],
      };
    case 'glueJobTimedOut':
      return {
        meaning: `A run of the Glue job behind ${q(state)} hit its timeout (the step's \`timeoutSeconds\`). Either the object is far larger than usual, or the job is stuck (skewed data, a slow S3 read).`,
        checks: [
          `Read the run's events in \`${eventLog}\` and the job's metrics in the Glue console (executor memory, shuffle).`,
          'How large was the object? A backfill of a multi-GB file needs more workers (`LAKE_DEFAULTS.transformWorkers` in infra/config.ts).',
        ],
        diagnose: [
          `aws logs tail ${eventLog} --since 6h`,
          `npx lakestep replay --aws --failed --since 24h --state ${q(state)} --dry-run`,
        ],
        fix: ['# after giving the job more workers or time (npx cdk deploy), redrive', replayFailed(state)],
      };
    case 'crawlerFailed':
      return {
        meaning: `A crawl of the crawler that ${states.map(q).join(' and ')} run ended Failed. Executions crawl only when a table is new or its schema changed (otherwise "Register partition" registers the partition directly); an execution whose own crawl failed is FAILED at "Check crawl result" (\`Catalog.CrawlFailed\`), with the crawl's error as its cause. Its analytics are not materialized until it is redriven.`,
        checks: [
          `Read the crawl's error in \`${eventLog}\` or with \`aws glue get-crawler\` (LastCrawl.ErrorMessage).`,
          'Permissions (the crawler role reads the cleansed prefixes) or an incompatible schema change (a column changed type) are the usual causes.',
          'A redrive of the failed executions crawls again ("Crawl again?") and then materializes: no object needs landing again.',
        ],
        diagnose: [
          `aws logs tail ${eventLog} --since 2h`,
          `aws glue get-crawler --name $PREFIX-cleansed-crawler --query 'Crawler.LastCrawl'`,
          `npx lakestep replay --aws --failed --since 24h --state ${q('Check crawl result')} --dry-run`,
        ],
        fix: [
          '# after the fix, redrive the executions that failed at "Check crawl result": they crawl again',
          replayFailed('Check crawl result'),
        ],
        local: [localFault(state), 'npx lakestep status'],
      };
    case 'athenaQueryFailed':
      return {
        meaning: `Queries of the pipeline's Athena workgroup failed; the materialization state${states.length > 1 ? 's' : ''} ${states.map(q).join(', ')} run${states.length > 1 ? '' : 's'} there. The task retries Iceberg commit conflicts (\`ATHENA_QUERY_FAILED_RETRY\`), so some failures are absorbed; the rest fail the execution at the materialization.`,
        checks: [
          'Find the failed query and its reason (below): `ICEBERG_COMMIT_ERROR` is a concurrent commit (retried); a syntax or type error means the SQL and the tables disagree (a schema change in cleansed).',
          'Did the crawler fail before (`cleansed-crawler-failed`)? A missing partition or table shows up here.',
          "The workgroup's scan cutoff cancels queries that scan too much: see `athena-bytes-scanned`.",
        ],
        diagnose: [
          "aws athena list-query-executions --work-group $PREFIX-workgroup --max-results 20 --query 'QueryExecutionIds' --output text | xargs -n 20 aws athena batch-get-query-execution --query 'QueryExecutions[?Status.State==`FAILED`].[QueryExecutionId,Status.StateChangeReason]' --output table --query-execution-ids",
          `npx lakestep replay --aws --failed --since 24h --state ${q(state)} --dry-run`,
        ],
        fix: ['# after the fix, redrive: the MERGE is atomic and idempotent', replayFailed(state)],
        local: [localFault(state), 'npx lakestep query "SELECT count(*) FROM analytics.category_daily"'],
      };
    case 'athenaBytesScanned':
      return {
        meaning: `A query of the pipeline's workgroup scanned more than the threshold (${alarm.condition}). The materialization reads one region's cleansed rows: a sudden jump means partition pruning stopped working (a catalog change, a query change) or a region grew a lot. Cost grows with it, and the workgroup's \`bytesScannedCutoffMb\` cancels queries beyond it.`,
        checks: [
          'Which query? Compare `DataScannedInBytes` of recent executions (below).',
          "Did the crawler change the table's partitioning (deprecated partitions, a new column)?",
        ],
        diagnose: [
          "aws athena list-query-executions --work-group $PREFIX-workgroup --max-results 20 --query 'QueryExecutionIds' --output text | xargs -n 20 aws athena batch-get-query-execution --query 'QueryExecutions[].[QueryExecutionId,Statistics.DataScannedInBytes]' --output table --query-execution-ids",
        ],
        fix: [
          '# nothing failed: fix the partitioning or raise the threshold next to the step in workflows/pipeline-steps.ts',
          'npx lakestep status',
        ],
        local: ['npx lakestep run', 'npx lakestep status --json'],
      };
    case 'systemFaults':
      return {
        meaning:
          "Executions ended with a system fault: FAILED with an error the workflow does not end on purpose (not `ObjectRejected`, not `DataQualityFailed`), TIMED_OUT or ABORTED (each of these also has its own alarm). The failure recorder counts them by classification, because Step Functions' own ExecutionsFailed also counts the data outcomes. Each such execution waits at the state that failed; the pages topic has one message per execution with its failed state, error, console link and replay command.",
        checks: [
          'Read the per-execution page messages, or list the failures (below): which state, which error, how many objects.',
          'One state and one error for many objects is one cause (an outage, a deployment, permissions); fix it once.',
          'Open the step alarm of that state (its Lambda/Glue/Athena alarm) and follow its runbook.',
        ],
        diagnose: [
          'npx lakestep replay --aws --failed --since 24h --dry-run',
          `aws stepfunctions list-executions --state-machine-arn <StateMachineArn output> --status-filter FAILED --max-results 20`,
        ],
        fix: [
          '# after the fix, redrive every failed execution (each resumes at its failed state):',
          'npx lakestep replay --aws --failed --since 24h',
          '# or one execution:',
          'npx lakestep replay --aws <executionArn>',
        ],
        local: [
          'npx lakestep run --inject-fault "Promote batch:permanent"',
          'npx lakestep status',
          'npx lakestep replay <execution>',
        ],
      };
    case 'executionsTimedOut':
      return {
        meaning: `Executions ran past the workflow's timeout (${Math.round(workflow.timeoutSeconds / 3600)} h). It is long on purpose (a backfill's objects wait at the Glue gate for as long as the drain takes), and every task state has its own timeout, so this means a wait that never ended: an object that waited at the gate for the whole timeout (a backlog far beyond the gate's slots: see the slot-wait alarm), or the crawler wait loop that kept waiting.`,
        checks: [
          'Which state was running when the time ran out? The page message of each execution names it.',
          'Is the crawler stuck RUNNING? `aws glue get-crawler --name $PREFIX-cleansed-crawler`.',
          'Is a Glue run still RUNNING? `aws glue get-job-runs` on the transform job.',
        ],
        diagnose: [
          'npx lakestep replay --aws --failed --since 24h --error States.Timeout --dry-run',
          `aws stepfunctions list-executions --state-machine-arn <StateMachineArn output> --status-filter TIMED_OUT --max-results 20`,
        ],
        fix: [
          '# after unsticking the resource, redrive',
          'npx lakestep replay --aws --failed --since 24h --error States.Timeout',
        ],
      };
    case 'executionsAborted':
      return {
        meaning:
          'Someone (or something) stopped executions with StopExecution. Their objects were not processed to the end; nothing is lost (the landed object and bronze copy stay).',
        checks: [
          'Was it intended (a bad deployment being stopped)? CloudTrail `StopExecution` events say who.',
          'Redrive the ones that should finish.',
        ],
        diagnose: [
          `aws stepfunctions list-executions --state-machine-arn <StateMachineArn output> --status-filter ABORTED --max-results 20`,
          'npx lakestep replay --aws --failed --since 24h --dry-run',
        ],
        fix: ['npx lakestep replay --aws --failed --since 24h'],
      };
    case 'executionsThrottled':
      return {
        meaning:
          "StartExecution calls from the trigger were throttled (the account's Step Functions quota). The trigger's EventBridge retry re-delivers; after its retries the event goes to the trigger's dead-letter queue (see `trigger-undelivered`).",
        checks: [
          'Is a backfill running? Spread it out.',
          'Is `trigger-undelivered` in ALARM? Then objects were not started at all.',
        ],
        diagnose: [
          'aws service-quotas list-service-quotas --service-code states --query "Quotas[?contains(QuotaName, \'StartExecution\')]"',
        ],
        fix: [
          '# nothing to replay unless trigger-undelivered fired; then follow its runbook',
          'npx lakestep status',
        ],
      };
    case 'executionDurationP99':
      return {
        meaning: `The slowest 1% of executions take longer than the threshold (${alarm.condition}). Objects reach analytics late: Glue runs queue (concurrency), crawls queue (one crawler, one crawl at a time) or Athena queues.`,
        checks: [
          'Which state got slow? The dashboard has one row per step with its duration.',
          'Many uploads at once make executions wait for the single crawler: expected during a backfill.',
        ],
        diagnose: ['npx lakestep status'],
        fix: ['# nothing failed; raise transformMaxConcurrentRuns (cdk.json) or spread the backfill'],
      };
    case 'failureCaptureUndelivered':
      return {
        meaning:
          'EventBridge could not deliver "Execution Status Change" events to the failure recorder (after its retries): those failed executions are not in the failures table and did not page one by one. The executions themselves are intact and can be redriven.',
        checks: [
          'Is the recorder function failing? Check its errors and log group.',
          'Read the messages in the dead-letter queue: each holds one failure event.',
        ],
        diagnose: [
          'aws sqs receive-message --queue-url <FailureCapture dead-letter queue URL> --max-number-of-messages 10',
          'npx lakestep replay --aws --failed --since 24h --dry-run',
        ],
        fix: [
          '# fix the recorder, then handle the failures it missed:',
          'npx lakestep replay --aws --failed --since 24h',
        ],
      };
    case 'triggerUndelivered':
      return {
        meaning:
          "Object Created events could not start an execution after the trigger's retries (starter errors, Step Functions throttling): those objects are in landing but were never processed.",
        checks: [
          "Read the messages in the trigger's dead-letter queue: each names the bucket and key.",
          "Check the starter function's errors and log.",
        ],
        diagnose: [
          'aws sqs receive-message --queue-url <Trigger dead-letter queue URL> --max-number-of-messages 10',
          '# are the executions that did start failing too (the same cause)?',
          'npx lakestep replay --aws --failed --since 24h --dry-run',
        ],
        fix: [
          '# after the fix, start each missed object again (the execution name is derived from key and content, so a duplicate is refused):',
          'aws s3 cp s3://<landing bucket>/<key> s3://<landing bucket>/<key> --metadata-directive REPLACE',
        ],
      };
    case 'rejectedObjects':
      return {
        meaning:
          "Landed objects were rejected whole — a data outcome, not a fault: the object's name matches no dataset, it is empty, not UTF-8, its header is not the contract's, or a category file has the wrong shape. Each is copied to quarantine (`objects/<key>/<execution>/`) with a `reason.json`; the landed original is untouched. The notices topic has one message per object.",
        checks: [
          'Read the reason (below): it names the object and the problem.',
          'Many rejections with one reason usually mean the source changed its export (a renamed column, another encoding).',
        ],
        diagnose: [
          'aws s3 ls s3://<quarantine bucket>/objects/ --recursive | grep reason.json | tail',
          'npx lakestep replay --aws --failed --since 24h --error ObjectRejected --dry-run',
        ],
        fix: [
          '# fix the file at the source and upload it again under the same key, or locally:',
          'npx lakestep rerun --object <landing key>',
        ],
        local: ['npx lakestep run --data <bad file>', 'npx lakestep status'],
      };
    case 'dqFailedBatches':
      return {
        meaning: `Batches of ${alarm.scope.type === 'data' ? alarm.scope.dataset : 'a dataset'} failed a batch data-quality rule (\`zero_rows\`, or quarantined rows over the DQ gate of \`quarantined_share\`) — a data outcome, not a fault. The whole batch went to quarantine with its DQ report; the rows of the object's last good version stay in cleansed.`,
        checks: [
          "Read the DQ report: `quarantine/batches/<dataset>/region=<cc>/source_file=<file>/<execution>/dq-report.json` names the rule, the counts and the rows' rules.",
          'Is one source file bad, or every region? Several regions at once points at the exporter.',
        ],
        diagnose: [
          'npx lakestep replay --aws --failed --since 24h --error DataQualityFailed --dry-run',
          'aws s3 ls s3://<quarantine bucket>/batches/ --recursive | grep dq-report.json | tail',
        ],
        fix: [
          '# fix the data (upload a corrected file under the same key) or the rules, then rerun the object:',
          'npx lakestep rerun --object <landing key>',
        ],
        local: ['npx lakestep run --data <file>', 'npx lakestep status'],
      };
    case 'analyticsCheckWarnings':
    case 'analyticsCheckFailures': {
      const fail = alarm.kind === 'analyticsCheckFailures';
      const checks = checksOf(workflow.materializations).filter(
        (c) => c.severity === (fail ? 'fail' : 'warn'),
      );
      const names = checks.map((c) => `\`${c.materialization}.${c.name}\` (${c.description})`).join('; ');
      return {
        meaning: fail
          ? `A fail check of the materializations found violating rows after the MERGE (${names}): those executions ended FAILED with \`DataQualityFailed\` at ${q(state)}, a data outcome. The analytics table holds what the data says; the check says that is wrong (e.g. orders whose customer is missing).`
          : `A warn check of the materializations found violating rows after the MERGE (${names}): the executions succeeded, and the rows are in the table as the data says. Often the data is on its way (an orders file landed before its customers).`,
        checks: [
          `The cause (fail) or the step result (warn) of ${q(state)} names the check, the count and sample keys: \`aws stepfunctions get-execution-history\` on one execution, or the function's log lines \`analytics check …\`.`,
          `Which check? The metric \`${fail ? ANALYTICS_CHECK_METRIC.failures : ANALYTICS_CHECK_METRIC.warnings}\` has the dimensions \`materialization\` and \`check\`.`,
          "Run the check's SQL yourself in the workgroup (with the database names of the stage) to see every violating row.",
        ],
        diagnose: [
          `LOG_GROUP=$(aws lambda get-function-configuration --function-name $PREFIX-${kebab(CHECK_ANALYTICS_FUNCTION.id)} --query LoggingConfig.LogGroup --output text)`,
          'aws logs filter-log-events --log-group-name "$LOG_GROUP" --start-time $(( ($(date +%s) - 3600) * 1000 )) --filter-pattern \'"analytics check"\'',
          ...(fail
            ? ['npx lakestep replay --aws --failed --since 24h --error DataQualityFailed --dry-run']
            : []),
        ],
        fix: fail
          ? [
              '# fix the data (land the missing or corrected file: its run re-materializes and checks again), or the check; then rerun the failed object:',
              'npx lakestep rerun --object <landing key>',
            ]
          : ['# nothing failed: tell the data owner; the next run of the scope checks again'],
        local: ['npx lakestep run --data <files>', 'npx lakestep status'],
      };
    }
    case 'quarantinedRowShare':
      return {
        meaning: `Across the ${alarm.scope.type === 'data' ? alarm.scope.dataset : ''} batches of the last period, more rows than the threshold were quarantined by the row rules (${alarm.condition}). Below the DQ gate the batches still pass, so this is the early warning that the source's data is degrading.`,
        checks: [
          "Which rule quarantines them? The dashboard's data row and the quarantined rows (`quarantine/rows/...`, with a `rule` column) say.",
          'Query the quarantined rows locally after reproducing with the same file.',
        ],
        diagnose: ['npx lakestep status', 'npx lakestep run --data <the file>'],
        fix: [
          '# nothing failed: tell the data owner; rerun objects after a corrected upload',
          'npx lakestep rerun --object <landing key>',
        ],
      };
    case 'freshness':
      return {
        meaning: `No ${alarm.scope.type === 'data' ? alarm.scope.dataset : ''} object ran through to analytics within the window (${alarm.condition}): uploads stopped arriving, the trigger stopped starting executions, or every run fails. Analytics are getting stale.`,
        checks: [
          'Are objects arriving? List the latest uploads to landing.',
          'Are executions starting? ExecutionsStarted on the dashboard; `trigger-undelivered`.',
          'Are they all failing? `executions-failed-system`, `objects-rejected`, the DQ alarms.',
        ],
        diagnose: [
          'aws s3 ls s3://<landing bucket>/raw_statistics/ --recursive | sort | tail',
          'npx lakestep replay --aws --failed --since 48h --dry-run',
        ],
        fix: [
          '# depends on the cause: follow the runbook of the alarm above that is also firing',
          'npx lakestep replay --aws --failed --since 48h',
        ],
        local: ['npx lakestep status --now'],
      };
    case 'fetchFailed':
    case 'fetchQuotaExhausted':
    case 'fetchUndelivered':
    case 'fetchStale': {
      const scope = alarm.scope;
      const source = workflow.sources?.find((x) => scope.type === 'source' && x.id === scope.sourceId);
      if (!source) throw new Error(`alarm ${alarm.id} names no source of workflow ${workflow.name}`);
      return fetchSection(alarm, source);
    }
  }
}

function header(alarm: AlarmSpec): string[] {
  const severity =
    alarm.type === 'composite'
      ? 'page (pages topic)'
      : alarm.severity === 'page'
        ? `page — through [${COMPOSITE_ALARM_ID}](${COMPOSITE_ALARM_ID}.md); notifies the notices topic`
        : 'notice (notices topic)';
  return [
    `# ${alarm.title}`,
    '',
    `- **Alarm:** \`$PREFIX-${alarm.id}\` (\`PREFIX\` is the stage's \`namePrefix\`, e.g. \`lakestep-prod\`)`,
    `- **Severity:** ${severity}`,
    ...(alarm.type === 'metric' ? [`- **Fires at:** ${alarm.condition}`] : []),
    `- **In short:** ${alarm.summary}`,
  ];
}

const block = (lines: readonly string[]) => ['```bash', ...lines, '```'];

function footer(): string[] {
  return [
    '',
    '---',
    `Generated from \`workflows/\` (the alarm's thresholds and names) and \`${GENERATED}\` (this text) by`,
    '`npx tsx workflows/monitoring-write-runbooks.ts`; a test fails when it is stale.',
    `[All runbooks](README.md) · [Monitoring and on-call](../monitoring.md)`,
    '',
  ];
}

export function renderRunbook(alarm: AlarmSpec, workflow: Workflow, all: readonly AlarmSpec[]): string {
  if (alarm.type === 'composite') return renderComposite(alarm, all);
  const s = sectionFor(alarm, workflow);
  const where =
    alarm.scope.type === 'step'
      ? `Watches the state${alarm.scope.stateNames.length > 1 ? 's' : ''} ${alarm.scope.stateNames.map(q).join(', ')}.`
      : alarm.scope.type === 'data'
        ? `Watches the data${alarm.scope.dataset ? ` of ${alarm.scope.dataset}` : ''}.`
        : alarm.scope.type === 'api'
          ? 'Watches the analytics API (`$PREFIX-analytics` in API Gateway, its Lambda `$PREFIX-api`).'
          : alarm.scope.type === 'source'
            ? `Watches the scheduled fetch of \`${alarm.scope.sourceId}\`${alarm.scope.region ? ` for ${alarm.scope.region}` : ''}.`
            : `Watches the state machine \`$PREFIX-${workflow.name}\`.`;
  return [
    ...header(alarm),
    '',
    '## What it means',
    '',
    `${where} ${s.meaning}`,
    '',
    '## First checks',
    '',
    ...s.checks.map((c, i) => `${i + 1}. ${c}`),
    '',
    '## Diagnose',
    '',
    ...block(s.diagnose),
    '',
    '## Fix and replay',
    '',
    ...block(s.fix),
    ...(s.local
      ? [
          '',
          '## Reproduce locally',
          '',
          'The same alarm is evaluated locally by `lakestep status`, with the same threshold:',
          '',
          ...block(s.local),
        ]
      : []),
    ...footer(),
  ].join('\n');
}

function renderComposite(alarm: CompositeAlarmSpec, all: readonly AlarmSpec[]): string {
  const children = all.filter((a) => alarm.anyOf.includes(a.id));
  return [
    ...header(alarm),
    '',
    '## What it means',
    '',
    'One of the alarms below is in ALARM. This is the only alarm that pages: the others notify the notices topic, and each has its own runbook. The composite stays in ALARM until every one of them is OK, so a second problem during an incident does not page again: check the alarm status widget on the dashboard.',
    '',
    '## First checks',
    '',
    "1. Which child is in ALARM? The notification's reason lists the triggering alarms; the dashboard's alarm status widget shows them all.",
    "2. Open that alarm's runbook:",
    '',
    ...children.map((c) => `   - [${c.id}](${c.id}.md): ${c.title}`),
    '',
    '## Diagnose',
    '',
    ...block([
      'aws cloudwatch describe-alarms --alarm-name-prefix "$PREFIX-" --state-value ALARM --query "MetricAlarms[].[AlarmName,StateReason]" --output table',
      'npx lakestep replay --aws --failed --since 24h --dry-run',
    ]),
    '',
    '## Fix and replay',
    '',
    ...block([
      '# follow the runbook of the child alarm; most end in',
      'npx lakestep replay --aws --failed --since 24h',
    ]),
    '',
    '## Reproduce locally',
    '',
    ...block(['npx lakestep status    # lists the alarms that would fire, this one included']),
    ...footer(),
  ].join('\n');
}

export function renderRunbookIndex(alarms: readonly AlarmSpec[]): string {
  const rows = alarms.map(
    (a) =>
      `| [${a.id}](${a.runbook.slice(RUNBOOK_DIR.length + 1)}) | ${a.severity} | ${a.title} | ${a.type === 'metric' ? a.condition : `any of ${a.anyOf.length} paging alarms`} |`,
  );
  return [
    '# Runbooks',
    '',
    "One runbook per generated alarm (`workflows/alarms.ts`). Each alarm's description carries its one-line",
    'summary and the link to its runbook. Alarms of severity **page** feed',
    `[${COMPOSITE_ALARM_ID}](${COMPOSITE_ALARM_ID}.md), the one alarm that pages; every alarm notifies its topic.`,
    'See [docs/monitoring.md](../monitoring.md) for the dashboard, the topics and `lakestep status`.',
    '',
    '| alarm | severity | what | fires at |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Generated by \`npx tsx workflows/monitoring-write-runbooks.ts\` from \`workflows/\`; a test fails when stale.`,
    '',
  ].join('\n');
}

/** Every runbook file of a workflow: path under the repository → content. */
export function runbookFiles(workflow: Workflow): Map<string, string> {
  const alarms = alarmsFor(workflow);
  const files = new Map<string, string>();
  for (const a of alarms) files.set(`${RUNBOOK_DIR}/${a.id}.md`, renderRunbook(a, workflow, alarms));
  // A source's per-region staleness alarms share one runbook, written for any region (`<cc>`).
  const fetchRunbooks = (workflow.sources ?? []).flatMap((source) => {
    const [generic] = fetchAlarmsFor({ ...source, regions: ['<CC>'] }, ['<CC>']).filter(
      (a) => a.kind === 'fetchStale',
    );
    const shared = generic ? [{ ...generic, title: `${source.title}: no new file for a region` }] : [];
    return [
      ...sourceAlarmsFor({ ...workflow, sources: [source] }).filter((a) => a.kind !== 'fetchStale'),
      ...shared,
    ];
  });
  for (const a of fetchRunbooks) files.set(a.runbook, renderRunbook(a, workflow, alarms));
  files.set(`${RUNBOOK_DIR}/README.md`, renderRunbookIndex([...alarms, ...fetchRunbooks]));
  return files;
}
