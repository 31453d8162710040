/**
 * Record failure: for every execution that ends FAILED, TIMED_OUT or ABORTED (the EventBridge "Step
 * Functions Execution Status Change" event), find the state that failed and its error from the
 * execution history, classify it (a data outcome the workflow ends on purpose, or a system fault),
 * keep one record per execution, and alert: data outcomes as a notice, system faults as a page.
 */
import { z } from 'zod';
import { METRIC } from '../../workflows/alarms';
import type { Dataset } from '../../workflows/datasets';
import { WORKFLOWS } from '../../workflows/project';
import { classify as classifyKey } from './classify';
import type { Clock, Log, MetricsSink } from './ports';
import { type RegionMergeTable, regionMergeKey } from './region-merge';
import type { SlotTable } from './slot-gate';

export const executionStatusChangeSchema = z
  .object({
    source: z.literal('aws.states'),
    'detail-type': z.literal('Step Functions Execution Status Change'),
    region: z.string().min(1),
    time: z.string().optional(),
    detail: z
      .object({
        executionArn: z.string().min(1),
        stateMachineArn: z.string().min(1),
        name: z.string().min(1),
        status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']),
        stopDate: z.number().nullish(),
        input: z.string().nullish(),
        error: z.string().nullish(),
        cause: z.string().nullish(),
      })
      .passthrough(),
  })
  .passthrough();
export type ExecutionStatusChange = z.infer<typeof executionStatusChangeSchema>;

/** The fields of a history event that the search needs (the AWS adapter maps the SDK's shape). */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId?: number;
  readonly type: string;
  /** For *StateEntered events: the state's name. */
  readonly stateName?: string;
  /** For ExecutionFailed / ExecutionTimedOut / ExecutionAborted events. */
  readonly error?: string;
  readonly cause?: string;
}

export interface ExecutionHistory {
  /** The history newest event first, a page at a time; pages are fetched only as they are consumed. */
  newestFirst(executionArn: string): AsyncIterable<readonly HistoryEvent[]>;
  /** The execution's input, for events that arrive without it (inputs over EventBridge's size limit). */
  input(executionArn: string): Promise<string | null>;
}

export type Classification = 'data' | 'system';

export interface FailureRecord {
  pk: string;
  /** The same ARN again, under the name the stack's table uses as its key (infra/failure-capture.ts). */
  executionArn: string;
  executionName: string;
  stateMachineArn: string;
  objectKey: string | null;
  failedState: string | null;
  error: string;
  cause: string | null;
  status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  classification: Classification;
  failedAt: string;
  replayCommand: string;
  /**
   * When the table may drop the record: epoch seconds, the attribute the stack's table expires items by
   * (infra/failure-capture.ts, FAILURES_TABLE_KEY.timeToLiveAttribute).
   */
  expiresAt: number;
}

export interface FailureStore {
  /** Keyed by execution ARN: a repeated event overwrites the same record. */
  put(record: FailureRecord): Promise<void>;
}

export interface Alerts {
  publish(topicArn: string, subject: string, message: string): Promise<void>;
}

export interface RecorderPorts {
  readonly history: ExecutionHistory;
  readonly store: FailureStore;
  readonly alerts: Alerts;
  /** page: system faults (on-call acts now); notice: data outcomes (the data's owner acts). */
  readonly topics: { readonly page: string; readonly notice: string };
  readonly log: Log;
  readonly metrics: MetricsSink;
  readonly clock: Clock;
  /** The admission gates an execution may hold a slot of: a failed one gives its slot back here. */
  readonly slots?: { readonly table: SlotTable; readonly gates: readonly string[] };
  /** The region MERGEs an execution may be running: a failed runner frees its region here. */
  readonly regionMerges?: RegionMerges;
}

export interface RegionMerges {
  readonly table: RegionMergeTable;
  readonly materializations: readonly string[];
  /** The workflow's datasets: the region comes from the landed key, as Ingest derives it. */
  readonly datasets: readonly Dataset[];
}

export interface RecordResult {
  record: FailureRecord;
  topicArn: string;
  subject: string;
  /** The gates whose slot the execution held and gave back now. */
  released: string[];
  /** The region MERGE items whose claim the execution held and gave back now. */
  releasedMerges: string[];
}

/**
 * Gives back the slots a stopped execution still holds (it failed, timed out or was aborted between
 * acquire and release). Best effort: a release that fails is logged and left to the slot's lease, so
 * the failure is still recorded and alerted.
 */
export async function releaseSlotsOf(
  holder: string,
  slots: RecorderPorts['slots'],
  log: Log,
): Promise<string[]> {
  const released: string[] = [];
  for (const gate of slots?.gates ?? []) {
    try {
      if (await slots?.table.release(gate, holder)) released.push(gate);
    } catch (e) {
      log.error('could not release the slot of a stopped execution: its lease will free it', {
        gate,
        holder,
        error: (e as Error).message,
      });
    }
  }
  if (released.length) log.info('released the slots of a stopped execution', { holder, gates: released });
  return released;
}

/**
 * Frees the region a stopped execution was running the MERGE of (it failed at, timed out in or was
 * aborted during the MERGE, or before finishing it), so that a waiting execution runs the next one.
 * The region comes from the landed object's key, as Ingest derives it. Best effort, like the slots.
 */
export async function releaseRegionMergesOf(
  holder: string,
  objectKey: string | null,
  merges: RegionMerges | undefined,
  log: Log,
): Promise<string[]> {
  const region = objectKey ? classifyKey(objectKey, merges?.datasets ?? []).region : null;
  if (!merges || !region) return [];
  const released: string[] = [];
  for (const m of merges.materializations) {
    const key = regionMergeKey(m, region);
    try {
      if (await merges.table.release(key, holder)) released.push(key);
    } catch (e) {
      log.error("could not release a stopped execution's region MERGE: its lease will free it", {
        key,
        holder,
        error: (e as Error).message,
      });
    }
  }
  if (released.length) log.info("released a stopped execution's region MERGE", { holder, keys: released });
  return released;
}

/** Errors of the workflow's own Fail states: outcomes it ends on purpose (ObjectRejected, DataQualityFailed). */
export const DATA_OUTCOME_ERRORS: ReadonlySet<string> = new Set(
  WORKFLOWS.flatMap((w) => w.steps.flatMap((s) => (s.kind === 'fail' ? [s.error] : []))),
);

const TERMINAL_EVENTS = new Set(['ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);
const DEFAULT_ERROR = { FAILED: 'States.Unknown', TIMED_OUT: 'States.Timeout', ABORTED: 'States.Aborted' };
/**
 * Days a failure record is kept after the execution stopped: as long as Step Functions keeps a closed
 * execution (90 days). After that its console link and replay command lead nowhere.
 */
export const FAILURE_RECORD_DAYS = 90;

/** Step Functions writes "" for the error and cause of an execution stopped without them: that is no error. */
export const nonEmpty = (s: string | null | undefined): string | null => (s ? s : null);

/** SNS subjects must be shorter than 100 characters, printable ASCII, on one line. */
export const MAX_SUBJECT = 99;
const MAX_CAUSE_IN_ALERT = 4000;

export const consoleLink = (region: string, executionArn: string) =>
  `https://console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
export const replayCommand = (executionArn: string) => `npx lakestep replay --aws ${executionArn}`;

export interface FailureInHistory {
  failedState: string | null;
  error: string | null;
  cause: string | null;
}

/**
 * Walks the history newest first: the terminal event gives the error and cause; its chain of
 * previousEventId leads back (through TaskFailed, retries, …) to the *StateEntered event of the state
 * that failed. Stops reading pages as soon as that state is found. If the chain is broken, the state
 * entered last is the best answer.
 */
export async function findFailure(
  history: ExecutionHistory,
  executionArn: string,
): Promise<FailureInHistory> {
  let terminal: HistoryEvent | undefined;
  let wanted: number | undefined;
  let enteredLast: string | undefined;
  for await (const page of history.newestFirst(executionArn)) {
    for (const e of page) {
      const entered = e.type.endsWith('StateEntered');
      if (entered) enteredLast ??= e.stateName;
      if (!terminal && TERMINAL_EVENTS.has(e.type)) {
        terminal = e;
        wanted = e.previousEventId;
      } else if (wanted !== undefined && e.id === wanted) {
        if (entered)
          return {
            failedState: e.stateName ?? null,
            error: terminal?.error ?? null,
            cause: terminal?.cause ?? null,
          };
        wanted = e.previousEventId;
      }
    }
  }
  return { failedState: enteredLast ?? null, error: terminal?.error ?? null, cause: terminal?.cause ?? null };
}

/** The landed object's key from the execution input (the S3 "Object Created" event). */
export function objectKeyOf(input: string | null | undefined): string | null {
  if (!input) return null;
  try {
    const key = (JSON.parse(input) as { detail?: { object?: { key?: unknown } } })?.detail?.object?.key;
    return typeof key === 'string' ? key : null;
  } catch {
    return null;
  }
}

export function classify(status: FailureRecord['status'], error: string): Classification {
  return status === 'FAILED' && DATA_OUTCOME_ERRORS.has(error) ? 'data' : 'system';
}

const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');

/** One line, < 100 characters, naming the object and the failed state; long keys keep their end. */
export function alertSubject(record: FailureRecord): string {
  const state = record.failedState ?? 'an unknown state';
  const what =
    record.classification === 'data'
      ? state
      : record.status === 'TIMED_OUT'
        ? `timed out in ${state}`
        : record.status === 'ABORTED'
          ? `aborted in ${state}`
          : `${state} failed`;
  const head = ascii(`lakestep [${record.classification}] ${what}: `);
  const object = ascii(record.objectKey ?? record.executionName);
  const room = MAX_SUBJECT - head.length;
  if (object.length <= room) return head + object;
  if (room > 12) return `${head}...${object.slice(object.length - (room - 3))}`;
  return (head + object).slice(0, MAX_SUBJECT);
}

export function alertMessage(record: FailureRecord, region: string): string {
  const cause = record.cause ?? '(none)';
  const todo =
    record.classification === 'data'
      ? 'A data outcome, not a fault: the object (or its batch) is in quarantine with its reason. Fix the data and land the object again.'
      : 'A system fault: open the console link, fix the cause, then replay; replay (redrive) resumes at the failed state.';
  return [
    `lakestep execution ${record.executionName} ended ${record.status}.`,
    todo,
    '',
    `Object:        ${record.objectKey ?? '(unknown: the execution input has no detail.object.key)'}`,
    `Failed state:  ${record.failedState ?? '(unknown)'}`,
    `Error:         ${record.error}`,
    `Cause:         ${cause.length > MAX_CAUSE_IN_ALERT ? `${cause.slice(0, MAX_CAUSE_IN_ALERT)}… (truncated; the full cause is in the console)` : cause}`,
    `Failed at:     ${record.failedAt}`,
    `Execution:     ${record.pk}`,
    `Console:       ${consoleLink(region, record.pk)}`,
    `Replay:        ${record.replayCommand}`,
  ].join('\n');
}

export async function recordFailure(
  event: ExecutionStatusChange,
  ports: RecorderPorts,
): Promise<RecordResult> {
  const { detail } = event;
  const found = await findFailure(ports.history, detail.executionArn);
  const input = detail.input ?? (await ports.history.input(detail.executionArn));
  const error = nonEmpty(found.error) ?? nonEmpty(detail.error) ?? DEFAULT_ERROR[detail.status];
  const classification = classify(detail.status, error);
  const failedAt = new Date(detail.stopDate ?? event.time ?? ports.clock.now().toISOString());
  const record: FailureRecord = {
    pk: detail.executionArn,
    executionArn: detail.executionArn,
    executionName: detail.name,
    stateMachineArn: detail.stateMachineArn,
    objectKey: objectKeyOf(input),
    failedState: found.failedState,
    error,
    cause: nonEmpty(found.cause) ?? nonEmpty(detail.cause),
    status: detail.status,
    classification,
    failedAt: failedAt.toISOString(),
    replayCommand: replayCommand(detail.executionArn),
    expiresAt: Math.floor(failedAt.getTime() / 1000) + FAILURE_RECORD_DAYS * 86_400,
  };
  // First, so that the other executions get the slot back even if the alert below has to be retried.
  const released = await releaseSlotsOf(detail.name, ports.slots, ports.log);
  const releasedMerges = await releaseRegionMergesOf(
    detail.name,
    record.objectKey,
    ports.regionMerges,
    ports.log,
  );
  await ports.store.put(record);
  const topicArn = classification === 'data' ? ports.topics.notice : ports.topics.page;
  const subject = alertSubject(record);
  await ports.alerts.publish(topicArn, subject, alertMessage(record, event.region));
  // Step Functions' ExecutionsFailed counts the workflow's own Fail states too; this count, by
  // classification, is what the system-fault alarm pages on (workflows/alarms.ts).
  ports.metrics.addDimensions({ classification });
  ports.metrics.addMetric(METRIC.failuresRecorded, 'Count', 1);
  const fields = { execution: record.pk, object: record.objectKey, state: record.failedState, error };
  if (classification === 'data') ports.log.info('data outcome recorded and noticed', fields);
  else ports.log.warn('system fault recorded and paged', fields);
  return { record, topicArn, subject, released, releasedMerges };
}
