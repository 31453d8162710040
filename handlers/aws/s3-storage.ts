/**
 * The LakeStorage port on S3. Streams reads, server-side copies, and maps S3's answers onto the
 * error names the workflow's Retry rules match (Lake.ObjectNotFound, Lake.Unavailable).
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ObjectNotFoundError, StorageUnavailableError } from '../core/errors';
import type { LakeStorage, ObjectInfo, ObjectRef } from '../core/ports';

const TRANSIENT = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'ThrottlingException',
]);

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NotFound' || err?.name === 'NoSuchKey' || err?.$metadata?.httpStatusCode === 404;
}

function isTransient(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = err?.$metadata?.httpStatusCode ?? 0;
  return TRANSIENT.has(err?.name ?? '') || status >= 500 || Boolean(err?.$retryable);
}

export class S3Storage implements LakeStorage {
  constructor(private readonly s3: S3Client) {}

  private async call<T>(op: string, ref: ObjectRef, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isNotFound(e)) throw new ObjectNotFoundError(ref.bucket, ref.key, 'The object');
      if (isTransient(e)) throw new StorageUnavailableError(op, ref.bucket, ref.key, e);
      throw e;
    }
  }

  async head(ref: ObjectRef): Promise<ObjectInfo | null> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      return { ...ref, size: out.ContentLength ?? 0 };
    } catch (e) {
      if (isNotFound(e)) return null;
      if (isTransient(e)) throw new StorageUnavailableError('HEAD', ref.bucket, ref.key, e);
      throw e;
    }
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
    await this.call('COPY', from, () =>
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
    for (const r of refs) byBucket.set(r.bucket, [...(byBucket.get(r.bucket) ?? []), r.key]);
    for (const [bucket, keys] of byBucket) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        await this.call('DELETE', { bucket, key: batch[0] ?? '' }, () =>
          this.s3.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })) } }),
          ),
        );
      }
    }
  }
}
