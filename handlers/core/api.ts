/**
 * The analytics API's handler core: one function from a request to a response, the same locally
 * (`lakestep serve`) and in Lambda behind API Gateway. Routing, auth, validation (the contract's zod
 * schemas), the cursor and the error shape live here; the engines are behind ports.
 */
import type { z } from 'zod/v4';
import {
  type CategoryDailyQuery,
  categoriesQuery,
  categoryDailyQuery,
  dataHealthQuery,
  METRICS,
  OPENAPI_PATH,
  ROUTES,
  type RouteId,
  regionsQuery,
  topCategoriesQuery,
} from './api-contract';
import { cursorScope, decodeCursor, encodeCursor } from './api-cursor';
import { dataHealthDays } from './api-data-health';
import { ApiError, badParameter, errorBody } from './api-errors';
import { openApiDocument } from './api-openapi';
import type { AnalyticsRow, ApiPorts } from './api-ports';
import {
  categoriesStatement,
  categoryDailyStatement,
  regionsStatement,
  topCategoriesStatement,
} from './api-queries';

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  /** Every value of every query parameter, as received (repeats included). */
  readonly query: Readonly<Record<string, readonly string[]>>;
  readonly apiKey: string | undefined;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  /** An unexpected failure behind a 500, for the server's log (never sent to the caller). */
  readonly cause?: unknown;
}

export interface ApiOptions {
  /** Checks the x-api-key header (constant time); null when the gateway in front already did. */
  readonly authorize: ((presented: string | undefined) => boolean) | null;
  /** Signs the pagination cursors. */
  readonly cursorSecret: string;
  /** The server URL the OpenAPI document names. */
  readonly serverUrl: string;
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };

export async function handleApiRequest(
  req: ApiRequest,
  ports: ApiPorts,
  options: ApiOptions,
): Promise<ApiResponse> {
  try {
    return { status: 200, headers: JSON_HEADERS, body: await route(req, ports, options) };
  } catch (e) {
    const error =
      e instanceof ApiError
        ? e
        : new ApiError(500, 'internal', 'The API could not answer; the server log has the cause');
    const headers: Record<string, string> =
      error.status === 405 ? { ...JSON_HEADERS, Allow: 'GET' } : { ...JSON_HEADERS };
    if (error.status === 401) headers['WWW-Authenticate'] = 'ApiKey header="x-api-key"';
    return { status: error.status, headers, body: errorBody(error), ...(error === e ? {} : { cause: e }) };
  }
}

async function route(req: ApiRequest, ports: ApiPorts, options: ApiOptions): Promise<unknown> {
  const known = req.path === OPENAPI_PATH || ROUTES.some((r) => r.path === req.path);
  if (!known)
    throw new ApiError(
      404,
      'not_found',
      `No route ${req.path}: the API has ${[...ROUTES.map((r) => r.path), OPENAPI_PATH].join(', ')}`,
    );
  if (req.method !== 'GET')
    throw new ApiError(
      405,
      'method_not_allowed',
      `${req.method} ${req.path} is not allowed: the API only reads (GET)`,
    );
  if (req.path === OPENAPI_PATH) return openApiDocument(options.serverUrl);
  if (options.authorize && !options.authorize(req.apiKey))
    throw new ApiError(
      401,
      'unauthorized',
      req.apiKey === undefined
        ? 'Missing API key: send it in the x-api-key header'
        : 'The API key in the x-api-key header is not valid',
    );
  const id = ROUTES.find((r) => r.path === req.path)?.id as RouteId;
  const single = singleValues(req.query);
  switch (id) {
    case 'regions':
      parse(regionsQuery, single);
      return { items: (await ports.analytics.query(regionsStatement())).map(regionItem) };
    case 'categoryDaily':
      return categoryDaily(parse(categoryDailyQuery, single), ports, options);
    case 'topCategories': {
      const q = parse(topCategoriesQuery, single);
      const rows = await ports.analytics.query(topCategoriesStatement(q));
      if (rows.length === 0) await requireRegion(q.region, ports);
      return {
        metric: q.metric,
        items: rows.map((r, i) => ({
          rank: i + 1,
          ...pick(r, 'category_id', 'category_title'),
          value: r[q.metric],
          ...pick(r, ...METRICS),
        })),
      };
    }
    case 'categories': {
      const q = parse(categoriesQuery, single);
      const rows = await ports.analytics.query(categoriesStatement(q.region));
      if (rows.length === 0) await requireRegion(q.region, ports);
      return { items: rows.map((r) => pick(r, 'category_id', 'category_title')) };
    }
    case 'dataHealth':
      return { items: dataHealthDays(await ports.runs.batchOutcomes(), parse(dataHealthQuery, single)) };
  }
}

async function categoryDaily(q: CategoryDailyQuery, ports: ApiPorts, options: ApiOptions) {
  const scope = cursorScope({ region: q.region, from: q.from, to: q.to, category_id: q.category_id });
  const after = q.cursor === undefined ? null : decodeCursor(options.cursorSecret, scope, q.cursor);
  const rows = await ports.analytics.query(categoryDailyStatement(q, after));
  if (rows.length === 0 && after === null) await requireRegion(q.region, ports);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > q.limit && last
      ? encodeCursor(options.cursorSecret, scope, {
          trendingDate: String(last.trending_date),
          categoryId: String(last.category_id),
        })
      : null;
  return { items: page, nextCursor };
}

/** An empty answer for a region the lake has never seen is a 404, not an empty list. */
async function requireRegion(region: string, ports: ApiPorts): Promise<void> {
  const regions = await ports.analytics.query(regionsStatement());
  if (!regions.some((r) => r.region === region))
    throw new ApiError(
      404,
      'not_found',
      `No region "${region}" in the analytics: the lake has ${regions.map((r) => r.region).join(', ') || 'no regions yet (run the pipeline first)'}`,
    );
}

function regionItem(r: AnalyticsRow) {
  return { region: r.region, firstDay: r.first_day, lastDay: r.last_day, rows: Number(r.row_count) };
}

function pick(row: AnalyticsRow, ...names: string[]): AnalyticsRow {
  return Object.fromEntries(names.map((n) => [n, row[n] ?? null]));
}

/** A parameter given twice is ambiguous: refused, naming it, rather than silently taking one. */
function singleValues(query: Readonly<Record<string, readonly string[]>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(query)) {
    if (values.length > 1)
      throw badParameter(`"${name}" is given ${values.length} times: give each parameter at most once`);
    out[name] = values[0] ?? '';
  }
  return out;
}

function parse<S extends z.ZodType>(schema: S, input: Record<string, string>): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw badParameter('The request parameters are not valid');
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys(
      (schema as unknown as { shape?: Record<string, unknown> }).shape ?? shapeOf(schema),
    );
    throw badParameter(
      `Unknown parameter ${issue.keys.map((k) => `"${k}"`).join(', ')}: this route takes ${allowed.length ? allowed.join(', ') : 'no parameters'}`,
    );
  }
  const name = String(issue.path[0] ?? '');
  if (issue.code === 'custom' && issue.message.startsWith('"')) throw badParameter(issue.message);
  throw badParameter(
    `"${name}" ${issue.message}${name in input ? ` (got ${JSON.stringify(input[name])})` : ''}`,
  );
}

function shapeOf(schema: z.ZodType): Record<string, unknown> {
  // A refined object keeps its shape on the inner schema.
  const def = (schema as unknown as { def?: { schema?: { shape?: Record<string, unknown> } } }).def;
  return def?.schema?.shape ?? {};
}
