/**
 * A client of the two YouTube Data API v3 calls the pipeline's source needs (`videos.list` with
 * `chart=mostPopular`, `videoCategories.list`), over an HTTP port: retries 429, 5xx, timeouts and torn
 * bodies with backoff and jitter, and turns every other answer into a named error that says what to do.
 * The API key travels only in the request URL and is never part of an error, a log line or a result.
 */

/** One HTTP GET: the status and the whole body as text. Rejects on a network error or an abort. */
export type HttpGet = (
  url: string,
  init: { signal: AbortSignal },
) => Promise<{ status: number; body: string }>;

/** The HTTP port over the runtime's own fetch (Node ≥ 18); the body is read under the same signal. */
export const fetchHttpGet: HttpGet = async (url, { signal }) => {
  const res = await fetch(url, { signal, redirect: 'error' });
  return { status: res.status, body: await res.text() };
};

export interface YouTubeApiOptions {
  /** e.g. `https://www.googleapis.com/youtube/v3` (no trailing slash needed). */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly http: HttpGet;
  /** Per request; a request that takes longer is aborted and retried. */
  readonly timeoutMs?: number;
  /** Attempts per request for retryable answers (429, 5xx, timeout, torn body), the first included. */
  readonly attempts?: number;
  /** First backoff; doubles each retry, with full jitter. */
  readonly backoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export const DEFAULT_API_URL = 'https://www.googleapis.com/youtube/v3';
/** The chart holds at most 200 videos; 50 a page is the API's maximum. */
export const PAGE_SIZE = 50;
export const MAX_CHART_PAGES = 4;
/** Both methods cost 1 unit per call; a project gets 10,000 units a day by default. */
export const QUOTA_UNITS_PER_CALL = 1;

export type YouTubeErrorCode =
  | 'keyInvalid'
  | 'badRequest'
  | 'quotaExceeded'
  | 'forbidden'
  | 'regionNotSupported'
  | 'throttled'
  | 'serverError'
  | 'timeout'
  | 'network'
  | 'malformedResponse';

/** Errors that no other region can escape either: the key or the project's quota. */
const ACCOUNT_WIDE: ReadonlySet<YouTubeErrorCode> = new Set(['keyInvalid', 'quotaExceeded', 'forbidden']);

export class YouTubeApiError extends Error {
  override readonly name: string;
  constructor(
    readonly code: YouTubeErrorCode,
    message: string,
    readonly status: number | null,
    readonly attempts: number,
  ) {
    super(message);
    this.name = `YouTube.${code[0]?.toUpperCase()}${code.slice(1)}`;
  }
  /** True when every further call would fail the same way (stop the other regions too). */
  get accountWide(): boolean {
    return ACCOUNT_WIDE.has(this.code);
  }
}

/** `"…" (N chars)` for a value that goes into an error: never a whole body. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max
    ? JSON.stringify(flat)
    : `${JSON.stringify(flat.slice(0, max))}… (${text.length} chars)`;
}

/** When the daily quota resets: midnight in America/Los_Angeles, as the API's console says. */
export function quotaResetAfter(now: Date): Date {
  for (let h = 1; h <= 48; h++) {
    const t = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 + h * 3_600_000);
    const hour = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/Los_Angeles',
      hour: 'numeric',
      hourCycle: 'h23',
    }).format(t);
    if (Number(hour) === 0) return t;
  }
  return new Date(now.getTime() + 86_400_000);
}

interface ApiErrorBody {
  error?: {
    code?: number;
    message?: string;
    errors?: { reason?: string; domain?: string; message?: string }[];
  };
}

function reasonOf(body: string): { reason: string | null; message: string | null } {
  try {
    const parsed = JSON.parse(body) as ApiErrorBody;
    const first = parsed.error?.errors?.[0];
    return { reason: first?.reason ?? null, message: parsed.error?.message ?? first?.message ?? null };
  } catch {
    return { reason: null, message: null };
  }
}

export class YouTubeApi {
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Calls sent (every attempt counts against the quota). */
  calls = 0;

  constructor(private readonly options: YouTubeApiOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.attempts = Math.max(1, options.attempts ?? 4);
    this.backoffMs = options.backoffMs ?? 500;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
  }

  /** `videos.list?chart=mostPopular&part=snippet,statistics&regionCode=CC`, every page (≤ 200 videos). */
  async trendingVideos(regionCode: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let pageToken: string | undefined;
    const seen = new Set<string>();
    for (let page = 0; page < MAX_CHART_PAGES; page++) {
      const params: Record<string, string> = {
        part: 'snippet,statistics',
        chart: 'mostPopular',
        regionCode,
        maxResults: String(PAGE_SIZE),
      };
      if (pageToken) params.pageToken = pageToken;
      const body = await this.get('videos', params, `the trending chart of ${regionCode}`);
      const list = (body as { items?: unknown }).items;
      if (!Array.isArray(list))
        throw new YouTubeApiError(
          'malformedResponse',
          `videos.list for ${regionCode} answered without an "items" list (page ${page + 1})`,
          200,
          1,
        );
      items.push(...list);
      const next = (body as { nextPageToken?: unknown }).nextPageToken;
      if (typeof next !== 'string' || next === '' || seen.has(next)) break;
      seen.add(next);
      pageToken = next;
    }
    return items;
  }

  /** `videoCategories.list?part=snippet&regionCode=CC`: the body as the category files store it. */
  async categories(regionCode: string): Promise<Record<string, unknown>> {
    const body = await this.get(
      'videoCategories',
      { part: 'snippet', regionCode },
      `the categories of ${regionCode}`,
    );
    return body as Record<string, unknown>;
  }

  private url(method: string, params: Record<string, string>): string {
    const base = this.options.baseUrl.replace(/\/+$/, '');
    const query = new URLSearchParams({ ...params, key: this.options.apiKey });
    return `${base}/${method}?${query.toString()}`;
  }

  private async get(method: string, params: Record<string, string>, what: string): Promise<object> {
    const where = `${method}.list (${what})`;
    let last: YouTubeApiError | null = null;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) {
        const cap = this.backoffMs * 2 ** (attempt - 2);
        await this.sleep(Math.round(cap / 2 + this.random() * (cap / 2)));
      }
      const outcome = await this.once(method, params, where, attempt);
      if (!(outcome instanceof YouTubeApiError)) return outcome;
      if (!RETRYABLE.has(outcome.code)) throw outcome;
      last = outcome;
    }
    // The loop ran at least once, and only retryable errors reach here.
    const e = last as YouTubeApiError;
    throw new YouTubeApiError(
      e.code,
      `${e.message}; gave up after ${this.attempts} attempts`,
      e.status,
      this.attempts,
    );
  }

  private async once(
    method: string,
    params: Record<string, string>,
    where: string,
    attempt: number,
  ): Promise<object | YouTubeApiError> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    this.calls++;
    let status: number;
    let body: string;
    try {
      ({ status, body } = await this.options.http(this.url(method, params), { signal: controller.signal }));
    } catch (e) {
      if (controller.signal.aborted)
        return new YouTubeApiError(
          'timeout',
          `${where} did not answer within ${this.timeoutMs} ms`,
          null,
          attempt,
        );
      // A network error's message never carries the URL (and so never the key) as Node reports it.
      return new YouTubeApiError('network', `${where} failed: ${(e as Error).message}`, null, attempt);
    } finally {
      clearTimeout(timer);
    }
    if (status === 200) {
      try {
        const parsed: unknown = JSON.parse(body);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          return new YouTubeApiError(
            'malformedResponse',
            `${where} answered JSON that is not an object`,
            200,
            attempt,
          );
        return parsed;
      } catch (e) {
        return new YouTubeApiError(
          'malformedResponse',
          `${where} answered a body that is not JSON (${(e as Error).message}; ${body.length} bytes, starting ${excerpt(body, 80)}): a torn or proxied answer`,
          200,
          attempt,
        );
      }
    }
    return classifyError(status, body, where, attempt);
  }
}

/** Torn bodies are retried as well: a proxy or a cut connection produces them, not the API's logic. */
const RETRYABLE: ReadonlySet<YouTubeErrorCode> = new Set([
  'throttled',
  'serverError',
  'timeout',
  'network',
  'malformedResponse',
]);

function classifyError(status: number, body: string, where: string, attempt: number): YouTubeApiError {
  const { reason, message } = reasonOf(body);
  const said = message ? ` — the API says: ${excerpt(message, 160)}` : '';
  const r = reason ?? 'unknown';
  if (status === 400 && (r === 'keyInvalid' || /api key not valid/i.test(message ?? '')))
    return new YouTubeApiError(
      'keyInvalid',
      `${where}: the API key is not valid (400 keyInvalid)${said}. Set YOUTUBE_API_KEY (locally) or the secret's value (on AWS) to a key of a project with the YouTube Data API v3 enabled.`,
      status,
      attempt,
    );
  if (status === 400 && (r === 'invalidRegionCode' || r === 'regionCodeNotSupported'))
    return regionNotSupported(where, status, attempt, said);
  if (status === 400)
    return new YouTubeApiError(
      'badRequest',
      `${where}: the API rejected the request (400 ${r})${said}`,
      status,
      attempt,
    );
  if (status === 403 && (r === 'quotaExceeded' || r === 'dailyLimitExceeded' || r === 'rateLimitExceeded'))
    return new YouTubeApiError(
      'quotaExceeded',
      `${where}: the project's YouTube Data API quota is exhausted (403 ${r}; the default is 10,000 units a day, each call costs ${QUOTA_UNITS_PER_CALL}). It resets at midnight Pacific Time (next: ${quotaResetAfter(new Date()).toISOString()}); fetch again after that, or ask Google for more quota.`,
      status,
      attempt,
    );
  if (status === 403)
    return new YouTubeApiError(
      'forbidden',
      `${where}: the API refused the key (403 ${r})${said}. Check that the key's project has the YouTube Data API v3 enabled and that the key's restrictions allow this caller.`,
      status,
      attempt,
    );
  if (status === 404) return regionNotSupported(where, status, attempt, said);
  if (status === 429)
    return new YouTubeApiError('throttled', `${where}: throttled (429 ${r})${said}`, status, attempt);
  if (status >= 500)
    return new YouTubeApiError(
      'serverError',
      `${where}: the API failed (${status} ${r})${said}`,
      status,
      attempt,
    );
  return new YouTubeApiError(
    'badRequest',
    `${where}: unexpected HTTP ${status} (${r})${said}`,
    status,
    attempt,
  );
}

function regionNotSupported(where: string, status: number, attempt: number, said: string): YouTubeApiError {
  return new YouTubeApiError(
    'regionNotSupported',
    `${where}: the region is not supported by the API (${status})${said}. Use an ISO 3166-1 alpha-2 code that YouTube serves (i18nRegions.list lists them).`,
    status,
    attempt,
  );
}
