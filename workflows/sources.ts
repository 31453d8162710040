/**
 * Where a workflow's data comes from besides uploads: a scheduled fetch from a REST API that lands the
 * files an upload would. Plain data: the CLI, the Lambda, infra and the alarms read it.
 */

export interface RestSource {
  /** kebab-case: the `source` metric dimension, alarm ids (`<id>-fetch-failed`) and construct ids. */
  readonly id: string;
  readonly title: string;
  /** The fetch Lambda (PascalCase id → function name `<prefix>-<kebab id>`). */
  readonly function: {
    readonly id: string;
    readonly handlerFile: string;
    readonly memoryMb: number;
    readonly timeoutSeconds: number;
    readonly description: string;
  };
  /** Regions a stage may schedule (cdk.json `fetch.regions` picks among them); each has its staleness alarm. */
  readonly regions: readonly string[];
  /** A region with no new statistics file for this many hours fires its staleness alarm. */
  readonly freshnessHours: number;
}

export const YOUTUBE_TRENDING_SOURCE: RestSource = {
  id: 'youtube-trending',
  title: 'YouTube Data API v3 trending chart',
  function: {
    id: 'FetchTrending',
    handlerFile: 'fetch-trending.ts',
    memoryMb: 256,
    // ≤ 5 calls with ≤ 4 attempts each, 10 s timeouts and backoff: well under two minutes.
    timeoutSeconds: 120,
    description: "Fetches one region's trending chart and categories from the YouTube Data API into landing",
  },
  // The ten regions of the Kaggle dataset the pipeline was built on.
  regions: ['US', 'GB', 'CA', 'IN', 'DE', 'FR', 'JP', 'KR', 'MX', 'RU'],
  freshnessHours: 26,
};
