/**
 * Lambda: the daily fetch of one region's trending chart and categories from the YouTube Data API
 * (target of an EventBridge Scheduler schedule per region), landed in the landing bucket, whose upload
 * triggers the pipeline as any upload does. Env: API_KEY_SECRET_ID, LANDING_BUCKET, YOUTUBE_API_URL.
 * A failure is rethrown so that the schedule's retry policy and dead-letter queue see it; an exhausted
 * quota is not (retrying cannot help before it resets): it is logged and counted for its alarm.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { FETCH_METRIC } from '../workflows/fetch-alarms';
import { S3Storage } from './aws/s3-storage';
import { ContractError } from './core/errors';
import { checkRegionCode, fetchRegions, landFetched } from './core/fetch-trending';
import { trendingDateOf } from './core/trending-files';
import { DEFAULT_API_URL, fetchHttpGet, YouTubeApi } from './core/youtube-api';
import { logger, metrics } from './powertools';

const tracer = new Tracer();
const storage = new S3Storage(tracer.captureAWSv3Client(new S3Client({})));

export const fetchEventSchema = z
  .object({
    region: z.string(),
    /** YYYY-MM-DD; default: today in UTC (the schedule runs once a day). */
    date: z.string().optional(),
  })
  .strict();
export type FetchEvent = z.infer<typeof fetchEventSchema>;

export interface FetchResult {
  readonly region: string;
  readonly date: string;
  readonly status: string;
  readonly keys: readonly string[];
  readonly videosFetched: number;
  readonly videosSkipped: number;
  readonly apiCalls: number;
  readonly error: string | null;
}

/** Cached for 5 minutes across invocations of a warm container (the schedules run minutes apart). */
const SECRET_MAX_AGE_SECONDS = 300;

function env(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new ContractError(`${name} is not set: the fetch function is misconfigured; redeploy the stack`);
  return v;
}

export const handler = async (event: unknown, context: Context): Promise<FetchResult> => {
  logger.addContext(context);
  const parsed = fetchEventSchema.safeParse(event);
  if (!parsed.success)
    throw new ContractError(
      `The fetch event must be {"region": "CC", "date"?: "YYYY-MM-DD"}: ${parsed.error.message}. Check the schedule's input.`,
    );
  const region = checkRegionCode(parsed.data.region);
  const date = parsed.data.date ?? new Date().toISOString().slice(0, 10);
  trendingDateOf(date);
  const secretId = env('API_KEY_SECRET_ID');
  const landingBucket = env('LANDING_BUCKET');
  metrics.addDimensions({ source: 'youtube-trending' });
  try {
    const apiKey = await getSecret<string>(secretId, { maxAge: SECRET_MAX_AGE_SECONDS });
    if (typeof apiKey !== 'string' || !apiKey.trim())
      throw new ContractError(
        `The secret ${secretId} has no value: set the YouTube Data API key with \`aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string <key>\` (docs/fetch.md)`,
      );
    const api = new YouTubeApi({
      baseUrl: process.env.YOUTUBE_API_URL || DEFAULT_API_URL,
      apiKey: apiKey.trim(),
      http: fetchHttpGet,
    });
    const [r] = await fetchRegions(api, [region], date);
    if (!r) throw new Error(`no result for region ${region}`);
    metrics.addMetric(FETCH_METRIC.apiCalls, 'Count', r.apiCalls);
    metrics.addMetric(FETCH_METRIC.videosFetched, 'Count', r.videosFetched);
    metrics.addMetric(FETCH_METRIC.videosSkipped, 'Count', r.videosSkipped);
    for (const w of r.warnings) logger.warn(w, { region, date });
    const result = (keys: string[], error: string | null): FetchResult => ({
      region,
      date,
      status: r.status,
      keys,
      videosFetched: r.videosFetched,
      videosSkipped: r.videosSkipped,
      apiCalls: r.apiCalls,
      error,
    });
    if (r.error) {
      if (r.error.name === 'YouTube.QuotaExceeded') {
        metrics.addMetric(FETCH_METRIC.quotaExhausted, 'Count', 1);
        logger.error('the YouTube Data API quota is exhausted; not retried', {
          region,
          date,
          error: r.error,
        });
        return result([], `${r.error.name}: ${r.error.message}`);
      }
      metrics.addMetric(FETCH_METRIC.fetchesFailed, 'Count', 1);
      const err = new Error(r.error.message);
      err.name = r.error.name;
      throw err;
    }
    const keys = await landFetched(r, storage, landingBucket);
    // Per region: the stale-region alarm counts the statistics files that landed.
    const statistics = keys.filter((k) => k.endsWith('.csv')).length;
    const single = metrics.singleMetric();
    single.addDimensions({ source: 'youtube-trending', region: region.toLowerCase() });
    single.addMetric(FETCH_METRIC.filesFetched, 'Count', statistics);
    logger.info('landed', { region, date, keys, videos: r.videosFetched, apiCalls: r.apiCalls });
    return result(keys, null);
  } catch (e) {
    if (!(e as Error).name?.startsWith('YouTube.')) metrics.addMetric(FETCH_METRIC.fetchesFailed, 'Count', 1);
    logger.error('fetch failed; the schedule retries it, then dead-letters it', e as Error);
    throw e;
  } finally {
    metrics.publishStoredMetrics();
  }
};
