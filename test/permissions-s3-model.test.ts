/**
 * The permission proof's S3 model (test/permissions/calls.ts) against the real adapter: every request
 * S3Storage sends for each LakeStorage call, mapped to IAM by the S3 API reference, is one the model
 * records; the model's only extras are the documented s3:ListBucket a 404 needs.
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Storage } from '../handlers/aws/s3-storage';
import { type AwsCall, S3_REQUESTS, s3Bucket, s3Object } from './permissions/calls';

type Input = Record<string, unknown>;
/** IAM actions of each S3 API the adapter may send (S3 API reference, "Permissions" of each). */
const IAM_OF_COMMAND: Record<string, (i: Input) => { action: string; resource: string }[]> = {
  HeadObjectCommand: (i) => [{ action: 's3:GetObject', resource: s3Object(String(i.Bucket), String(i.Key)) }],
  GetObjectCommand: (i) => [{ action: 's3:GetObject', resource: s3Object(String(i.Bucket), String(i.Key)) }],
  PutObjectCommand: (i) => [{ action: 's3:PutObject', resource: s3Object(String(i.Bucket), String(i.Key)) }],
  CopyObjectCommand: (i) => {
    const source = String(i.CopySource);
    const slash = source.indexOf('/');
    return [
      {
        action: 's3:GetObject',
        resource: s3Object(source.slice(0, slash), decodeURIComponent(source.slice(slash + 1))),
      },
      { action: 's3:PutObject', resource: s3Object(String(i.Bucket), String(i.Key)) },
    ];
  },
  ListObjectsV2Command: (i) => [{ action: 's3:ListBucket', resource: s3Bucket(String(i.Bucket)) }],
  DeleteObjectsCommand: (i) =>
    ((i.Delete as { Objects: { Key: string }[] }).Objects ?? []).map((o) => ({
      action: 's3:DeleteObject',
      resource: s3Object(String(i.Bucket), o.Key),
    })),
  HeadBucketCommand: (i) => [{ action: 's3:ListBucket', resource: s3Bucket(String(i.Bucket)) }],
};

const body = (text: string) => {
  const bytes = new TextEncoder().encode(text);
  return {
    async *[Symbol.asyncIterator]() {
      yield bytes;
    },
    transformToByteArray: async () => bytes,
  };
};
const notFound = (name: string) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 } });

const s3 = mockClient(S3Client);
const storage = new S3Storage(new S3Client({ region: 'eu-west-1' }));
const ref = {
  bucket: 'lake-bronze',
  key: '_promoted/statistics/region=us/source_file=a b+c.csv/version.json',
};
const other = { bucket: 'lake-cleansed', key: 'statistics/region=us/x.parquet' };

/** The IAM requests of what the adapter sent since the last reset. */
function sent(): { action: string; resource: string }[] {
  return s3.calls().flatMap((c) => {
    const command = c.args[0] as unknown as { constructor: { name: string }; input: Input };
    const map = IAM_OF_COMMAND[command.constructor.name];
    if (!map)
      throw new Error(
        `S3Storage sends ${command.constructor.name}, which the permission proof does not model`,
      );
    return map(command.input);
  });
}
const plain = (calls: readonly AwsCall[]) => calls.map(({ action, resource }) => ({ action, resource }));

beforeEach(() => {
  s3.reset();
  s3.on(HeadObjectCommand).resolves({ ContentLength: 3 });
  s3.on(GetObjectCommand).resolves({ Body: body('abc') as never });
  s3.on(PutObjectCommand).resolves({});
  s3.on(CopyObjectCommand).resolves({});
  s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: other.key, Size: 3 }] });
  s3.on(DeleteObjectsCommand).resolves({});
  s3.on(HeadBucketCommand).resolves({});
});

describe("the proof's S3 model covers what S3Storage sends", () => {
  it.each([
    ['head, found', () => storage.head(ref), () => S3_REQUESTS.head(ref)],
    ['readBytes', () => storage.readBytes(ref), () => S3_REQUESTS.read(ref, false)],
    [
      'read',
      async () => {
        for await (const _ of storage.read(ref));
      },
      () => S3_REQUESTS.read(ref, false),
    ],
    ['write', () => storage.write(ref, 'x'), () => S3_REQUESTS.write(ref)],
    ['copy', () => storage.copy(ref, other), () => S3_REQUESTS.copy(ref, other)],
    [
      'list',
      () => storage.list(other.bucket, 'statistics/'),
      () => S3_REQUESTS.list(other.bucket, 'statistics/'),
    ],
    [
      'delete',
      () => storage.delete([ref, other]),
      () => [...S3_REQUESTS.delete(ref), ...S3_REQUESTS.delete(other)],
    ],
  ])('%s', async (_name, call, model) => {
    await call();
    const modelled = plain(model());
    for (const request of sent()) expect(modelled).toContainEqual(request);
  });

  it('head of a missing key: the model adds the s3:ListBucket a 404 (not a 403) needs', async () => {
    s3.on(HeadObjectCommand).rejects(notFound('NotFound'));
    expect(await storage.head(ref)).toBeNull();
    const modelled = plain(S3_REQUESTS.head(ref));
    const requests = sent();
    for (const request of requests) expect(modelled).toContainEqual(request);
    expect(modelled).toContainEqual({ action: 's3:ListBucket', resource: s3Bucket(ref.bucket) });
  });

  it('a GET of a missing key is Lake.ObjectNotFound, and the model adds the s3:ListBucket it needs', async () => {
    s3.on(GetObjectCommand).rejects(notFound('NoSuchKey'));
    await expect(storage.readBytes(ref)).rejects.toMatchObject({ name: 'Lake.ObjectNotFound' });
    const modelled = plain(S3_REQUESTS.read(ref, true));
    for (const request of sent()) expect(modelled).toContainEqual(request);
    expect(modelled).toContainEqual({ action: 's3:ListBucket', resource: s3Bucket(ref.bucket) });
  });
});
