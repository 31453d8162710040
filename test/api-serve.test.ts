/**
 * `lakestep serve` over a lake the real pipeline built from the real data: real HTTP requests for every
 * route, every error case, an injection attempt per parameter, pagination that adds up to the table,
 * values equal to `lakestep query --json`'s, and answers during a concurrent `lakestep run` (another
 * process holding the warehouse) that show its rows afterwards, without a restart.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { type Serve, startServe } from '../local/api/server';
import { query, ROOT, runFiles, tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

jest.setTimeout(300_000);

const KEY = 'test-key-0123456789abcdef';
const CA = [join(REAL_DATA, 'json', 'CA_category_id.json'), join(REAL_DATA, 'csv', 'CAvideos.csv')];
const GB = [join(REAL_DATA, 'json', 'GB_category_id.json'), join(REAL_DATA, 'csv', 'GBvideos.csv')];

interface Answer {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
  headers: Headers;
}

describe('lakestep serve: the analytics API over HTTP', () => {
  const { dir, cleanup } = tempDir('api-serve');
  const lake = join(dir, 'lake');
  let serve: Serve;

  async function get(path: string, init: RequestInit & { key?: string | null } = {}): Promise<Answer> {
    const key = init.key === undefined ? KEY : init.key;
    const res = await fetch(`${serve.url.replace(/\/$/, '')}${path}`, {
      ...init,
      headers: { ...(key === null ? {} : { 'x-api-key': key }), ...(init.headers ?? {}) },
    });
    return { status: res.status, body: (await res.json()) as Answer['body'], headers: res.headers };
  }

  async function expectError(path: string, status: number, code: string, mentions: RegExp, init = {}) {
    const a = await get(path, init);
    expect({ path, status: a.status }).toEqual({ path, status });
    expect(Object.keys(a.body)).toEqual(['error']);
    expect(Object.keys(a.body.error ?? {}).sort()).toEqual(['code', 'message']);
    expect(a.body.error?.code).toBe(code);
    expect(a.body.error?.message).toMatch(mentions);
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
  }

  beforeAll(async () => {
    const runs = await runFiles(lake, CA);
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    serve = await startServe({ lake, port: 0, env: { LAKESTEP_API_KEY: KEY } });
  });
  afterAll(async () => {
    await serve?.close();
    cleanup();
  });

  it('binds 127.0.0.1 only and refuses a Host that is not its own (or given twice)', async () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // A raw request: node's client would not send two Host headers.
    const status = (hosts: string[]) =>
      new Promise<number>((ok, fail) => {
        const socket = connect(serve.port, '127.0.0.1', () =>
          socket.write(
            `GET /v1/regions HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}x-api-key: ${KEY}\r\nConnection: close\r\n\r\n`,
          ),
        );
        let text = '';
        socket.on('data', (b) => {
          text += b;
        });
        socket.on('end', () => ok(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
        socket.on('error', fail);
      });
    expect(await status(['evil.example:80'])).toBe(421);
    expect(await status([`127.0.0.1:${serve.port}`, 'evil.example'])).toBe(421);
    expect(await status([`localhost:${serve.port}`])).toBe(200);
  });

  it('lists the regions with their first and last day and row count, as the table has them', async () => {
    const a = await get('/v1/regions');
    expect(a.status).toBe(200);
    const [expected] = await query(
      lake,
      'SELECT region, min(trending_date) AS firstDay, max(trending_date) AS lastDay, count(*) AS rows FROM analytics.category_daily GROUP BY region',
    );
    expect(a.body).toEqual({ items: [expected] });
    expect(a.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  });

  it('pages through category_daily in (trending_date, category_id) order: the pages add up to `lakestep query --json`', async () => {
    const expected = await query(
      lake,
      "SELECT * FROM analytics.category_daily WHERE region = 'ca' ORDER BY trending_date, category_id",
    );
    expect(expected.length).toBeGreaterThan(50);
    const items: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const a = await get(`/v1/category-daily?region=ca&limit=9${cursor ? `&cursor=${cursor}` : ''}`);
      expect(a.status).toBe(200);
      items.push(...(a.body.items as unknown[]));
      cursor = a.body.nextCursor as string | null;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(expected.length / 9));
    expect(items).toEqual(expected);
    const first = (await get('/v1/category-daily?region=ca')).body;
    expect(first).toEqual({ items: expected, nextCursor: null }); // the default page is 100 rows
  });

  it('filters by date range and category', async () => {
    const expected = await query(
      lake,
      "SELECT * FROM analytics.category_daily WHERE region = 'ca' AND trending_date BETWEEN DATE '2017-11-15' AND DATE '2017-11-16' AND category_id = 24 ORDER BY trending_date",
    );
    expect(expected.length).toBe(2);
    const a = await get('/v1/category-daily?region=ca&from=2017-11-15&to=2017-11-16&category_id=24');
    expect(a.body).toEqual({ items: expected, nextCursor: null });
  });

  it('ranks the top categories by each metric, summed over the range, with titles', async () => {
    for (const metric of ['views', 'likes', 'dislikes', 'comments', 'videos']) {
      const expected = await query(
        lake,
        `SELECT category_id, max(category_title) AS category_title, sum(${metric === 'views' ? '"views"' : metric}) AS value FROM analytics.category_daily WHERE region = 'ca' AND trending_date >= DATE '2017-11-15' GROUP BY category_id ORDER BY value DESC, category_id LIMIT 5`,
      );
      const a = await get(`/v1/top-categories?region=ca&from=2017-11-15&metric=${metric}&limit=5`);
      expect(a.status).toBe(200);
      expect(a.body.metric).toBe(metric);
      const items = a.body.items as {
        rank: number;
        category_id: number;
        category_title: string;
        value: number;
      }[];
      expect(
        items.map(({ category_id, category_title, value }) => ({ category_id, category_title, value })),
      ).toEqual(expected);
      expect(items.map((i) => i.rank)).toEqual([1, 2, 3, 4, 5]);
    }
    expect((await get('/v1/top-categories?region=ca')).body.metric).toBe('views');
  });

  it("lists a region's categories and the data health per day from the run summaries", async () => {
    const cats = await get('/v1/categories?region=ca');
    expect(cats.body.items).toEqual(
      await query(
        lake,
        "SELECT category_id, max(category_title) AS category_title FROM analytics.category_daily WHERE region = 'ca' GROUP BY 1 ORDER BY 1",
      ),
    );
    const health = await get('/v1/data-health?region=ca');
    const days = health.body.items as { runs: number; rowsRead: number; batchesPassed: number }[];
    expect(days.reduce((n, d) => n + d.runs, 0)).toBe(1);
    expect(days[0]?.batchesPassed).toBe(1);
    const [stats] = await query(lake, "SELECT count(*) AS n FROM cleansed.statistics WHERE region = 'ca'");
    expect(days[0]?.rowsRead).toBeGreaterThanOrEqual(Number(stats?.n));
  });

  it('serves the OpenAPI document without a key', async () => {
    const a = await get('/openapi.json', { key: null });
    expect(a.status).toBe(200);
    expect(a.body.openapi).toBe('3.1.0');
    expect(Object.keys(a.body.paths as object)).toEqual(
      expect.arrayContaining(['/v1/regions', '/v1/category-daily', '/v1/top-categories', '/v1/categories']),
    );
  });

  it('answers 401 without the key or with a wrong one, on every route', async () => {
    for (const path of [
      '/v1/regions',
      '/v1/category-daily?region=ca',
      '/v1/top-categories?region=ca',
      '/v1/categories?region=ca',
    ]) {
      await expectError(path, 401, 'unauthorized', /missing api key.*x-api-key/i, { key: null });
      await expectError(path, 401, 'unauthorized', /not valid/, { key: `${KEY}x` });
      await expectError(path, 401, 'unauthorized', /not valid/, { key: '' });
    }
  });

  it('answers 404 for an unknown route or region, 405 for other methods', async () => {
    await expectError('/v1/nothing', 404, 'not_found', /No route \/v1\/nothing.*\/v1\/category-daily/);
    await expectError('/v2/regions', 404, 'not_found', /Nothing at \/v2\/regions/);
    await expectError('/v1/category-daily?region=zz', 404, 'not_found', /No region "zz".*ca/);
    await expectError('/v1/top-categories?region=zz', 404, 'not_found', /No region "zz"/);
    await expectError('/v1/categories?region=zz', 404, 'not_found', /No region "zz"/);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'])
      await expectError('/v1/regions', 405, 'method_not_allowed', new RegExp(`${method} /v1/regions.*GET`), {
        method,
      });
  });

  it('answers 400 naming the parameter and what is allowed, for every bad parameter', async () => {
    const cases: [string, RegExp][] = [
      ['/v1/category-daily', /"region" is required/],
      ['/v1/category-daily?region=CA', /"region" must be a region code of two lowercase letters/],
      ['/v1/category-daily?region=can', /"region" must be/],
      ['/v1/category-daily?region=ca&from=2017-02-30', /"from" is not a calendar date/],
      ['/v1/category-daily?region=ca&to=2017-13-01', /"to" is not a calendar date/],
      ['/v1/category-daily?region=ca&from=17-12-01', /"from" must be a date written YYYY-MM-DD/],
      ['/v1/category-daily?region=ca&from=2017-12-02&to=2017-12-01', /"from" must not be after "to"/],
      ['/v1/category-daily?region=ca&limit=0', /"limit" must be a whole number from 1 to 1000/],
      ['/v1/category-daily?region=ca&limit=1001', /"limit" must be a whole number from 1 to 1000/],
      ['/v1/category-daily?region=ca&limit=2.5', /"limit" must be a whole number/],
      ['/v1/category-daily?region=ca&category_id=-1', /"category_id" must be a category id/],
      ['/v1/category-daily?region=ca&cursor=abc', /"cursor" is not a cursor this API gave out/],
      [
        '/v1/category-daily?region=ca&colour=red',
        /Unknown parameter "colour".*region, from, to, category_id, limit, cursor/,
      ],
      ['/v1/category-daily?region=ca&region=gb', /"region" is given 2 times/],
      [
        '/v1/top-categories?region=ca&metric=shares',
        /"metric" must be one of views, likes, dislikes, comments, videos/,
      ],
      ['/v1/top-categories?region=ca&limit=5000', /"limit" must be a whole number from 1 to 1000/],
      ['/v1/categories?region=ca&limit=5', /Unknown parameter "limit": this route takes region/],
      ['/v1/regions?region=ca', /Unknown parameter "region": this route takes no parameters/],
    ];
    for (const [path, message] of cases) await expectError(path, 400, 'bad_parameter', message);
  });

  it('refuses a tampered cursor, and a cursor reused with other filters', async () => {
    const { body } = await get('/v1/category-daily?region=ca&limit=3');
    const cursor = body.nextCursor as string;
    const [payload, mac] = cursor.split('.') as [string, string];
    const forged = Buffer.from(
      Buffer.from(payload, 'base64url')
        .toString()
        .replace(/"c":"\d+"/, '"c":"1"'),
    ).toString('base64url');
    const flipped = `${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'AB' : 'AA'}`;
    for (const bad of [`${forged}.${mac}`, flipped, `${cursor}.x`, cursor.slice(1)])
      await expectError(
        `/v1/category-daily?region=ca&limit=3&cursor=${encodeURIComponent(bad)}`,
        400,
        'bad_parameter',
        /"cursor"/,
      );
    await expectError(
      `/v1/category-daily?region=ca&limit=3&from=2017-12-01&cursor=${cursor}`,
      400,
      'bad_parameter',
      /same region, from, to/,
    );
    expect((await get(`/v1/category-daily?region=ca&limit=3&cursor=${cursor}`)).status).toBe(200);
  });

  it('never runs a parameter as SQL: an injection attempt per parameter is a 400 (or a 404), never a 500 or data', async () => {
    const attack = encodeURIComponent("ca' OR '1'='1");
    const drop = encodeURIComponent("2017-12-01'); DROP TABLE analytics.category_daily; --");
    const paths = [
      `/v1/category-daily?region=${attack}`,
      `/v1/category-daily?region=ca&from=${drop}`,
      `/v1/category-daily?region=ca&to=${drop}`,
      `/v1/category-daily?region=ca&category_id=${encodeURIComponent('24 OR 1=1')}`,
      `/v1/category-daily?region=ca&limit=${encodeURIComponent('10; DROP TABLE x')}`,
      `/v1/category-daily?region=ca&cursor=${encodeURIComponent("x' OR 1=1 --")}`,
      `/v1/top-categories?region=ca&metric=${encodeURIComponent('views DESC; DROP TABLE x; --')}`,
      `/v1/top-categories?region=${attack}`,
      `/v1/categories?region=${attack}`,
      `/v1/category-daily?region=ca&${encodeURIComponent("x'")}=1`,
    ];
    for (const path of paths) await expectError(path, 400, 'bad_parameter', /"/);
    expect((await get('/v1/regions')).body.items).toHaveLength(1);
  });

  it('keeps answering while `lakestep run` lands data in the same lake, and shows the new rows after it', async () => {
    const before = statSync(join(lake, 'analytics', 'snapshot', 'category_daily.parquet')).mtimeMs;
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'cli', 'bin.js'),
        'run',
        '--lake',
        lake,
        '--data',
        GB[0] as string,
        '--data',
        GB[1] as string,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (b) => {
      output += b;
    });
    child.stderr.on('data', (b) => {
      output += b;
    });
    const exited = new Promise<number>((ok) => child.on('exit', (code) => ok(code ?? -1)));
    let done = false;
    void exited.then(() => {
      done = true;
    });
    const statuses: number[] = [];
    const seen = new Set<string>();
    while (!done) {
      const a = await get('/v1/regions');
      statuses.push(a.status);
      for (const r of a.body.items as { region: string }[]) seen.add(r.region);
      if (seen.has('gb')) break;
    }
    expect(await exited).toBe(0);
    expect(output).not.toMatch(/in use by another lakestep process/);
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(statSync(join(lake, 'analytics', 'snapshot', 'category_daily.parquet')).mtimeMs).toBeGreaterThan(
      before,
    );
    const regions = (await get('/v1/regions')).body.items as { region: string }[];
    expect(regions.map((r) => r.region)).toEqual(['ca', 'gb']);
    const gb = await get('/v1/category-daily?region=gb&limit=1000');
    expect(gb.body.items).toEqual(
      await query(
        lake,
        "SELECT * FROM analytics.category_daily WHERE region = 'gb' ORDER BY trending_date, category_id LIMIT 1000",
      ),
    );
  });
});
