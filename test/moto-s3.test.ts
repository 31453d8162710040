/**
 * S3Storage (the LakeStorage port on S3) against moto's S3, through the real SDK client: streaming
 * reads, listings and batch deletes past S3's 1,000-key pages, keys S3 and URLs treat specially, and the
 * three "no" answers told apart: a missing key, a missing bucket (a misconfigured stack), a denied call.
 */
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mapWithLimit } from '../handlers/aws/pacing';
import { S3Storage } from '../handlers/aws/s3-storage';
import { MOTO_REGION, useMoto } from './helpers/moto';

const moto = useMoto();
let s3: S3Client;
let storage: S3Storage;
const BUCKET = 'lakestep-bronze-test';

/** Keys with a space, +, #, ?, %, & and = (URL syntax), and non-ASCII (NFC and NFD é, CJK, an emoji). */
const AWKWARD_KEYS = [
  'raw_statistics/region=us/US videos.csv',
  'raw_statistics/region=us/a+b.csv',
  'raw_statistics/region=us/#1.csv',
  'raw_statistics/region=us/why?.csv',
  'raw_statistics/region=us/100%.csv',
  'raw_statistics/region=us/%2F encoded already.csv',
  'raw_statistics/region=us/a&b=c;d.csv',
  'raw_statistics/region=fr/caf\u00e9.csv',
  'raw_statistics/region=fr/cafe\u0301.csv',
  'raw_statistics/region=jp/日本の動画.csv',
  'raw_statistics/region=us/😀 party.csv',
];

beforeAll(async () => {
  s3 = new S3Client(moto().clientConfig);
  storage = new S3Storage(s3);
  await s3.send(
    new CreateBucketCommand({
      Bucket: BUCKET,
      CreateBucketConfiguration: { LocationConstraint: MOTO_REGION },
    }),
  );
});

afterAll(() => s3?.destroy());

describe('reads', () => {
  it('streams a large object in many chunks that add up to its bytes', async () => {
    const body = new Uint8Array(6 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (i >> 10)) & 0xff;
    const ref = { bucket: BUCKET, key: 'stream/big.bin' };
    await storage.write(ref, body, 'application/octet-stream');
    const chunks: Uint8Array[] = [];
    for await (const chunk of storage.read(ref)) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).equals(Buffer.from(body))).toBe(true);
    expect(Buffer.from(await storage.readBytes(ref)).equals(Buffer.from(body))).toBe(true);
    await expect(storage.head(ref)).resolves.toEqual({ ...ref, size: body.length });
  });

  it('lets a reader stop early without reading the rest (the connection is released)', async () => {
    const ref = { bucket: BUCKET, key: 'stream/early.bin' };
    await storage.write(ref, new Uint8Array(4 * 1024 * 1024).fill(1));
    for (let round = 0; round < 60; round++) {
      // More rounds than the SDK's connection pool (50): a leaked connection would hang here.
      for await (const chunk of storage.read(ref)) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
    }
  });
});

describe('keys S3 and URLs treat specially', () => {
  it('write, head, read, list, copy and delete each of them as the same key', async () => {
    const refs = AWKWARD_KEYS.map((key) => ({ bucket: BUCKET, key }));
    for (const ref of refs) await storage.write(ref, `body of ${ref.key}`, 'text/csv');
    for (const ref of refs) {
      await expect(storage.head(ref)).resolves.toEqual({
        ...ref,
        size: Buffer.byteLength(`body of ${ref.key}`),
      });
      expect(Buffer.from(await storage.readBytes(ref)).toString('utf8')).toBe(`body of ${ref.key}`);
    }
    const listed = await storage.list(BUCKET, 'raw_statistics/');
    expect(listed.map((o) => o.key)).toEqual([...AWKWARD_KEYS].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // NFC and NFD spellings of "café" are two keys: S3 compares bytes, and so must we.
    expect(new Set(listed.map((o) => o.key)).size).toBe(AWKWARD_KEYS.length);

    for (const ref of refs) {
      const to = { bucket: BUCKET, key: `copied/${ref.key}` };
      await storage.copy(ref, to);
      expect(Buffer.from(await storage.readBytes(to)).toString('utf8')).toBe(`body of ${ref.key}`);
    }
    await storage.delete([...refs, ...refs.map((r) => ({ bucket: BUCKET, key: `copied/${r.key}` }))]);
    await expect(storage.list(BUCKET, 'raw_statistics/')).resolves.toEqual([]);
    await expect(storage.list(BUCKET, 'copied/')).resolves.toEqual([]);
  });

  it('lists a prefix that itself contains such characters', async () => {
    const refs = ['p?x/1 a.csv', 'p?x/2+b.csv', 'p?y/3.csv'].map((key) => ({ bucket: BUCKET, key }));
    for (const ref of refs) await storage.write(ref, 'x');
    expect((await storage.list(BUCKET, 'p?x/')).map((o) => o.key)).toEqual(['p?x/1 a.csv', 'p?x/2+b.csv']);
    await storage.delete(refs);
  });
});

describe('more than one page of keys', () => {
  // One more than a page of ListObjectsV2 and a batch of DeleteObjects: the boundary both must cross
  // (moto stores ~70 objects a second, so a larger count only slows the suite).
  const COUNT = 1_001;
  const keyOf = (i: number) =>
    `many/part=${i % 3}/${AWKWARD_KEYS[i % AWKWARD_KEYS.length]?.split('/').pop()}-${i}`;

  it('lists every one of 1,001 keys (S3 pages at 1,000), sorted, and deletes them in batches of at most 1,000', async () => {
    const refs = Array.from({ length: COUNT }, (_, i) => ({ bucket: BUCKET, key: keyOf(i) }));
    await mapWithLimit(refs, 16, (ref) => storage.write(ref, 'x'));

    // What each request asked: the pages S3Storage asked for, and the keys in each DeleteObjects
    // (moto takes any number of keys in one; S3 refuses more than 1,000).
    const pages: (string | undefined)[] = [];
    const batches: number[] = [];
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ContinuationToken?: string; Delete?: { Objects?: unknown[] } };
        if (context.commandName === 'ListObjectsV2Command') pages.push(input.ContinuationToken);
        if (context.commandName === 'DeleteObjectsCommand') batches.push(input.Delete?.Objects?.length ?? 0);
        return next(args);
      },
      { step: 'initialize', name: 'recordRequests' },
    );
    try {
      const listed = await storage.list(BUCKET, 'many/');
      expect(listed).toHaveLength(COUNT);
      const sorted = refs.map((r) => r.key).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(listed.map((o) => o.key)).toEqual(sorted);
      expect(listed.every((o) => o.size === 1 && o.bucket === BUCKET)).toBe(true);
      // Two pages: the second asked with moto's continuation token.
      expect(pages).toHaveLength(2);
      expect(pages[0]).toBeUndefined();
      expect(pages[1]).toEqual(expect.any(String));

      await storage.delete(refs);
    } finally {
      s3.middlewareStack.remove('recordRequests');
    }
    expect(batches).toEqual([1000, 1]);
    await expect(storage.list(BUCKET, 'many/')).resolves.toEqual([]);
  });
});

describe('missing keys, missing buckets, denied calls', () => {
  const MISSING_BUCKET = 'lakestep-bronze-typo';

  it('a missing key: head answers null, a read is Lake.ObjectNotFound naming the object', async () => {
    const ref = { bucket: BUCKET, key: 'not/there.csv' };
    await expect(storage.head(ref)).resolves.toBeNull();
    await expect(storage.readBytes(ref)).rejects.toMatchObject({
      name: 'Lake.ObjectNotFound',
      message: expect.stringContaining(`s3://${BUCKET}/not/there.csv does not exist`),
    });
    await expect(storage.copy(ref, { bucket: BUCKET, key: 'x' })).rejects.toMatchObject({
      name: 'Lake.ObjectNotFound',
    });
  });

  it('a missing bucket is Lake.BucketNotFound naming the bucket and the stack, for every call', async () => {
    const ref = { bucket: MISSING_BUCKET, key: 'statistics/x.csv' };
    const expected = {
      name: 'Lake.BucketNotFound',
      message: expect.stringMatching(
        new RegExp(`bucket ${MISSING_BUCKET} does not exist.*stack.*configuration.*not a data problem`),
      ),
    };
    const iterate = async () => {
      for await (const _ of storage.read(ref)) {
        // nothing: the GET fails
      }
    };
    await expect(storage.head(ref)).rejects.toMatchObject(expected);
    await expect(storage.readBytes(ref)).rejects.toMatchObject(expected);
    await expect(iterate()).rejects.toMatchObject(expected);
    await expect(storage.write(ref, 'x')).rejects.toMatchObject(expected);
    await expect(storage.list(MISSING_BUCKET, 'statistics/')).rejects.toMatchObject(expected);
    await expect(storage.delete([ref])).rejects.toMatchObject(expected);
    // A copy names the bucket that is missing, source or destination.
    await storage.write({ bucket: BUCKET, key: 'src.csv' }, 'x');
    await expect(storage.copy({ bucket: BUCKET, key: 'src.csv' }, ref)).rejects.toMatchObject(expected);
    await expect(storage.copy(ref, { bucket: BUCKET, key: 'dst.csv' })).rejects.toMatchObject(expected);
  });

  it('a denied call is Lake.AccessDenied naming the action, the key and the grant, never "not found"', async () => {
    await storage.write({ bucket: BUCKET, key: 'secret/a.csv' }, 'x');
    const iam = new IAMClient(moto().clientConfig);
    // A user who may list the bucket and write, but not read objects.
    await iam.send(new CreateUserCommand({ UserName: 'writer-only' }));
    const policy = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'writer-only',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${BUCKET}` },
            { Effect: 'Allow', Action: ['s3:PutObject'], Resource: `arn:aws:s3:::${BUCKET}/*` },
          ],
        }),
      }),
    );
    await iam.send(
      new AttachUserPolicyCommand({ UserName: 'writer-only', PolicyArn: policy.Policy?.Arn ?? '' }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'writer-only' }))).AccessKey;
    iam.destroy();
    const denied = new S3Client({
      ...moto().clientConfig,
      credentials: { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' },
    });
    const writerOnly = new S3Storage(denied);
    await moto().enforceAuth(true);
    try {
      const ref = { bucket: BUCKET, key: 'secret/a.csv' };
      await expect(writerOnly.readBytes(ref)).rejects.toMatchObject({
        name: 'Lake.AccessDenied',
        message: expect.stringMatching(
          /^GET s3:\/\/lakestep-bronze-test\/secret\/a\.csv was denied .*permission problem.*s3:GetObject on arn:aws:s3:::lakestep-bronze-test\/secret\/a\.csv/,
        ),
      });
      await expect(writerOnly.head(ref)).rejects.toMatchObject({
        name: 'Lake.AccessDenied',
        message: expect.stringMatching(
          /^HEAD s3:\/\/lakestep-bronze-test\/secret\/a\.csv was denied .*s3:GetObject.*s3:ListBucket/,
        ),
      });
      await expect(writerOnly.delete([ref])).rejects.toMatchObject({
        name: 'Lake.AccessDenied',
        message: expect.stringContaining('s3:DeleteObject'),
      });
      // What the user may do still works.
      await expect(writerOnly.write({ bucket: BUCKET, key: 'secret/b.csv' }, 'y')).resolves.toBeUndefined();
      // (No listing here: with auth on, moto's signature check rejects a ListObjectsV2 with a prefix.)
    } finally {
      await moto().enforceAuth(false);
      denied.destroy();
    }
    await expect(storage.head({ bucket: BUCKET, key: 'secret/a.csv' })).resolves.toMatchObject({ size: 1 });
  });
});
