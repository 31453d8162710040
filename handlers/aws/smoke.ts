/**
 * The deployment smoke test: uploads one small statistics object to the stage's landing bucket, as a
 * user would, then follows the execution the upload starts (named from the key and the ETag, as the
 * starter names it) until it ends.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Dataset } from '../../workflows/datasets';
import { landingKeyFor } from '../core/classify';
import { executionNameFor } from '../core/execution-name';
import { executionArnOf, parseStateMachineArn } from './sfn-arn';

export interface SmokeOptions {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly bucket: string;
  readonly stateMachineArn: string;
  /** The deployed workflow's datasets: they route the smoke object's file name to its landing key. */
  readonly datasets: readonly Dataset[];
  /** The object to land (its file name decides its dataset and key); see `smokeObject` in cli/smoke.ts. */
  readonly object: { readonly fileName: string; readonly body: string };
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Progress lines (status changes), for a person watching. */
  readonly progress?: (line: string) => void;
}

export interface SmokeResult {
  readonly key: string;
  readonly executionArn: string;
  /** The execution's status, or WAIT_TIMED_OUT when it had not ended (or not started) in time. */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | 'WAIT_TIMED_OUT';
  readonly error: string | null;
  readonly cause: string | null;
  readonly waitedMs: number;
}

export async function runSmoke(o: SmokeOptions): Promise<SmokeResult> {
  const sm = parseStateMachineArn(o.stateMachineArn);
  if (!sm) throw new Error(`--state-machine-arn ${o.stateMachineArn} is not a state machine ARN`);
  const now = o.now ?? (() => new Date());
  const sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const progress = o.progress ?? (() => {});
  const { fileName, body } = o.object;
  const key = landingKeyFor(fileName, o.datasets);
  const put = await o.s3.send(
    new PutObjectCommand({ Bucket: o.bucket, Key: key, Body: body, ContentType: 'text/csv; charset=utf-8' }),
  );
  const etag = (put.ETag ?? '').replaceAll('"', '');
  if (!etag)
    throw new Error(`s3://${o.bucket}/${key}: the upload answered no ETag, so its execution name is unknown`);
  const executionArn = executionArnOf(sm, executionNameFor(key, etag));
  progress(`uploaded s3://${o.bucket}/${key}; waiting for ${executionArn}`);
  const started = now().getTime();
  let last = '';
  for (;;) {
    const waited = now().getTime() - started;
    try {
      const d = await o.sfn.send(new DescribeExecutionCommand({ executionArn }));
      const status = d.status ?? 'RUNNING';
      if (status !== last) progress(`execution ${status}`);
      last = status;
      if (status !== 'RUNNING')
        return {
          key,
          executionArn,
          status: status as SmokeResult['status'],
          error: d.error ?? null,
          cause: d.cause ?? null,
          waitedMs: waited,
        };
    } catch (e) {
      // Not started yet: the trigger delivers the upload's event within seconds, retried for hours.
      if ((e as { name?: string }).name !== 'ExecutionDoesNotExist') throw e;
      if (last !== 'NOT_STARTED') progress('execution not started yet');
      last = 'NOT_STARTED';
    }
    if (waited >= o.timeoutMs)
      return {
        key,
        executionArn,
        status: 'WAIT_TIMED_OUT',
        error: 'Smoke.WaitTimedOut',
        cause: `${last === 'NOT_STARTED' ? 'no execution started' : 'the execution was still running'} ${Math.round(o.timeoutMs / 1000)} s after the upload: check trigger-undelivered and the state machine's console`,
        waitedMs: waited,
      };
    await sleep(o.pollMs ?? 5000);
  }
}
