/**
 * The API's SQL, one statement per route, assembled from constant fragments chosen by which filters
 * are present; every value is a bound `?` parameter (never text spliced into the SQL). The same text
 * runs on DuckDB and Athena (Trino): dates are bound as text and CAST, the database is `${analytics}`.
 */
import type { CategoryDailyQuery, Metric, TopCategoriesQuery } from './api-contract';
import type { CursorPosition } from './api-cursor';
import type { AnalyticsStatement, SqlParam } from './api-ports';

const TABLE = '${analytics}.category_daily';
const COLUMNS =
  'region, trending_date, category_id, category_title, videos, "views", likes, dislikes, comments';

const text = (value: string): SqlParam => ({ type: 'varchar', value });
const integer = (value: string): SqlParam => ({ type: 'bigint', value });

function range(p: { region: string; from?: string | undefined; to?: string | undefined }) {
  const where = ['region = ?'];
  const params = [text(p.region)];
  if (p.from !== undefined) {
    where.push('trending_date >= CAST(? AS DATE)');
    params.push(text(p.from));
  }
  if (p.to !== undefined) {
    where.push('trending_date <= CAST(? AS DATE)');
    params.push(text(p.to));
  }
  return { where, params };
}

export function regionsStatement(): AnalyticsStatement {
  return {
    sql: `SELECT region, min(trending_date) AS first_day, max(trending_date) AS last_day, count(*) AS row_count FROM ${TABLE} GROUP BY region ORDER BY region`,
    params: [],
    maxRows: 10_000,
  };
}

/** One row more than the page: whether it comes back says if there is a next page. */
export function categoryDailyStatement(
  q: CategoryDailyQuery,
  after: CursorPosition | null,
): AnalyticsStatement {
  const { where, params } = range(q);
  if (q.category_id !== undefined) {
    where.push('category_id = ?');
    params.push(integer(q.category_id));
  }
  if (after) {
    where.push('(trending_date > CAST(? AS DATE) OR (trending_date = CAST(? AS DATE) AND category_id > ?))');
    params.push(text(after.trendingDate), text(after.trendingDate), integer(after.categoryId));
  }
  return {
    sql: `SELECT ${COLUMNS} FROM ${TABLE} WHERE ${where.join(' AND ')} ORDER BY trending_date, category_id`,
    params,
    maxRows: q.limit + 1,
  };
}

/** ORDER BY per metric: a fixed fragment picked by the validated enum, not the caller's text. */
const ORDER_BY: Record<Metric, string> = {
  views: '"views" DESC',
  likes: 'likes DESC',
  dislikes: 'dislikes DESC',
  comments: 'comments DESC',
  videos: 'videos DESC',
};

export function topCategoriesStatement(q: TopCategoriesQuery): AnalyticsStatement {
  const { where, params } = range(q);
  return {
    sql: [
      'SELECT category_id, max(category_title) AS category_title, sum(videos) AS videos, sum("views") AS "views",',
      '  sum(likes) AS likes, sum(dislikes) AS dislikes, sum(comments) AS comments',
      `FROM ${TABLE} WHERE ${where.join(' AND ')}`,
      `GROUP BY category_id ORDER BY ${ORDER_BY[q.metric]}, category_id`,
    ].join('\n'),
    params,
    maxRows: q.limit,
  };
}

export function categoriesStatement(region: string): AnalyticsStatement {
  return {
    sql: `SELECT category_id, max(category_title) AS category_title FROM ${TABLE} WHERE region = ? GROUP BY category_id ORDER BY category_id`,
    params: [text(region)],
    maxRows: 10_000,
  };
}
