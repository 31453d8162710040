/**
 * Start execution: the trigger's starter. One S3 "Object Created" event (via EventBridge) starts one
 * execution of the state machine, named deterministically from the object key and its ETag, with the
 * event itself as the input. A duplicate event maps to the same name, so it cannot start a second run.
 */
import { z } from 'zod';
import { executionNameFor } from './execution-name';
import type { Log, MetricsSink } from './ports';

/** The EventBridge event S3 sends for a new object (or a new version of one). Other fields pass through. */
export const objectCreatedEventSchema = z
  .object({
    source: z.literal('aws.s3'),
    'detail-type': z.literal('Object Created'),
    detail: z
      .object({
        bucket: z.object({ name: z.string().min(1) }).passthrough(),
        object: z
          .object({
            key: z.string().min(1),
            etag: z.string().min(1).optional(),
            sequencer: z.string().min(1).optional(),
          })
          .passthrough()
          .refine((o) => o.etag !== undefined || o.sequencer !== undefined, {
            message: 'the object has neither an etag nor a sequencer to name the execution by',
          }),
      })
      .passthrough(),
  })
  .passthrough();
export type ObjectCreatedEvent = z.infer<typeof objectCreatedEventSchema>;

export type StartOutcome =
  | { readonly status: 'started'; readonly executionArn: string }
  /** An execution of this name exists already (running or finished): the event is a duplicate. */
  | { readonly status: 'duplicate' };

/** Starts executions of the pipeline's state machine (Step Functions on AWS). */
export interface ExecutionStarter {
  /** Throws on anything but success or "already exists": throttling and 5xx are retried by the caller. */
  start(name: string, input: string): Promise<StartOutcome>;
}

export interface StarterPorts {
  readonly starter: ExecutionStarter;
  readonly log: Log;
  readonly metrics: MetricsSink;
}

export interface StartResult {
  started: boolean;
  duplicate: boolean;
  name: string;
  objectKey: string;
  executionArn: string | null;
}

export async function startExecutionForObject(
  event: ObjectCreatedEvent,
  ports: StarterPorts,
): Promise<StartResult> {
  const { key, etag, sequencer } = event.detail.object;
  // The ETag is the content's MD5 for single-part uploads: the same content under the same key is
  // the same execution. Without one (not seen from S3), the sequencer still names one event uniquely.
  const name = executionNameFor(key, etag ?? sequencer ?? '');
  const outcome = await ports.starter.start(name, JSON.stringify(event));
  const bucket = event.detail.bucket.name;
  if (outcome.status === 'duplicate') {
    ports.metrics.addMetric('DuplicateObjectEvents', 'Count', 1);
    ports.log.info('duplicate object event: an execution of this name exists, nothing started', {
      name,
      bucket,
      key,
      etag,
    });
    return { started: false, duplicate: true, name, objectKey: key, executionArn: null };
  }
  ports.metrics.addMetric('ExecutionsStarted', 'Count', 1);
  ports.log.info('execution started', { name, bucket, key, executionArn: outcome.executionArn });
  return { started: true, duplicate: false, name, objectKey: key, executionArn: outcome.executionArn };
}
