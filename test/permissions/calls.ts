/**
 * One AWS request as IAM authorizes it (action, resource ARN, the context keys the decision reads) and
 * the recording LakeStorage: every port call of a handler core becomes the requests S3Storage
 * (handlers/aws/s3-storage.ts) would send for it, with the facts IAM depends on.
 */
import type { LakeStorage, ObjectInfo, ObjectRef } from '../../handlers/core/ports';
import { PARTITION } from './template';

export interface AwsCall {
  readonly action: string;
  /** The ARN IAM matches against Resource; `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** Request context keys beyond the ones every signed request carries (aws:SecureTransport, …). */
  readonly context?: Readonly<Record<string, string | string[]>>;
  /** Why this request is made: the port call or documented behaviour it comes from. */
  readonly because: string;
  /** Order of recording across all principals: the proof reports failures in this order. */
  seq?: number;
}

let sequence = 0;
/** Stamps calls with the global recording order. */
export function stamp(calls: AwsCall[]): AwsCall[] {
  for (const c of calls) c.seq ??= ++sequence;
  return calls;
}

export const s3Bucket = (bucket: string) => `arn:${PARTITION}:s3:::${bucket}`;
export const s3Object = (bucket: string, key: string) => `arn:${PARTITION}:s3:::${bucket}/${key}`;

/**
 * The S3 requests of each LakeStorage method, as S3Storage sends them (bucket names already deployed).
 * HEAD: HeadObject needs s3:GetObject, and for a missing key S3 answers 404 only to a caller with
 * s3:ListBucket on the bucket (403 otherwise, which S3Storage.head rethrows): head() asks whether a key
 * exists, so it needs both. A GET of a key that turns out missing needs ListBucket for the same reason
 * (Lake.ObjectNotFound instead of AccessDenied). ListObjectsV2 is s3:ListBucket with s3:prefix;
 * CopyObject reads the source and writes the target; DeleteObjects is s3:DeleteObject per key.
 */
export const S3_REQUESTS = {
  head: (r: ObjectRef): AwsCall[] => [
    { action: 's3:GetObject', resource: s3Object(r.bucket, r.key), because: `HEAD ${r.key}` },
    {
      action: 's3:ListBucket',
      resource: s3Bucket(r.bucket),
      because: `HEAD ${r.key} may find no object: S3 answers 404 (not 403) only with s3:ListBucket`,
    },
  ],
  read: (r: ObjectRef, missing: boolean): AwsCall[] => [
    { action: 's3:GetObject', resource: s3Object(r.bucket, r.key), because: `GET ${r.key}` },
    ...(missing
      ? [
          {
            action: 's3:ListBucket',
            resource: s3Bucket(r.bucket),
            because: `GET ${r.key} found no object: a 404 (Lake.ObjectNotFound) needs s3:ListBucket`,
          },
        ]
      : []),
  ],
  write: (r: ObjectRef): AwsCall[] => [
    { action: 's3:PutObject', resource: s3Object(r.bucket, r.key), because: `PUT ${r.key}` },
  ],
  copy: (from: ObjectRef, to: ObjectRef): AwsCall[] => [
    { action: 's3:GetObject', resource: s3Object(from.bucket, from.key), because: `COPY source ${from.key}` },
    { action: 's3:PutObject', resource: s3Object(to.bucket, to.key), because: `COPY target ${to.key}` },
  ],
  list: (bucket: string, prefix: string): AwsCall[] => [
    {
      action: 's3:ListBucket',
      resource: s3Bucket(bucket),
      context: { 's3:prefix': prefix },
      because: `ListObjectsV2 prefix ${prefix || '(none)'}`,
    },
  ],
  delete: (r: ObjectRef): AwsCall[] => [
    { action: 's3:DeleteObject', resource: s3Object(r.bucket, r.key), because: `DeleteObjects ${r.key}` },
  ],
} as const;

const isNotFound = (e: unknown) => (e as { name?: string })?.name === 'Lake.ObjectNotFound';

/**
 * A LakeStorage that forwards to the local one and records the S3 requests of each call, with local
 * bucket names (stage directories) translated to the deployed ones.
 */
export class RecordingStorage implements LakeStorage {
  constructor(
    private readonly inner: LakeStorage,
    private readonly deployedBucket: (local: string) => string,
    private readonly sink: (calls: AwsCall[]) => void,
  ) {}

  private ref(r: ObjectRef): ObjectRef {
    return { bucket: this.deployedBucket(r.bucket), key: r.key };
  }

  async head(ref: ObjectRef): Promise<ObjectInfo | null> {
    this.sink(S3_REQUESTS.head(this.ref(ref)));
    return this.inner.head(ref);
  }

  async *read(ref: ObjectRef): AsyncIterable<Uint8Array> {
    try {
      yield* this.inner.read(ref);
      this.sink(S3_REQUESTS.read(this.ref(ref), false));
    } catch (e) {
      this.sink(S3_REQUESTS.read(this.ref(ref), isNotFound(e)));
      throw e;
    }
  }

  async readBytes(ref: ObjectRef): Promise<Uint8Array> {
    try {
      const bytes = await this.inner.readBytes(ref);
      this.sink(S3_REQUESTS.read(this.ref(ref), false));
      return bytes;
    } catch (e) {
      this.sink(S3_REQUESTS.read(this.ref(ref), isNotFound(e)));
      throw e;
    }
  }

  async write(ref: ObjectRef, body: Uint8Array | string, contentType?: string): Promise<void> {
    this.sink(S3_REQUESTS.write(this.ref(ref)));
    return this.inner.write(ref, body, contentType);
  }

  async copy(from: ObjectRef, to: ObjectRef): Promise<void> {
    this.sink(S3_REQUESTS.copy(this.ref(from), this.ref(to)));
    return this.inner.copy(from, to);
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    this.sink(S3_REQUESTS.list(this.deployedBucket(bucket), prefix));
    return this.inner.list(bucket, prefix);
  }

  async delete(refs: readonly ObjectRef[]): Promise<void> {
    this.sink(refs.flatMap((r) => S3_REQUESTS.delete(this.ref(r))));
    return this.inner.delete(refs);
  }
}
