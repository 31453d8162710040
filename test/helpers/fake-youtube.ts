/**
 * A local fake of the two YouTube Data API v3 methods the fetch calls, written from their documented
 * shapes: `videos.list` (chart=mostPopular, maxResults ≤ 50, pageToken pagination) and
 * `videoCategories.list`, with the API's error bodies. Its chart is one real day of the shared data (the
 * US file's 200 videos of 2017-11-14) turned back into API items; tests script failures per call.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readCsvRecords } from '../../handlers/core/csv-records';
import { REAL_DATA } from './python';

export const FAKE_KEY = 'AIzaFAKE-key-for-tests_0123456789abcdef';

/** One scripted answer: a status and body, a delay before answering, or a body cut short. */
export interface Scripted {
  readonly status?: number;
  readonly body?: unknown;
  readonly raw?: string;
  readonly delayMs?: number;
  /** Send only the first N bytes of the normal answer, then end the response. */
  readonly truncateAt?: number;
}

export interface FakeRequest {
  readonly method: string;
  readonly params: Record<string, string>;
}

export function apiError(status: number, reason: string, message: string) {
  return { error: { code: status, message, errors: [{ message, domain: 'youtube.quota', reason }] } };
}

/** The real US rows of one trending day as `videos.list` items (snippet + statistics). */
export function realChartItems(trendingDate = '17.14.11'): Record<string, unknown>[] {
  const [header, ...rows] = readCsvRecords(readFileSync(join(REAL_DATA, 'csv', 'USvideos.csv'), 'utf8'));
  const col = (name: string) => header?.indexOf(name) ?? -1;
  const get = (r: string[], name: string) => r[col(name)] ?? '';
  return rows
    .filter((r) => get(r, 'trending_date') === trendingDate)
    .map((r) => {
      const tags = get(r, 'tags');
      const statistics: Record<string, string> = { viewCount: get(r, 'views'), favoriteCount: '0' };
      if (get(r, 'ratings_disabled') !== 'True') statistics.likeCount = get(r, 'likes');
      if (get(r, 'comments_disabled') !== 'True') statistics.commentCount = get(r, 'comment_count');
      return {
        kind: 'youtube#video',
        etag: `etag-${get(r, 'video_id')}`,
        id: get(r, 'video_id'),
        snippet: {
          publishedAt: get(r, 'publish_time').replace('.000Z', 'Z'),
          channelId: 'UC0000000000000000000000',
          title: get(r, 'title'),
          description: get(r, 'description'),
          thumbnails: { default: { url: get(r, 'thumbnail_link'), width: 120, height: 90 } },
          channelTitle: get(r, 'channel_title'),
          tags: tags === '[none]' ? undefined : tags.split('|').map((t) => t.replace(/^"|"$/g, '')),
          categoryId: get(r, 'category_id'),
        },
        statistics,
      };
    });
}

export class FakeYouTube {
  private server: Server | null = null;
  readonly requests: FakeRequest[] = [];
  /** Answers per `method` (videos | videoCategories) and region, taken in order before the normal one. */
  private readonly scripts = new Map<string, Scripted[]>();
  /** The chart per region; a region with none answers 404 (not supported). */
  readonly charts = new Map<string, unknown[]>();
  readonly categories = new Map<string, unknown>();
  baseUrl = '';

  constructor() {
    this.charts.set('US', realChartItems());
    this.categories.set(
      'US',
      JSON.parse(readFileSync(join(REAL_DATA, 'json', 'US_category_id.json'), 'utf8')),
    );
  }

  /** Scripted answers for the next calls of a method for a region. */
  script(method: 'videos' | 'videoCategories', region: string, answers: Scripted[]): void {
    this.scripts.set(`${method}:${region}`, [...(this.scripts.get(`${method}:${region}`) ?? []), ...answers]);
  }

  reset(): void {
    this.scripts.clear();
    this.requests.length = 0;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}/youtube/v3`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const params = Object.fromEntries(url.searchParams);
    const method = url.pathname.replace(/^\/youtube\/v3\//, '');
    this.requests.push({ method, params });
    const region = params.regionCode ?? '';
    const scripted = this.scripts.get(`${method}:${region}`)?.shift();
    if (scripted?.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
    if (res.destroyed) return;
    let status = 200;
    let body: unknown;
    if (scripted?.status || scripted?.body !== undefined || scripted?.raw !== undefined) {
      status = scripted.status ?? 200;
      body = scripted.raw ?? scripted.body;
    } else ({ status, body } = this.normal(method, params));
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    if (scripted?.truncateAt !== undefined) {
      res.write(text.slice(0, scripted.truncateAt));
      res.end();
      return;
    }
    res.end(text);
  }

  private normal(method: string, params: Record<string, string>): { status: number; body: unknown } {
    if (params.key !== FAKE_KEY)
      return {
        status: 400,
        body: apiError(400, 'keyInvalid', 'API key not valid. Please pass a valid API key.'),
      };
    const region = params.regionCode ?? '';
    if (method === 'videos') {
      if (params.chart !== 'mostPopular' || params.part !== 'snippet,statistics')
        return { status: 400, body: apiError(400, 'badRequest', 'unexpected parameters') };
      const chart = this.charts.get(region);
      if (!chart)
        return { status: 404, body: apiError(404, 'notFound', `The chart for ${region} is not supported.`) };
      const size = Math.min(50, Number(params.maxResults ?? 5));
      const start = params.pageToken ? Number(params.pageToken.replace(/^page-/, '')) : 0;
      if (!Number.isInteger(start) || start < 0 || start > chart.length)
        return { status: 400, body: apiError(400, 'invalidPageToken', 'The page token is not valid.') };
      const items = chart.slice(start, start + size);
      const next = start + size < chart.length ? `page-${start + size}` : undefined;
      return {
        status: 200,
        body: {
          kind: 'youtube#videoListResponse',
          etag: 'etag',
          items,
          ...(next ? { nextPageToken: next } : {}),
          pageInfo: { totalResults: chart.length, resultsPerPage: size },
        },
      };
    }
    if (method === 'videoCategories') {
      if (params.part !== 'snippet')
        return { status: 400, body: apiError(400, 'badRequest', 'part must be snippet') };
      const cats = this.categories.get(region);
      if (!cats) return { status: 404, body: apiError(404, 'notFound', `No categories for ${region}.`) };
      return { status: 200, body: cats };
    }
    return { status: 404, body: apiError(404, 'notFound', 'Not Found') };
  }
}
