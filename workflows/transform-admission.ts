/**
 * The admission gate around the Glue transform (decision 0027): an execution takes one of the gate's
 * slots (as many as the job's MaxConcurrentRuns) before "Transform batch", waits and asks again while
 * the gate is full, with no attempt limit, and gives the slot back after the run. A run that fails
 * leaves the execution FAILED at "Transform batch" (redrive resumes there); the failure recorder then
 * releases its slot, and a lease frees a slot whose release was lost.
 */
import { ADMISSION_TABLE_RETRY, LAKE_TRANSIENT_RETRY, LAMBDA_SERVICE_RETRY } from './retry-policies';
import type { ChoiceStep, LambdaStep, WaitStep } from './types';

/** The gate's name: the Glue job it admits to (its slot item in the table). */
export const TRANSFORM_GATE = 'TransformBatch';

/** The Glue step's own timeout (workflows/pipeline-steps.ts uses it): a run ends within it. */
export const TRANSFORM_TIMEOUT_SECONDS = 2 * 60 * 60;

/**
 * How long a slot is held at most: the longest run, plus the Glue task's capacity retries (about an
 * hour and a quarter at most). A slot not released by then (a lost failure event) is freed by the next
 * acquire that finds the gate full.
 */
export const TRANSFORM_SLOT_LEASE_SECONDS = TRANSFORM_TIMEOUT_SECONDS + 90 * 60;

/**
 * The wait between two asks, jittered in [min, max] so that turned-away executions spread out; an object
 * that has waited long asks less often, up to `longest` between two asks (slot-gate.ts waitWindow): a
 * backfill's hours of waiting then cost tens of turns an object, not hundreds (decision 0029).
 */
export const SLOT_WAIT_SECONDS = { min: 30, max: 60, longest: 900 } as const;

const RETRY = [LAMBDA_SERVICE_RETRY, LAKE_TRANSIENT_RETRY, ADMISSION_TABLE_RETRY];
const holder = { gate: TRANSFORM_GATE, 'holder.$': '$$.Execution.Name', 'objectKey.$': '$.ingest.objectKey' };

export const ACQUIRE_TRANSFORM_SLOT: LambdaStep = {
  id: 'acquireTransformSlot',
  kind: 'lambda',
  stateName: 'Acquire transform slot',
  comment:
    "Take one of the Glue job's slots (a conditional DynamoDB update); a full gate answers acquired: false and the wait after it.",
  function: {
    id: 'AcquireTransformSlot',
    handlerFile: 'acquire-transform-slot.ts',
    memoryMb: 128,
    timeoutSeconds: 30,
    description: 'Takes a slot of the Glue transform gate for the execution, or says how long to wait',
  },
  payload: {
    ...holder,
    leaseSeconds: TRANSFORM_SLOT_LEASE_SECONDS,
    waitSeconds: SLOT_WAIT_SECONDS,
    'waitingSince.$': '$.ingest.batch.ingestedAt',
  },
  resultFields: ['acquired', 'slotsInUse', 'maxSlots', 'waitSeconds', 'waitedSeconds'],
  resultPath: '$.admission',
  timeoutSeconds: 60,
  retry: RETRY,
  alarms: { lambdaErrors: { threshold: 1 }, slotWaitTooLong: {} },
  next: 'slotAcquired',
};

export const SLOT_ACQUIRED: ChoiceStep = {
  id: 'slotAcquired',
  kind: 'choice',
  stateName: 'Slot acquired?',
  rules: [
    {
      when: { variable: '$.admission.acquired', booleanEquals: true },
      next: 'transformBatch',
      label: 'acquired',
    },
  ],
  default: 'waitForTransformSlot',
};

export const WAIT_FOR_TRANSFORM_SLOT: WaitStep = {
  id: 'waitForTransformSlot',
  kind: 'wait',
  stateName: 'Wait for a transform slot',
  comment:
    'The gate is full: wait the jittered seconds the acquire answered, then ask again (no attempt limit).',
  seconds: { path: '$.admission.waitSeconds' },
  next: 'acquireTransformSlot',
};

export const RELEASE_TRANSFORM_SLOT: LambdaStep = {
  id: 'releaseTransformSlot',
  kind: 'lambda',
  stateName: 'Release transform slot',
  comment: 'Give the slot back after the Glue run; a slot not held (released already) is no error.',
  function: {
    id: 'ReleaseTransformSlot',
    handlerFile: 'release-transform-slot.ts',
    memoryMb: 128,
    timeoutSeconds: 30,
    description: "Gives the execution's slot of the Glue transform gate back",
  },
  payload: holder,
  resultFields: ['released'],
  resultPath: '$.slotRelease',
  timeoutSeconds: 60,
  retry: RETRY,
  alarms: { lambdaErrors: { threshold: 1 } },
  next: 'checkDataQuality',
};

/** The gate's states, in the order an execution meets them ("Transform batch" goes between). */
export const TRANSFORM_ADMISSION_STEPS = [ACQUIRE_TRANSFORM_SLOT, SLOT_ACQUIRED, WAIT_FOR_TRANSFORM_SLOT];

/** The gates a workflow's steps acquire slots of (what a stopped execution may still hold). */
export function admissionGatesOf(workflow: {
  readonly steps: readonly { readonly kind: string }[];
}): string[] {
  return [
    ...new Set(
      workflow.steps.flatMap((s) =>
        s.kind === 'lambda' && (s as LambdaStep).function.id === ACQUIRE_TRANSFORM_SLOT.function.id
          ? [String((s as LambdaStep).payload.gate)]
          : [],
      ),
    ),
  ];
}
