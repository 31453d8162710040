/**
 * The YouTube fetch core against a local fake of the API: pagination, every documented error answer,
 * retries with backoff for 429/5xx/timeouts/torn bodies, skipped videos, empty charts, and the rule that
 * a failure lands nothing for its region and an account-wide failure stops the regions after it.
 */
import { fetchRegions } from '../handlers/core/fetch-trending';
import { categoriesJson, trendingCsv, trendingDateOf, videoRecord } from '../handlers/core/trending-files';
import { fetchHttpGet, quotaResetAfter, YouTubeApi } from '../handlers/core/youtube-api';
import { apiError, FAKE_KEY, FakeYouTube } from './helpers/fake-youtube';
import { pythonCsvRecords } from './helpers/python';

const fake = new FakeYouTube();
let baseUrl = '';
const sleeps: number[] = [];

function api(overrides: Partial<ConstructorParameters<typeof YouTubeApi>[0]> = {}) {
  return new YouTubeApi({
    baseUrl,
    apiKey: FAKE_KEY,
    http: fetchHttpGet,
    // The production default: an answer of the local fake never nears it, even on a loaded machine (with
    // 300 ms a normal page under load timed out once, and the retry made 6 calls where 5 were asserted).
    timeoutMs: 10_000,
    backoffMs: 10,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
}

beforeAll(async () => {
  baseUrl = await fake.start();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.reset();
  sleeps.length = 0;
});

describe('a good day', () => {
  it('reads every page of the chart (4 × 50) and the categories: 5 calls, 5 quota units', async () => {
    const [us] = await fetchRegions(api(), ['US'], '2017-11-14');
    expect(us?.status).toBe('fetched');
    expect(us?.videosFetched).toBe(200);
    expect(us?.apiCalls).toBe(5);
    expect(us?.quotaUnits).toBe(5);
    const videoCalls = fake.requests.filter((r) => r.method === 'videos');
    expect(videoCalls.map((r) => r.params.pageToken ?? null)).toEqual([
      null,
      'page-50',
      'page-100',
      'page-150',
    ]);
    expect(videoCalls.every((r) => r.params.maxResults === '50' && r.params.chart === 'mostPopular')).toBe(
      true,
    );
    expect(us?.files.map((f) => f.fileName)).toEqual(['US_category_id.json', 'USvideos_2017-11-14.csv']);
  });

  it('writes a CSV that Python reads back as the 16 contract columns with the values the API gave', async () => {
    const [us] = await fetchRegions(api(), ['US'], '2017-11-14');
    const csv = us?.files.find((f) => f.fileName.endsWith('.csv'))?.content ?? '';
    const [header, ...records] = pythonCsvRecords(csv);
    expect(header).toHaveLength(16);
    expect(header?.[0]).toBe('video_id');
    expect(records).toHaveLength(200);
    expect(records.every((r) => r.length === 16)).toBe(true);
    const first = fake.charts.get('US')?.[0] as {
      id: string;
      snippet: { title: string; description: string };
    };
    const row = records.find((r) => r[0] === first.id);
    expect(row?.[1]).toBe('17.14.11');
    expect(row?.[2]).toBe(first.snippet.title);
    expect(row?.[15]).toBe(first.snippet.description);
    expect(row?.[5]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(row?.[9]).toBe('0'); // no dislikes from the API any more
  });
});

describe('answers that are not a good day', () => {
  it('400 keyInvalid: a clear error, nothing to land, and the other regions are not fetched', async () => {
    const out = await fetchRegions(api({ apiKey: 'wrong' }), ['US', 'GB'], '2017-11-14');
    expect(out[0]?.status).toBe('failed');
    expect(out[0]?.error?.name).toBe('YouTube.KeyInvalid');
    expect(out[0]?.error?.message).toMatch(/API key is not valid.*YOUTUBE_API_KEY/);
    expect(out[0]?.files).toEqual([]);
    expect(out[1]?.status).toBe('not_fetched');
    expect(fake.requests.some((r) => r.params.regionCode === 'GB')).toBe(false);
  });

  it('400 badRequest fails the region, not the others', async () => {
    fake.script('videos', 'US', [{ status: 400, body: apiError(400, 'badRequest', 'Invalid value') }]);
    fake.charts.set('GB', fake.charts.get('US')?.slice(0, 10) ?? []);
    fake.categories.set('GB', fake.categories.get('US'));
    const out = await fetchRegions(api(), ['US', 'GB'], '2017-11-14');
    expect(out[0]?.error?.name).toBe('YouTube.BadRequest');
    expect(out[0]?.files).toEqual([]);
    expect(out[1]?.status).toBe('fetched');
    expect(out[1]?.videosFetched).toBe(10);
    fake.charts.delete('GB');
    fake.categories.delete('GB');
  });

  it('403 quotaExceeded stops every region and says which quota and when it resets', async () => {
    fake.script('videos', 'US', [{ status: 403, body: apiError(403, 'quotaExceeded', 'quota') }]);
    const out = await fetchRegions(api(), ['US', 'GB'], '2017-11-14');
    expect(out[0]?.error?.name).toBe('YouTube.QuotaExceeded');
    expect(out[0]?.error?.message).toMatch(
      /10,000 units a day.*resets at midnight Pacific Time \(next: \d{4}-/,
    );
    expect(out[1]?.status).toBe('not_fetched');
    expect(out[0]?.apiCalls).toBe(1); // never retried
  });

  it('403 forbidden names the key restrictions', async () => {
    fake.script('videoCategories', 'US', [{ status: 403, body: apiError(403, 'forbidden', 'denied') }]);
    const [us] = await fetchRegions(api(), ['US'], '2017-11-14');
    expect(us?.error?.name).toBe('YouTube.Forbidden');
    expect(us?.files).toEqual([]); // the chart was fine, but half a region never lands
  });

  it('404: the region is not supported', async () => {
    const [xx] = await fetchRegions(api(), ['XX'], '2017-11-14');
    expect(xx?.error?.name).toBe('YouTube.RegionNotSupported');
    expect(xx?.error?.message).toMatch(/not supported/);
  });

  it('429 and 5xx are retried with backoff and jitter, then succeed', async () => {
    fake.script('videos', 'US', [
      { status: 429, body: apiError(429, 'rateLimitExceeded', 'slow down') },
      { status: 503, body: apiError(503, 'backendError', 'try again') },
    ]);
    const [us] = await fetchRegions(api(), ['US'], '2017-11-14');
    expect(us?.status).toBe('fetched');
    expect(us?.apiCalls).toBe(7);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(5);
    expect(sleeps[0]).toBeLessThanOrEqual(10);
    expect(sleeps[1]).toBeGreaterThanOrEqual(10);
    expect(sleeps[1]).toBeLessThanOrEqual(20);
  });

  it('5xx every time: failed after the last attempt, saying so', async () => {
    fake.script('videos', 'US', Array(4).fill({ status: 500, body: apiError(500, 'backendError', 'boom') }));
    const [us] = await fetchRegions(api(), ['US'], '2017-11-14');
    expect(us?.error?.name).toBe('YouTube.ServerError');
    expect(us?.error?.message).toMatch(/gave up after 4 attempts/);
    expect(us?.apiCalls).toBe(4);
  });

  it('a slow answer times out and is retried; always slow: failed with the timeout named', async () => {
    // A timeout of 2 s, answers delayed by 8 s: far apart, so that load cannot blur which is which.
    fake.script('videos', 'US', [{ delayMs: 8000 }]);
    const [ok] = await fetchRegions(api({ timeoutMs: 2000 }), ['US'], '2017-11-14');
    expect(ok?.status).toBe('fetched');
    expect(ok?.apiCalls).toBe(6); // the first page twice
    fake.reset();
    fake.script('videoCategories', 'US', Array(2).fill({ delayMs: 8000 }));
    const [slow] = await fetchRegions(api({ attempts: 2, timeoutMs: 2000 }), ['US'], '2017-11-14');
    expect(slow?.error?.name).toBe('YouTube.Timeout');
    expect(slow?.error?.message).toMatch(/did not answer within 2000 ms/);
  });

  it('malformed and truncated JSON: retried, then failed naming the body, never a crash', async () => {
    fake.script('videos', 'US', [{ truncateAt: 500 }, { raw: '<html>proxy error</html>' }]);
    const [recovered] = await fetchRegions(api(), ['US'], '2017-11-14');
    expect(recovered?.status).toBe('fetched');
    fake.reset();
    fake.script('videos', 'US', Array(4).fill({ truncateAt: 100 }));
    const [us] = await fetchRegions(api(), ['US'], '2017-11-14');
    expect(us?.error?.name).toBe('YouTube.MalformedResponse');
    expect(us?.error?.message).toMatch(/not JSON .*100 bytes/);
    expect(us?.files).toEqual([]);
  });

  it('a 200 without "items" is a malformed answer', async () => {
    fake.script('videos', 'US', Array(4).fill({ body: { kind: 'youtube#videoListResponse' } }));
    const [us] = await fetchRegions(api(), ['US'], '2017-11-14');
    expect(us?.error?.name).toBe('YouTube.MalformedResponse');
  });

  it('an item missing fields is skipped and counted; the rest land', async () => {
    const chart = fake.charts.get('US') ?? [];
    const broken = [
      { id: 'noSnippet01' },
      { ...(chart[1] as object), statistics: undefined },
      {
        ...(chart[2] as object),
        snippet: { ...(chart[2] as { snippet: object }).snippet, title: undefined },
      },
      42,
    ];
    fake.script('videos', 'US', [{ body: { items: [...broken, chart[0]] } }]);
    const [us] = await fetchRegions(api(), ['US'], '2017-11-14');
    expect(us?.status).toBe('fetched');
    expect(us?.videosFetched).toBe(1);
    expect(us?.videosSkipped).toBe(4);
    expect(us?.skippedBy).toEqual({
      'missing snippet': 1,
      'missing statistics': 1,
      'missing snippet.title': 1,
      'not an object': 1,
    });
    expect(us?.warnings[0]).toMatch(/4 of 5 videos skipped/);
  });

  it('an empty chart: no statistics file, a warning, the categories still land', async () => {
    fake.script('videos', 'US', [{ body: { items: [] } }]);
    const [us] = await fetchRegions(api(), ['US'], '2017-11-14');
    expect(us?.status).toBe('empty');
    expect(us?.files.map((f) => f.fileName)).toEqual(['US_category_id.json']);
    expect(us?.warnings.join(' ')).toMatch(/trending chart is empty/);
  });

  it('the key never appears in an error, even when the API echoes the request', async () => {
    fake.script('videos', 'US', [{ status: 400, body: apiError(400, 'badRequest', 'bad') }]);
    const [us] = await fetchRegions(api(), ['US'], '2017-11-14');
    expect(JSON.stringify(us)).not.toContain(FAKE_KEY);
  });
});

describe('the files', () => {
  it('trending_date is the contract YY.DD.MM; impossible dates are refused', () => {
    expect(trendingDateOf('2017-11-14')).toBe('17.14.11');
    expect(trendingDateOf('2026-02-28')).toBe('26.28.02');
    expect(() => trendingDateOf('2026-02-30')).toThrow(/not a real date/);
    expect(() => trendingDateOf('1999-01-01')).toThrow(/2000–2099/);
  });

  it('quotes whatever a field holds so that Python reads it back unchanged', () => {
    const nasty = 'a "quoted", \r\n multi-line\n title, with \\n and ✓';
    const r = videoRecord(
      {
        id: 'abc,def"ghi',
        snippet: { title: nasty, channelTitle: 'c', categoryId: '10', publishedAt: 'x', description: nasty },
        statistics: { viewCount: 5, commentCount: '2' },
      },
      '17.14.11',
    );
    if (!('record' in r)) throw new Error('skipped');
    const [rec] = pythonCsvRecords(`${r.record}\n`);
    expect(rec).toHaveLength(16);
    expect(rec?.[0]).toBe('abc,def"ghi');
    expect(rec?.[2]).toBe(nasty);
    expect(rec?.[15]).toBe(nasty);
    expect(rec?.[7]).toBe('5');
    expect(rec?.[8]).toBe('0');
    expect(rec?.[13]).toBe('True'); // no likeCount: ratings disabled
    expect(rec?.[12]).toBe('False');
  });

  it('the categories file is the API answer; without items it is refused', () => {
    expect(categoriesJson('US', { items: [] }).fileName).toBe('US_category_id.json');
    expect(() => categoriesJson('US', { kind: 'x' })).toThrow(/without an "items" list/);
    expect(trendingCsv('US', '2017-11-14', []).videos).toBe(0);
  });

  it('the quota resets at the next midnight in Los Angeles', () => {
    const reset = quotaResetAfter(new Date('2026-12-01T09:30:00Z'));
    expect(reset.toISOString()).toBe('2026-12-02T08:00:00.000Z'); // PST = UTC-8
  });
});
