/**
 * What `lakestep backfill --aws` does with one object already in the landing bucket: start it as the
 * trigger would (the same "Object Created" event shape as input, the same deterministic execution name
 * from key and ETag, decision 0003, so an object the trigger already started is "already started"),
 * or skip it with a reason. Pure.
 */
import { createHash } from 'node:crypto';
import type { Dataset } from '../../workflows/datasets';
import { classify } from '../core/classify';
import { executionNameFor } from '../core/execution-name';

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** As S3 lists it (quoted); the event and the name use it unquoted, as EventBridge sends it. */
  readonly etag: string;
  readonly lastModified: Date;
  readonly storageClass?: string;
}

/** Why an object is not started: not an object an upload makes, or one no execution could read. */
export type SkipReason = 'folder_marker' | 'archived';

export type ObjectPlan =
  | {
      readonly action: 'start';
      readonly key: string;
      readonly name: string;
      readonly input: string;
      readonly dataset: string;
    }
  | { readonly action: 'skip'; readonly key: string; readonly reason: SkipReason; readonly message: string };

/** Storage classes whose objects must be restored before a GetObject: Ingest would fail on them. */
const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);

export interface EventContext {
  readonly bucket: string;
  readonly region: string;
  readonly account: string;
  /** The workflow's datasets: each start is counted under the dataset its key routes to. */
  readonly datasets: readonly Dataset[];
}

/**
 * The input the trigger gives an execution: S3's EventBridge "Object Created" event (its time the
 * object's own), marked with the backfill run that sends it: a retried start within one run sends the
 * same input, a later run another one.
 */
export function objectCreatedEventFor(
  ctx: EventContext,
  o: ListedObject,
  run: Date,
): Record<string, unknown> {
  const etag = o.etag.replace(/"/g, '');
  return {
    version: '0',
    id: createHash('sha256')
      .update(`lakestep-backfill:${run.toISOString()}:${ctx.bucket}/${o.key}:${etag}`)
      .digest('hex')
      .slice(0, 36),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: ctx.account,
    time: o.lastModified.toISOString(),
    region: ctx.region,
    resources: [`arn:aws:s3:::${ctx.bucket}`],
    detail: {
      version: '0',
      bucket: { name: ctx.bucket },
      object: { key: o.key, size: o.size, etag },
      reason: 'PutObject',
      requester: 'lakestep backfill',
      backfill: { startedAt: run.toISOString() },
    },
  };
}

export function planObject(ctx: EventContext, o: ListedObject, run: Date): ObjectPlan {
  if (o.key.endsWith('/'))
    return {
      action: 'skip',
      key: o.key,
      reason: 'folder_marker',
      message: 'a folder placeholder (the S3 console makes these), not an uploaded file',
    };
  if (o.storageClass && ARCHIVED.has(o.storageClass))
    return {
      action: 'skip',
      key: o.key,
      reason: 'archived',
      message: `in ${o.storageClass}: restore it first (aws s3api restore-object), then run the backfill again`,
    };
  const etag = o.etag.replace(/"/g, '');
  return {
    action: 'start',
    key: o.key,
    name: executionNameFor(o.key, etag),
    input: JSON.stringify(objectCreatedEventFor(ctx, o, run)),
    dataset: classify(o.key, ctx.datasets).dataset ?? 'unknown',
  };
}

/** `s3://BUCKET/PREFIX` → its parts, or a message naming what is wrong. */
export function parseS3Url(url: string): { bucket: string; prefix: string } | { problem: string } {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) return { problem: `"${url}" is not an S3 URL: write s3://BUCKET/PREFIX (the prefix may be empty)` };
  const bucket = m[1] as string;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..'))
    return {
      problem: `"${bucket}" is not a bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)`,
    };
  return { bucket, prefix: m[2] ?? '' };
}
