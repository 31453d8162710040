/**
 * One MERGE per region (decision 0028): the states around "Materialize category_daily" that let the
 * executions waiting for the same region share one run (group commit). An execution draws a ticket
 * after its batch is promoted and registered; it runs the MERGE itself when no run holds the region,
 * is done when a run that claimed after its ticket has succeeded, and otherwise waits and asks again,
 * with no attempt limit. The MERGE keeps no Catch: a runner that fails stays FAILED there (a redrive
 * resumes the MERGE), and the failure recorder releases its claim; a lease frees a claim it missed.
 */
import { ADMISSION_TABLE_RETRY, LAKE_TRANSIENT_RETRY, LAMBDA_SERVICE_RETRY } from './retry-policies';
import type { ChoiceStep, LambdaFunctionSpec, LambdaStep, Step, WaitStep } from './types';

/** The built-in workflow's materialization, whose MERGE the region's executions share. */
export const REGION_MERGE_MATERIALIZATION = 'category_daily';

/** The MERGE's own task timeout (workflows/pipeline-steps.ts uses it). */
export const MERGE_TIMEOUT_SECONDS = 900;

/**
 * How long a claim holds at most: the MERGE's timeout plus its Athena retries (queue limits and commit
 * conflicts: about a quarter of an hour of backoff). A claim not finished or released by then (a lost
 * failure event) is taken over by the next execution that asks.
 */
export const MERGE_LEASE_SECONDS = MERGE_TIMEOUT_SECONDS + 15 * 60;

/** The wait between two asks, jittered in this window: about one MERGE of a region (~15 s on Athena). */
export const MERGE_WAIT_SECONDS = { min: 10, max: 20 } as const;

const RETRY = [LAMBDA_SERVICE_RETRY, LAKE_TRANSIENT_RETRY, ADMISSION_TABLE_RETRY];

const REQUEST_FUNCTION: LambdaFunctionSpec = {
  id: 'RequestRegionMerge',
  handlerFile: 'request-region-merge.ts',
  memoryMb: 128,
  timeoutSeconds: 30,
  description:
    "Runs, joins or waits for the region's MERGE: one run covers every execution that asked before it",
};

/** Who asks: the merge item's name (the workflow's first materialization), the region, the execution. */
const whoFor = (materialization: string) => ({
  materialization,
  'region.$': '$.ingest.region',
  'holder.$': '$$.Execution.Name',
  'objectKey.$': '$.ingest.objectKey',
});
const askFor = (materialization: string) => ({
  ...whoFor(materialization),
  leaseSeconds: MERGE_LEASE_SECONDS,
  waitSeconds: MERGE_WAIT_SECONDS,
});
const ANSWER = ['action', 'ticket', 'covers', 'covered', 'runner', 'askedAt', 'waitSeconds', 'waitedSeconds'];

/** What the first request and the later ones share: one Lambda, its answer, its retry, the Choice after it. */
const ASKING = {
  kind: 'lambda',
  function: REQUEST_FUNCTION,
  resultFields: ANSWER,
  resultPath: '$.regionMerge',
  timeoutSeconds: 60,
  retry: RETRY,
  alarms: { lambdaErrors: { threshold: 1 } },
  next: 'regionMergeTurn',
} as const;

const requestRegionMerge = (materialization: string): LambdaStep => ({
  id: 'requestRegionMerge',
  stateName: 'Request region merge',
  comment:
    "Draw a ticket for the region's MERGE (after the batch is promoted and registered): run it now, or be covered by, or wait for, another execution's run.",
  ...ASKING,
  payload: askFor(materialization),
});

const regionMergeTurn = (runNext: string): ChoiceStep => ({
  id: 'regionMergeTurn',
  kind: 'choice',
  stateName: 'Region merge turn?',
  rules: [
    {
      when: { variable: '$.regionMerge.action', stringEquals: 'run' },
      next: runNext,
      label: 'run',
    },
    {
      when: { variable: '$.regionMerge.action', stringEquals: 'covered' },
      next: 'publishRunSummary',
      label: 'covered',
    },
  ],
  default: 'waitForRegionMerge',
});

export const WAIT_FOR_REGION_MERGE: WaitStep = {
  id: 'waitForRegionMerge',
  kind: 'wait',
  stateName: 'Wait for the region merge',
  comment:
    "Another execution's MERGE of the region runs: wait the jittered seconds, then ask again (no attempt limit).",
  seconds: { path: '$.regionMerge.waitSeconds' },
  next: 'askAgainForRegionMerge',
};

const askAgainForRegionMerge = (materialization: string): LambdaStep => ({
  id: 'askAgainForRegionMerge',
  stateName: 'Ask again for the region merge',
  comment: 'The same request with the ticket drawn first: covered, run it now, or wait again.',
  ...ASKING,
  payload: {
    ...askFor(materialization),
    'ticket.$': '$.regionMerge.ticket',
    'askedAt.$': '$.regionMerge.askedAt',
  },
});

export const finishRegionMerge = (materialization: string): LambdaStep => ({
  id: 'finishRegionMerge',
  kind: 'lambda',
  stateName: 'Finish region merge',
  comment: 'The MERGE succeeded: mark every ticket it covers as done and free the region for the next run.',
  function: {
    id: 'FinishRegionMerge',
    handlerFile: 'finish-region-merge.ts',
    memoryMb: 128,
    timeoutSeconds: 30,
    description: 'Records a region MERGE that succeeded: the executions it covers are done',
  },
  payload: { ...whoFor(materialization), 'covers.$': '$.regionMerge.covers' },
  resultFields: ['recorded'],
  resultPath: '$.regionMergeFinish',
  timeoutSeconds: 60,
  retry: RETRY,
  alarms: { lambdaErrors: { threshold: 1 } },
  next: 'publishRunSummary',
});

/** The request step of the built-in workflow's MERGE (its function's sizing, for the cost model). */
export const REQUEST_REGION_MERGE = requestRegionMerge(REGION_MERGE_MATERIALIZATION);
export const FINISH_REGION_MERGE = finishRegionMerge(REGION_MERGE_MATERIALIZATION);

/** The functions that read and write the regions' MERGE items (in the admission table on AWS). */
export const REGION_MERGE_FUNCTIONS: ReadonlySet<string> = new Set([
  REQUEST_FUNCTION.id,
  FINISH_REGION_MERGE.function.id,
]);

/**
 * The states before the MERGE, in the order an execution meets them: the merge item is named after
 * `materialization`, and the execution whose turn it is goes on to `runNext` (the first MERGE).
 */
export function regionMergeRequestSteps(materialization: string, runNext: string): Step[] {
  return [
    requestRegionMerge(materialization),
    regionMergeTurn(runNext),
    WAIT_FOR_REGION_MERGE,
    askAgainForRegionMerge(materialization),
  ];
}

/** The materializations whose region MERGE a workflow's executions may hold (what a stopped one releases). */
export function regionMergesOf(workflow: { readonly steps: readonly { readonly kind: string }[] }): string[] {
  return [
    ...new Set(
      workflow.steps.flatMap((s) =>
        s.kind === 'lambda' && (s as LambdaStep).function.id === REQUEST_FUNCTION.id
          ? [String((s as LambdaStep).payload.materialization)]
          : [],
      ),
    ),
  ];
}
