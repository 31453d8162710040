/**
 * Turns the YouTube Data API's answers into the two files the pipeline already knows: the region's
 * statistics CSV (the 16 contract columns, in order) and its category JSON (the API's own answer, which
 * is exactly the category files' shape). A video missing a field the CSV needs is skipped and counted.
 */
import { STATISTICS } from '../../workflows/datasets';
import { everyCode, isDigitCode, isDigits } from './text-scan';

export interface TrendingCsv {
  readonly fileName: string;
  readonly content: string;
  readonly videos: number;
  /** Videos left out, by the reason (`missing id`, `missing snippet.title`, …). */
  readonly skipped: Readonly<Record<string, number>>;
}

/** `YYYY-MM-DD` → the contract's `YY.DD.MM`; throws on an impossible date or one outside 2000–2099. */
export function trendingDateOf(isoDate: string): string {
  const m = /^(20\d\d)-(\d\d)-(\d\d)$/.exec(isoDate);
  const d = m ? new Date(`${isoDate}T00:00:00Z`) : null;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== isoDate)
    throw new Error(`--date ${isoDate} is not a real date YYYY-MM-DD in 2000–2099`);
  return `${m[1]?.slice(2)}.${m[3]}.${m[2]}`;
}

export const statisticsFileName = (region: string, isoDate: string) => `${region}videos_${isoDate}.csv`;
export const categoriesFileName = (region: string) => `${region}_category_id.json`;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field as text: strings as given, numbers as digits; anything else is not usable. */
function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** `2017-11-13T17:13:01`: a fixed-length pattern, only ever tried on 19 characters. */
const WHOLE_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/;

/** The API's `publishedAt` (`…T17:13:01Z`) in the Kaggle files' form (`…T17:13:01.000Z`). */
function publishTime(v: string): string {
  // A fraction of any length is kept as given (a scan, not a `\d+` pattern: the value is the API's).
  if (
    v.length > 20 &&
    v.endsWith('Z') &&
    v[19] === '.' &&
    isDigits(v.slice(20, -1)) &&
    WHOLE_SECONDS.test(v.slice(0, 19))
  )
    return v;
  if (v.length === 20 && v.endsWith('Z') && WHOLE_SECONDS.test(v.slice(0, 19)))
    return `${v.slice(0, -1)}.000Z`;
  const t = Date.parse(v);
  // Anything else goes through as given: the pipeline's publish_time rule quarantines it visibly.
  return Number.isNaN(t) ? v : new Date(t).toISOString();
}

/** RFC 4180 quoting for text; the pipeline (and Python's csv) read it back unchanged. */
function quoted(v: string): string {
  return `"${v.replaceAll('"', '""')}"`;
}

/** A–Z, a–z, 0–9 and `_.:/+-`: the characters a plain field may hold unquoted. */
const isPlainCode = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || isDigitCode(c) || PLAIN_PUNCTUATION.has(c);
const PLAIN_PUNCTUATION = new Set([...'_.:/+-'].map((ch) => ch.charCodeAt(0)));

/** A value that should be plain (an id, a count, a URL) is quoted only when it must be. */
function field(v: string): string {
  return everyCode(v, isPlainCode) ? v : quoted(v);
}

const bool = (b: boolean) => (b ? 'True' : 'False');

/** One CSV record for a `videos.list` item, or why it cannot be one. */
export function videoRecord(item: unknown, trendingDate: string): { record: string } | { skip: string } {
  if (!isObject(item)) return { skip: 'not an object' };
  const id = text(item.id);
  if (!id) return { skip: 'missing id' };
  const snippet = item.snippet;
  if (!isObject(snippet)) return { skip: 'missing snippet' };
  const stats = item.statistics;
  if (!isObject(stats)) return { skip: 'missing statistics' };
  const title = text(snippet.title);
  if (title === null) return { skip: 'missing snippet.title' };
  const channel = text(snippet.channelTitle);
  if (channel === null) return { skip: 'missing snippet.channelTitle' };
  const category = text(snippet.categoryId);
  if (category === null) return { skip: 'missing snippet.categoryId' };
  const published = text(snippet.publishedAt);
  if (published === null) return { skip: 'missing snippet.publishedAt' };
  const views = text(stats.viewCount);
  if (views === null) return { skip: 'missing statistics.viewCount' };
  const likes = text(stats.likeCount);
  const comments = text(stats.commentCount);
  const tags = Array.isArray(snippet.tags) ? snippet.tags.filter((t) => typeof t === 'string') : [];
  const thumbnails = isObject(snippet.thumbnails) ? snippet.thumbnails : {};
  const thumbnail = isObject(thumbnails.default) ? (text(thumbnails.default.url) ?? '') : '';
  const fields = [
    field(id),
    trendingDate,
    quoted(title),
    quoted(channel),
    field(category),
    field(publishTime(published)),
    // Kaggle's scraper wrote the tags as "a"|"b" and `[none]` for none; a plain `a|b` reads the same way.
    quoted(tags.length ? tags.join('|') : '[none]'),
    field(views),
    field(likes ?? '0'),
    // The API stopped returning dislikes in December 2021: the column holds 0 for fetched days.
    field(text(stats.dislikeCount) ?? '0'),
    field(comments ?? '0'),
    field(thumbnail),
    bool(comments === null),
    bool(likes === null),
    'False',
    quoted(text(snippet.description) ?? ''),
  ];
  return { record: fields.join(',') };
}

/** The statistics CSV of a region's chart on a day. */
export function trendingCsv(region: string, isoDate: string, items: readonly unknown[]): TrendingCsv {
  const trendingDate = trendingDateOf(isoDate);
  const records: string[] = [STATISTICS.rawColumns.join(',')];
  const skipped: Record<string, number> = {};
  for (const item of items) {
    const r = videoRecord(item, trendingDate);
    if ('skip' in r) skipped[r.skip] = (skipped[r.skip] ?? 0) + 1;
    else records.push(r.record);
  }
  return {
    fileName: statisticsFileName(region, isoDate),
    content: `${records.join('\n')}\n`,
    videos: records.length - 1,
    skipped,
  };
}

/** The categories file: the API's answer as is, once it is known to hold an `items` list. */
export function categoriesJson(
  region: string,
  body: Record<string, unknown>,
): { fileName: string; content: string } {
  if (!Array.isArray(body.items))
    throw new Error(`videoCategories.list for ${region} answered without an "items" list`);
  return { fileName: categoriesFileName(region), content: `${JSON.stringify(body, null, 1)}\n` };
}
