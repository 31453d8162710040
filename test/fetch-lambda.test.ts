/**
 * The fetch Lambda against the local fake of the YouTube API, with S3 and Secrets Manager mocked: it
 * reads the key from the secret (cached), lands the region's two files under their dataset keys, counts
 * what it did, rethrows failures for the schedule's retries, and does not retry an exhausted quota.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { apiError, FAKE_KEY, FakeYouTube } from './helpers/fake-youtube';

const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);
const fake = new FakeYouTube();
const context = { functionName: 'lakestep-dev-fetch-trending', awsRequestId: 'req-1' } as unknown as Context;
let handler: (
  event: unknown,
  context: Context,
) => Promise<{ keys: readonly string[]; status: string; error: string | null }>;
let stdout: jest.SpyInstance;

beforeAll(async () => {
  const url = await fake.start();
  process.env.YOUTUBE_API_URL = url;
  process.env.API_KEY_SECRET_ID =
    'arn:aws:secretsmanager:eu-west-1:111111111111:secret:lakestep-dev/youtube-trending-api-key';
  process.env.LANDING_BUCKET = 'lakestep-dev-landing';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'lakestep-dev';
  process.env.POWERTOOLS_SERVICE_NAME = 'lakestep';
  process.env.AWS_REGION = 'eu-west-1';
  ({ handler } = await import('../handlers/fetch-trending'));
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.reset();
  s3.reset();
  secrets.reset();
  s3.on(PutObjectCommand).resolves({});
  secrets.on(GetSecretValueCommand).resolves({ SecretString: FAKE_KEY });
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => stdout.mockRestore());

const emitted = () => stdout.mock.calls.map((c) => String(c[0])).join('');

it('lands the categories, then the statistics, under their dataset keys', async () => {
  const out = await handler({ region: 'US', date: '2017-11-14' }, context);
  expect(out.keys).toEqual([
    'raw_statistics_reference_data/region=us/US_category_id.json',
    'raw_statistics/region=us/USvideos_2017-11-14.csv',
  ]);
  const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
  expect(puts.map((p) => [p.Bucket, p.Key])).toEqual([
    ['lakestep-dev-landing', 'raw_statistics_reference_data/region=us/US_category_id.json'],
    ['lakestep-dev-landing', 'raw_statistics/region=us/USvideos_2017-11-14.csv'],
  ]);
  expect(String(puts[1]?.Body).split('\n')).toHaveLength(202); // header + 200 videos + final newline
  expect(emitted()).toMatch(/"FilesFetched"/);
  expect(emitted()).not.toContain(FAKE_KEY);
});

it('keeps the key cached between invocations of a warm container', async () => {
  await handler({ region: 'US', date: '2017-11-14' }, context);
  expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0); // cached by the first test
});

it('rethrows a failed fetch (for the schedule to retry) and lands nothing', async () => {
  fake.script('videos', 'US', Array(4).fill({ status: 503, body: apiError(503, 'backendError', 'x') }));
  await expect(handler({ region: 'US', date: '2017-11-15' }, context)).rejects.toMatchObject({
    name: 'YouTube.ServerError',
  });
  expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  expect(emitted()).toMatch(/"FetchesFailed"/);
}, 30_000);

it('does not retry an exhausted quota: it returns the error and counts it', async () => {
  fake.script('videos', 'US', [{ status: 403, body: apiError(403, 'quotaExceeded', 'quota') }]);
  const out = await handler({ region: 'US', date: '2017-11-16' }, context);
  expect(out.status).toBe('failed');
  expect(out.error).toMatch(/YouTube.QuotaExceeded/);
  expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  expect(emitted()).toMatch(/"FetchQuotaExhausted"/);
});

it('refuses a malformed event, naming the expected shape', async () => {
  await expect(handler({ regionCode: 'US' }, context)).rejects.toThrow(/"region": "CC"/);
  await expect(handler({ region: 'USA' }, context)).rejects.toThrow(/two-letter/);
});
