/**
 * The analytics API's contract, stated once: each route's query parameters (zod schemas the handler
 * core validates with) and its response shape. The OpenAPI document and API Gateway's request
 * validation are generated from these same definitions.
 */
import { z } from 'zod/v4';

export const API_VERSION = 'v1';
export const METRICS = ['views', 'likes', 'dislikes', 'comments', 'videos'] as const;
export type Metric = (typeof METRICS)[number];
export const PAGE_LIMIT = { min: 1, max: 1000, default: 100 } as const;

const region = z
  .string({ error: 'is required: a region code of two lowercase letters, e.g. us' })
  .regex(/^[a-z]{2}$/, { error: 'must be a region code of two lowercase letters, e.g. us' })
  .describe('The region, two lowercase letters (e.g. us, gb, ca).');

/** A calendar day that exists: 2017-02-30 is refused, not rolled over into March. */
const day = (what: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written YYYY-MM-DD' })
    .refine(isRealDay, { error: 'is not a calendar date (no such day)' })
    .describe(`${what} trending day, inclusive (YYYY-MM-DD).`);

const limit = z.coerce
  .number({ error: `must be a whole number from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}` })
  .int({ error: `must be a whole number from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}` })
  .min(PAGE_LIMIT.min, { error: `must be a whole number from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}` })
  .max(PAGE_LIMIT.max, { error: `must be a whole number from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}` })
  .default(PAGE_LIMIT.default);

export function isRealDay(text: string): boolean {
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** from ≤ to, when both are given (a range that cannot contain a day is the caller's mistake). */
const ordered = (p: { from?: string | undefined; to?: string | undefined }) =>
  p.from === undefined || p.to === undefined || p.from <= p.to;
const ORDER_ERROR = { error: '"from" must not be after "to"', path: ['from'] };

export const regionsQuery = z.strictObject({});

export const categoryDailyQuery = z
  .strictObject({
    region,
    from: day('The first').optional(),
    to: day('The last').optional(),
    category_id: z
      .string()
      .regex(/^\d{1,18}$/, { error: 'must be a category id: a whole number, e.g. 24' })
      .describe('Only this category.')
      .optional(),
    limit: limit.describe(`Rows per page, ${PAGE_LIMIT.min}–${PAGE_LIMIT.max}.`),
    cursor: z
      .string()
      .max(1024, { error: 'is not a cursor this API gave out' })
      .describe('The nextCursor of the previous page (opaque).')
      .optional(),
  })
  .refine(ordered, ORDER_ERROR);
export type CategoryDailyQuery = z.infer<typeof categoryDailyQuery>;

export const topCategoriesQuery = z
  .strictObject({
    region,
    from: day('The first').optional(),
    to: day('The last').optional(),
    metric: z
      .enum(METRICS, { error: `must be one of ${METRICS.join(', ')}` })
      .default('views')
      .describe('What the categories are ranked by, summed over the range.'),
    limit: limit.describe(`Categories to return, ${PAGE_LIMIT.min}–${PAGE_LIMIT.max}.`),
  })
  .refine(ordered, ORDER_ERROR);
export type TopCategoriesQuery = z.infer<typeof topCategoriesQuery>;

export const categoriesQuery = z.strictObject({ region });

export const dataHealthQuery = z
  .strictObject({
    region: region.optional(),
    from: day('The first').optional(),
    to: day('The last').optional(),
  })
  .refine(ordered, ORDER_ERROR);
export type DataHealthQuery = z.infer<typeof dataHealthQuery>;

/** An integer column: a number when it is exact in JSON, its decimal text beyond 2^53. */
const count = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]);

export const categoryDailyItem = z.strictObject({
  region: z.string(),
  trending_date: z.string().describe('YYYY-MM-DD'),
  category_id: count,
  category_title: z.string(),
  videos: count,
  views: count,
  likes: count,
  dislikes: count,
  comments: count,
});

const errorBody = z.strictObject({
  error: z.strictObject({
    code: z.string().describe('bad_parameter, unauthorized, not_found, method_not_allowed, internal'),
    message: z.string().describe('What was wrong, naming the parameter and what is allowed'),
  }),
});

export const responses = {
  regions: z.strictObject({
    items: z.array(
      z.strictObject({
        region: z.string(),
        firstDay: z.string(),
        lastDay: z.string(),
        rows: z.number().int(),
      }),
    ),
  }),
  categoryDaily: z.strictObject({
    items: z.array(categoryDailyItem),
    nextCursor: z.string().nullable(),
  }),
  topCategories: z.strictObject({
    metric: z.enum(METRICS),
    items: z.array(
      z.strictObject({
        rank: z.number().int(),
        category_id: count,
        category_title: z.string(),
        value: count.describe('The ranking metric summed over the range'),
        videos: count.describe('Videos summed over the days (a video trending 3 days counts 3)'),
        views: count,
        likes: count,
        dislikes: count,
        comments: count,
      }),
    ),
  }),
  categories: z.strictObject({
    items: z.array(z.strictObject({ category_id: count, category_title: z.string() })),
  }),
  dataHealth: z.strictObject({
    items: z.array(
      z.strictObject({
        day: z.string().describe('The day the runs finished (UTC)'),
        runs: z.number().int(),
        batchesPassed: z.number().int(),
        batchesQuarantined: z.number().int(),
        rowsRead: z.number().int(),
        rowsCleansed: z.number().int(),
        rowsQuarantined: z.number().int(),
        quarantinedShare: z.number(),
      }),
    ),
  }),
  error: errorBody,
};

export type RouteId = 'regions' | 'categoryDaily' | 'topCategories' | 'categories' | 'dataHealth';

export interface RouteSpec {
  readonly id: RouteId;
  readonly path: string;
  readonly summary: string;
  readonly query: z.ZodType;
  readonly response: z.ZodType;
}

export const ROUTES: readonly RouteSpec[] = [
  {
    id: 'regions',
    path: `/${API_VERSION}/regions`,
    summary: 'The regions with analytics, their first and last trending day and row count',
    query: regionsQuery,
    response: responses.regions,
  },
  {
    id: 'categoryDaily',
    path: `/${API_VERSION}/category-daily`,
    summary:
      'Rows of analytics.category_daily for a region, ordered by (trending_date, category_id), paginated',
    query: categoryDailyQuery,
    response: responses.categoryDaily,
  },
  {
    id: 'topCategories',
    path: `/${API_VERSION}/top-categories`,
    summary: 'The categories of a region ranked by a metric summed over a date range',
    query: topCategoriesQuery,
    response: responses.topCategories,
  },
  {
    id: 'categories',
    path: `/${API_VERSION}/categories`,
    summary: "A region's category ids and titles",
    query: categoriesQuery,
    response: responses.categories,
  },
  {
    id: 'dataHealth',
    path: `/${API_VERSION}/data-health`,
    summary: 'Per day: runs, rows read/cleansed/quarantined and DQ outcomes, from the run summaries',
    query: dataHealthQuery,
    response: responses.dataHealth,
  },
];

export const OPENAPI_PATH = '/openapi.json';
