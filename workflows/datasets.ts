/**
 * The datasets of the YouTube-trending pipeline: how landed objects map to datasets, the raw columns,
 * the typed schema, the row rules (in the order they are checked), the dedupe order and the layout.
 * This is the transform spec: DuckDB executes it locally, the Glue script executes it on AWS.
 */
import type { ColumnType } from './column-types';
import type { RowRule } from './row-rules';

/** A dataset's name: its cleansed table, its prefix in every stage and its metric dimension. */
export type DatasetName = string;

/** What a dataset's name may be: a table name in DuckDB, Glue and Athena alike, and a safe key prefix. */
export const DATASET_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** What a partition value may be (a region code, a route's fixed value): a safe key segment and SQL literal. */
export const PARTITION_VALUE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Which landed objects belong to a dataset, by their file name (the key's last segment), and the
 * partition value an object's rows get: the name's group `partition`, lower-cased (the region of a
 * YouTube file), or the route's fixed `partition` for a dataset kept whole (every object one partition).
 */
export interface DatasetRoute {
  readonly fileName: RegExp;
  /** The partition value of every object when `fileName` has no group `partition`. */
  readonly partition?: string;
  /** Landing prefix that `lakestep run --data` lands files under: `<prefix>/region=<value>/<file>`. */
  readonly landingPrefix: string;
  /** The pattern in words, for the message that rejects a name matching no route: `<CC>videos*.csv`. */
  readonly describe: string;
  /** File names the route must match (checked by `npm run asl` and `cdk synth`). */
  readonly examples: readonly string[];
}

/**
 * How a dataset's objects are written (decision 0034). Every format is decoded into the same records
 * of text fields in `rawColumns` order, so the row rules, types, derived columns and dedupe run alike on
 * every engine whatever the format:
 * - `csv`: UTF-8 text (a BOM is fine), a header record equal to `rawColumns`, read as Python's
 *   `csv.reader` reads it with this dialect: `delimiter` (default `,`) and `quote` (default `"`, doubled
 *   inside a quoted field), each one ASCII character other than CR and LF, the two different.
 * - `jsonLines`: UTF-8 text, one JSON object per line (blank lines skipped); a line that is not an object
 *   of the declared shape is quarantined with the rule `record_shape`.
 * - `json`: one UTF-8 JSON document whose records are the array at `records` (a dot path; `''` for a
 *   top-level array). It is held whole (a reference list, an API page), so the ingest step transforms
 *   it itself, no Glue job. `onBadRecord: 'reject'` rejects the whole object (`reference_shape`) when a
 *   record is out of shape or breaks a row rule, as a reference list must be whole; default `quarantine`.
 * - `parquet`: a Parquet file whose columns include `rawColumns`, each a flat column of a scalar type
 *   (else the object is rejected, `parquet_shape`); each value becomes text as
 *   handlers/core/parquet-records.ts says: integers exact, floats as a JSON number's text, DECIMAL
 *   exactly at its scale, DATE `YYYY-MM-DD`, TIMESTAMP an ISO-8601 instant, null empty.
 * For the JSON formats, `fields` says where each raw column's value is in a record (absent: the key of
 * the column's name), and a value becomes text as handlers/core/json-records.ts says.
 */
export type DatasetFormat =
  | { readonly kind: 'csv'; readonly delimiter?: string; readonly quote?: string }
  | { readonly kind: 'jsonLines'; readonly fields?: Readonly<Record<string, JsonField>> }
  | {
      readonly kind: 'json';
      readonly records: string;
      readonly fields?: Readonly<Record<string, JsonField>>;
      readonly onBadRecord?: 'quarantine' | 'reject';
    }
  | { readonly kind: 'parquet' };

/**
 * Where a raw column's value is in a JSON record: a dot path (`snippet.title`), or the path with the
 * JSON type the value must have. `required`: a record whose value is missing, null or of another type
 * is out of shape; otherwise such a value is an empty field (NULL), as an empty CSV field is.
 */
export type JsonField =
  | string
  | {
      readonly path: string;
      readonly type?: 'string' | 'number' | 'boolean';
      readonly required?: boolean;
    };

/** The rule a record out of its JSON format's shape is quarantined under (no row rule may take its name). */
export const RECORD_SHAPE = 'record_shape';

/** A format's kind, for the messages and the choices that depend only on it. */
export type FormatKind = DatasetFormat['kind'];

/** The CSV dialect of RFC 4180: what a dataset without a `format` is read as. */
export const CSV: DatasetFormat = { kind: 'csv' };

/**
 * A dataset of the workflow: its route, its format, its transform spec (row rules, typed schema,
 * dedupe: DuckDB locally, the Lambda for small objects, Glue for large ones, the ingest step for a
 * `json` document) and its batch DQ rules.
 */
export interface Dataset {
  readonly name: DatasetName;
  readonly format: DatasetFormat;
  readonly route: DatasetRoute;
  readonly transform: TransformSpec;
  /** Batch DQ rules; absent: BATCH_DQ_RULES. */
  readonly batchRules?: readonly BatchDqRule[];
}

/** A `json` document is transformed by the ingest step itself; every other format by the transform path. */
export function transformedAtIngest(dataset: Dataset): boolean {
  return dataset.format.kind === 'json';
}

/** Where objects whose name maps to no dataset are landed (and then rejected). */
export const UNKNOWN_PREFIX = 'unknown';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

export type { RowRule } from './row-rules';

/** Values of the batch rather than of a record: the partition the object landed in, its key, its ingest time. */
export const BATCH_VALUES = ['region', 'sourceObject', 'ingestedAt'] as const;
export type BatchValue = (typeof BATCH_VALUES)[number];

/**
 * A typed column of a cleansed table and where its value comes from: a raw column's text typed by the
 * column's type (the record has passed every rule by then), or a value of the batch. Every engine types
 * it the same way: VARCHAR as is, BIGINT as a signed integer, DATE in `dateFormat` (a format of
 * workflows/row-rules.ts `date`), TIMESTAMP as an ISO-8601 instant, BOOLEAN by its `booleans` spellings
 * (anything else is NULL), DECIMAL(p,s) exactly (a `decimal` rule on its raw column makes the text fit).
 */
export interface SchemaColumn extends Column {
  /** The raw column it is typed from; default: the raw column of the same name. */
  readonly raw?: string;
  /** Set instead of `raw`: the batch value the column holds. */
  readonly batch?: BatchValue;
  /** DATE columns: the format of the raw text. */
  readonly dateFormat?: string;
  /** BOOLEAN columns: the spellings of true and of false. */
  readonly booleans?: { readonly true: readonly string[]; readonly false: readonly string[] };
  /**
   * Set instead of `raw`/`batch`: an expression over the typed columns before it in the schema (not the
   * batch values), in the shared SQL subset of workflows/expressions.ts, e.g. `amount_cents * 0.01`
   * for a DECIMAL(18,2). Every engine evaluates it alike (decision 0031).
   */
  readonly derived?: string;
}

export interface TransformSpec {
  readonly name: string;
  readonly rawColumns: readonly string[];
  readonly rules: readonly RowRule[];
  /** Typed columns of cleansed.statistics, in table order. */
  readonly schema: readonly SchemaColumn[];
  /** Key of the dedupe, and the order whose greatest row is kept. */
  readonly dedupeKey: readonly string[];
  readonly dedupeOrder: readonly string[];
  /** Which record a tie on the dedupe order keeps: the first (default) or the last, as a dict would. */
  readonly dedupeKeep?: 'first' | 'last';
  readonly partitionBy: readonly string[];
}

/** The raw column a schema column is typed from, or null for a batch value or a derived column. */
export function rawSourceOf(column: SchemaColumn): string | null {
  return column.batch || column.derived !== undefined ? null : (column.raw ?? column.name);
}

/** The spellings of the real files' booleans. */
const TRUE_FALSE = { true: ['True', 'TRUE'], false: ['False', 'FALSE'] } as const;

export const STATISTICS: TransformSpec = {
  name: 'statistics',
  rawColumns: [
    'video_id',
    'trending_date',
    'title',
    'channel_title',
    'category_id',
    'publish_time',
    'tags',
    'views',
    'likes',
    'dislikes',
    'comment_count',
    'thumbnail_link',
    'comments_disabled',
    'ratings_disabled',
    'video_error_or_removed',
    'description',
  ],
  rules: [
    { name: 'field_count', kind: 'fieldCount', expected: 16 },
    { name: 'video_id', kind: 'pattern', column: 'video_id', pattern: '^[A-Za-z0-9_-]{11}$' },
    { name: 'trending_date', kind: 'yyddmmDate', column: 'trending_date' },
    { name: 'publish_time', kind: 'isoInstant', column: 'publish_time' },
    {
      name: 'counts',
      kind: 'unsignedInteger',
      columns: ['category_id', 'views', 'likes', 'dislikes', 'comment_count'],
    },
  ],
  schema: [
    { name: 'region', type: 'VARCHAR', batch: 'region' },
    { name: 'video_id', type: 'VARCHAR' },
    { name: 'trending_date', type: 'DATE', dateFormat: '%y.%d.%m' },
    { name: 'title', type: 'VARCHAR' },
    { name: 'channel_title', type: 'VARCHAR' },
    { name: 'category_id', type: 'BIGINT' },
    { name: 'publish_time', type: 'TIMESTAMP' },
    { name: 'tags', type: 'VARCHAR' },
    { name: 'views', type: 'BIGINT' },
    { name: 'likes', type: 'BIGINT' },
    { name: 'dislikes', type: 'BIGINT' },
    { name: 'comment_count', type: 'BIGINT' },
    { name: 'comments_disabled', type: 'BOOLEAN', booleans: TRUE_FALSE },
    { name: 'ratings_disabled', type: 'BOOLEAN', booleans: TRUE_FALSE },
    { name: 'video_error_or_removed', type: 'BOOLEAN', booleans: TRUE_FALSE },
    { name: 'description', type: 'VARCHAR' },
    { name: 'source_object', type: 'VARCHAR', batch: 'sourceObject' },
    { name: 'ingested_at', type: 'TIMESTAMP', batch: 'ingestedAt' },
  ],
  dedupeKey: ['region', 'video_id', 'trending_date'],
  dedupeOrder: ['views', 'likes', 'dislikes', 'comment_count', 'category_id'],
  partitionBy: ['region', 'source_file'],
};

/**
 * A region's category reference (the YouTube API's list): an id that is a JSON string of digits below
 * 2^63, a string title, an `assignable` flag when it is a boolean; a repeated id takes the later item's
 * place, as the reference program's dict does.
 */
export const CATEGORIES: TransformSpec = {
  name: 'categories',
  rawColumns: ['id', 'title', 'assignable'],
  rules: [{ name: 'category_id', kind: 'unsignedInteger', columns: ['id'] }],
  schema: [
    { name: 'region', type: 'VARCHAR', batch: 'region' },
    { name: 'category_id', type: 'BIGINT', raw: 'id' },
    { name: 'category_title', type: 'VARCHAR', raw: 'title' },
    {
      name: 'assignable',
      type: 'BOOLEAN',
      raw: 'assignable',
      booleans: { true: ['true'], false: ['false'] },
    },
    { name: 'source_object', type: 'VARCHAR', batch: 'sourceObject' },
  ],
  dedupeKey: ['region', 'category_id'],
  dedupeOrder: [],
  dedupeKeep: 'last',
  partitionBy: ['region', 'source_file'],
};

/** Object-level reasons for rejecting a landed object (the reference's reason codes). */
export const REJECTION_REASONS = [
  'unknown_dataset',
  'empty_object',
  'encoding',
  'header_mismatch',
  'reference_shape',
  'parquet_shape',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Batch data-quality rules, evaluated against the batch summary the transform writes. */
export interface BatchDqRule {
  readonly name: 'zero_rows' | 'quarantined_share';
  readonly severity: 'error' | 'warn';
  readonly description: string;
  /** quarantined_share: the largest allowed share of quarantined rows among rows read. */
  readonly threshold?: number;
}

export const BATCH_DQ_RULES: readonly BatchDqRule[] = [
  { name: 'zero_rows', severity: 'error', description: 'no row survives the row rules' },
  {
    name: 'quarantined_share',
    severity: 'error',
    threshold: 0.05,
    description: 'more than 5% of the rows read were quarantined',
  },
];

/** The lake's stages: S3 buckets on AWS, directories under the lake root locally. */
export const STAGES = ['landing', 'bronze', 'cleansed', 'analytics', 'quarantine'] as const;
export type Stage = (typeof STAGES)[number];

/** The YouTube trending datasets: daily statistics files and each region's category reference. */
export const YOUTUBE_DATASETS: readonly Dataset[] = [
  {
    name: 'statistics',
    format: CSV,
    route: {
      fileName: /^(?<partition>[A-Z]{2})videos[^/]*\.csv$/,
      landingPrefix: 'raw_statistics',
      describe: '<CC>videos*.csv',
      examples: ['USvideos.csv', 'GBvideos_2018-02-01.csv'],
    },
    transform: STATISTICS,
  },
  {
    name: 'categories',
    format: {
      kind: 'json',
      records: 'items',
      fields: {
        id: { path: 'id', type: 'string', required: true },
        title: { path: 'snippet.title', type: 'string', required: true },
        assignable: { path: 'snippet.assignable', type: 'boolean' },
      },
      onBadRecord: 'reject',
    },
    route: {
      fileName: /^(?<partition>[A-Z]{2})_category_id[^/]*\.json$/,
      landingPrefix: 'raw_statistics_reference_data',
      describe: '<CC>_category_id*.json',
      examples: ['US_category_id.json'],
    },
    transform: CATEGORIES,
  },
];

/** The typed columns of a dataset's cleansed table, in table order. */
export function cleansedSchema(dataset: Dataset): readonly Column[] {
  return dataset.transform.schema;
}

/** The partition keys of a dataset's cleansed table. */
export function partitionKeysOf(dataset: Dataset): readonly string[] {
  return dataset.transform.partitionBy;
}

/** The dataset of that name, or an error that names the object and the workflow's datasets. */
export function datasetNamed(datasets: readonly Dataset[], name: string, what: string): Dataset {
  const found = datasets.find((d) => d.name === name);
  if (!found)
    throw new Error(
      `${what} names dataset "${name}", which the workflow does not have (it has ${datasets.map((d) => d.name).join(', ')})`,
    );
  return found;
}
