/**
 * The LakeStorage port on S3. Streams reads, server-side copies, and maps S3's answers onto the
 * error names the workflow's Retry rules and the runbooks match: a missing key (Lake.ObjectNotFound),
 * a missing bucket (Lake.BucketNotFound: a misconfigured stack), a denied call (Lake.AccessDenied),
 * a transient failure (Lake.Unavailable, retried).
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ObjectNotFoundError, StorageUnavailableError } from '../core/errors';
import type { LakeStorage, ObjectInfo, ObjectRef } from '../core/ports';
import { AccessDeniedError, BucketNotFoundError, type S3Operation } from './s3-errors';

/** S3 allows at most this many keys in one DeleteObjects request. */
export const DELETE_BATCH = 1000;

const TRANSIENT = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'ThrottlingException',
]);

interface S3ErrorShape {
  name?: string;
  /** The error code of S3's XML body (absent for HEAD, which has no body). */
  Code?: string;
  /** NoSuchBucket names the bucket: for a copy, source or destination. */
  BucketName?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const codeOf = (e: unknown) => {
  const err = e as S3ErrorShape | undefined;
  return err?.Code ?? err?.name ?? '';
};
const statusOf = (e: unknown) => (e as S3ErrorShape | undefined)?.$metadata?.httpStatusCode ?? 0;

const isMissingBucket = (e: unknown) => codeOf(e) === 'NoSuchBucket';

/** A 404 that is not NoSuchBucket. A HEAD's 404 has no body: it may still be a missing bucket (see head). */
function isNotFound(e: unknown): boolean {
  const code = codeOf(e);
  return !isMissingBucket(e) && (code === 'NotFound' || code === 'NoSuchKey' || statusOf(e) === 404);
}

const isAccessDenied = (e: unknown) => codeOf(e) === 'AccessDenied' || statusOf(e) === 403;

function isTransient(e: unknown): boolean {
  return TRANSIENT.has(codeOf(e)) || statusOf(e) >= 500 || Boolean((e as S3ErrorShape)?.$retryable);
}

/** Of the objects a call touched, the one in the bucket S3 says is missing (else the first). */
function refIn(refs: readonly ObjectRef[], bucket: string | undefined): ObjectRef {
  return refs.find((r) => r.bucket === bucket) ?? (refs[0] as ObjectRef);
}

/** S3's answer as the Lake error a Retry rule, an alarm or a reader can act on; anything else as it came. */
function toLakeError(op: S3Operation, refs: readonly ObjectRef[], e: unknown): unknown {
  const ref = refs[0] as ObjectRef;
  if (isMissingBucket(e)) {
    const missing = refIn(refs, (e as S3ErrorShape).BucketName);
    return new BucketNotFoundError(op, missing.bucket, missing.key);
  }
  if (isNotFound(e)) return new ObjectNotFoundError(ref.bucket, ref.key, 'The object');
  if (isAccessDenied(e)) return new AccessDeniedError(op, ref.bucket, ref.key, e);
  if (isTransient(e)) return new StorageUnavailableError(op, ref.bucket, ref.key, e);
  return e;
}

export class S3Storage implements LakeStorage {
  /** Buckets a HeadBucket found: a later HEAD 404 there is a missing key without asking again. */
  private readonly bucketsFound = new Set<string>();

  constructor(private readonly s3: S3Client) {}

  private async call<T>(
    op: S3Operation,
    refs: ObjectRef | readonly ObjectRef[],
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toLakeError(op, Array.isArray(refs) ? refs : [refs as ObjectRef], e);
    }
  }

  async head(ref: ObjectRef): Promise<ObjectInfo | null> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      return { ...ref, size: out.ContentLength ?? 0 };
    } catch (e) {
      if (!isNotFound(e)) throw toLakeError('HEAD', [ref], e);
    }
    // A HEAD's 404 carries no error code, so a missing bucket looks like a missing key: ask the bucket
    // (HeadBucket needs s3:ListBucket, which a HEAD needs anyway to get a 404 rather than a 403).
    await this.assertBucketExists(ref);
    return null;
  }

  private async assertBucketExists(ref: ObjectRef): Promise<void> {
    if (this.bucketsFound.has(ref.bucket)) return;
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: ref.bucket }));
    } catch (e) {
      if (statusOf(e) === 404 || isMissingBucket(e))
        throw new BucketNotFoundError('HEAD', ref.bucket, ref.key);
      throw toLakeError('HEAD', [ref], e);
    }
    this.bucketsFound.add(ref.bucket);
  }

  async *read(ref: ObjectRef): AsyncIterable<Uint8Array> {
    const out = await this.call('GET', ref, () =>
      this.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key })),
    );
    const body = out.Body as AsyncIterable<Uint8Array> | undefined;
    if (!body) return;
    yield* body;
  }

  async readBytes(ref: ObjectRef): Promise<Uint8Array> {
    const out = await this.call('GET', ref, () =>
      this.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key })),
    );
    return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
  }

  async write(ref: ObjectRef, body: Uint8Array | string, contentType?: string): Promise<void> {
    await this.call('PUT', ref, () =>
      this.s3.send(
        new PutObjectCommand({ Bucket: ref.bucket, Key: ref.key, Body: body, ContentType: contentType }),
      ),
    );
  }

  async copy(from: ObjectRef, to: ObjectRef): Promise<void> {
    // CopySource is "bucket/key" with the key URL-encoded (S3's rule); objects above 5 GB would need multipart copy.
    const source = `${from.bucket}/${from.key.split('/').map(encodeURIComponent).join('/')}`;
    await this.call('COPY', [from, to], () =>
      this.s3.send(new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: source })),
    );
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('LIST', { bucket, key: prefix }, () =>
        this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push({ bucket, key: o.Key, size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(refs: readonly ObjectRef[]): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const r of refs) {
      const keys = byBucket.get(r.bucket);
      if (keys) keys.push(r.key);
      else byBucket.set(r.bucket, [r.key]);
    }
    for (const [bucket, keys] of byBucket) {
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH);
        const first = { bucket, key: batch[0] ?? '' };
        const out = await this.call('DELETE', first, () =>
          this.s3.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              // Quiet: the answer lists only the keys that were not deleted.
              Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
            }),
          ),
        );
        // DeleteObjects answers 200 even when some keys were not deleted: each such key is in Errors.
        const failed = out?.Errors ?? [];
        if (failed.length > 0) {
          const denied = failed.find((f) => f.Code === 'AccessDenied');
          const shown = denied ?? failed[0];
          const ref = { bucket, key: shown?.Key ?? first.key };
          const cause = Object.assign(
            new Error(
              `${shown?.Message ?? 'not deleted'}: s3://${bucket}/${ref.key} (${failed.length} of ${batch.length} keys not deleted)`,
            ),
            { name: shown?.Code ?? 'DeleteError' },
          );
          throw denied
            ? new AccessDeniedError('DELETE', bucket, ref.key, cause)
            : toLakeError('DELETE', [ref], cause);
        }
      }
    }
  }
}
