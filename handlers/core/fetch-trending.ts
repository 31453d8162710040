/**
 * The fetch of one day of trending data for a list of regions: for each region the chart (every page)
 * and the categories, turned into the pipeline's two files. A region's files exist only when all of its
 * answers were complete, so a failure never lands half a region; an error that no region can escape (a
 * bad key, an exhausted quota) stops the regions after it. The same core runs in the CLI and the Lambda.
 */
import { YOUTUBE_DATASETS } from '../../workflows/datasets';
import { landingKeyFor } from './classify';
import type { LakeStorage } from './ports';
import { categoriesJson, trendingCsv } from './trending-files';
import { QUOTA_UNITS_PER_CALL, type YouTubeApi, YouTubeApiError } from './youtube-api';

export interface FetchedFile {
  readonly fileName: string;
  readonly content: string;
}

export type RegionStatus = 'fetched' | 'empty' | 'failed' | 'not_fetched';

export interface RegionFetch {
  readonly region: string;
  readonly status: RegionStatus;
  /** The files to land, in landing order (categories first, so the first materialization has titles). */
  readonly files: readonly FetchedFile[];
  readonly videosFetched: number;
  readonly videosSkipped: number;
  readonly skippedBy: Readonly<Record<string, number>>;
  readonly apiCalls: number;
  readonly quotaUnits: number;
  /** `accountWide`: every further call would fail the same way (a bad key, an exhausted quota). */
  readonly error: { readonly name: string; readonly message: string; readonly accountWide: boolean } | null;
  readonly warnings: readonly string[];
}

export function checkRegionCode(region: string): string {
  const cc = region.toUpperCase();
  if (!/^[A-Z]{2}$/.test(cc))
    throw new Error(`--region ${region} is not a two-letter ISO 3166-1 code (e.g. US)`);
  return cc;
}

/** Fetches one region with its own client (so its calls are counted apart). */
export async function fetchRegion(api: YouTubeApi, region: string, isoDate: string): Promise<RegionFetch> {
  const before = api.calls;
  const counts = () => {
    const calls = api.calls - before;
    return { apiCalls: calls, quotaUnits: calls * QUOTA_UNITS_PER_CALL };
  };
  try {
    const items = await api.trendingVideos(region);
    const categories = categoriesJson(region, await api.categories(region));
    const csv = trendingCsv(region, isoDate, items);
    const skippedTotal = Object.values(csv.skipped).reduce((a, b) => a + b, 0);
    const warnings: string[] = [];
    if (skippedTotal)
      warnings.push(
        `${region}: ${skippedTotal} of ${items.length} videos skipped (${Object.entries(csv.skipped)
          .map(([r, n]) => `${n} ${r}`)
          .join(', ')})`,
      );
    if (csv.videos === 0)
      warnings.push(
        `${region}: the trending chart is empty${items.length ? ' once unusable videos are skipped' : ''}: no statistics file for ${isoDate}`,
      );
    return {
      region,
      status: csv.videos === 0 ? 'empty' : 'fetched',
      files: csv.videos === 0 ? [categories] : [categories, csv],
      videosFetched: csv.videos,
      videosSkipped: skippedTotal,
      skippedBy: csv.skipped,
      ...counts(),
      error: null,
      warnings,
    };
  } catch (e) {
    const err = e as Error;
    return {
      region,
      status: 'failed',
      files: [],
      videosFetched: 0,
      videosSkipped: 0,
      skippedBy: {},
      ...counts(),
      error:
        err instanceof YouTubeApiError
          ? { name: err.name, message: err.message, accountWide: err.accountWide }
          : { name: 'YouTube.MalformedResponse', message: err.message, accountWide: false },
      warnings: [],
    };
  }
}

/** Every region in order; after an account-wide error the rest are reported as not fetched. */
export async function fetchRegions(
  api: YouTubeApi,
  regions: readonly string[],
  isoDate: string,
): Promise<RegionFetch[]> {
  const out: RegionFetch[] = [];
  let stop: { name: string; message: string; region: string } | null = null;
  for (const region of regions) {
    if (stop) {
      out.push({
        region,
        status: 'not_fetched',
        files: [],
        videosFetched: 0,
        videosSkipped: 0,
        skippedBy: {},
        apiCalls: 0,
        quotaUnits: 0,
        error: {
          name: stop.name,
          message: `not fetched: ${stop.region} failed with ${stop.name}, which every region would hit`,
          accountWide: true,
        },
        warnings: [],
      });
      continue;
    }
    const r = await fetchRegion(api, region, isoDate);
    out.push(r);
    if (r.error?.accountWide) stop = { ...r.error, region };
  }
  return out;
}

/** Writes a region's files to the landing bucket under their dataset keys, categories first. */
export async function landFetched(
  region: RegionFetch,
  storage: Pick<LakeStorage, 'write'>,
  landingBucket: string,
): Promise<string[]> {
  const keys: string[] = [];
  for (const f of region.files) {
    const key = landingKeyFor(f.fileName, YOUTUBE_DATASETS);
    await storage.write(
      { bucket: landingBucket, key },
      f.content,
      f.fileName.endsWith('.json') ? 'application/json' : 'text/csv; charset=utf-8',
    );
    keys.push(key);
  }
  return keys;
}
