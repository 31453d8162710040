/**
 * The shapes that travel between states, as zod schemas: the single statement of each handler's input
 * and result. Handler adapters parse with them; the ASL's ResultSelectors list the result fields.
 */
import { z } from 'zod';
import { DATASET_NAME, PARTITION_VALUE } from '../../workflows/datasets';

export const objectRefSchema = z.object({ bucket: z.string().min(1), key: z.string().min(1) });

export const batchSchema = z.object({
  id: z.string().min(1),
  dataset: z.string().regex(DATASET_NAME),
  region: z.string().regex(PARTITION_VALUE),
  sourceObject: z.string().min(1),
  sourceFile: z.string().min(1),
  /** Value of the `source_file=` partition: the file name, plus a hash of the key when the key is not the canonical landing key. */
  partition: z.string().min(1),
  /** S3's sequencer of the landed object version: orders versions of one key ('' when unknown). */
  sequencer: z.string(),
  bronze: objectRefSchema,
  staging: z.object({ bucket: z.string().min(1), prefix: z.string().min(1) }),
  ingestedAt: z.string(),
});
export type Batch = z.infer<typeof batchSchema>;

export const ingestInputSchema = z.object({
  bucket: z.string().min(1),
  object: z
    .object({ key: z.string().min(1), size: z.number().optional(), sequencer: z.string().optional() })
    .passthrough(),
  executionName: z.string().min(1),
});
export type IngestInput = z.infer<typeof ingestInputSchema>;

export interface IngestResult {
  status: 'accepted' | 'rejected';
  dataset: string | null;
  region: string | null;
  /** The region as a SQL string literal ('us'), for the Athena statements. */
  regionLiteral: string | null;
  objectKey: string;
  sourceFile: string;
  reason: string | null;
  cause: string | null;
  batch: Batch | null;
  /** The landed object's size: the "Small object?" choice picks the Lambda or the Glue transform by it. */
  sizeBytes: number;
}

export const rowCountsSchema = z.object({
  read: z.number().int().nonnegative(),
  cleansed: z.number().int().nonnegative(),
  quarantined: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
});
export type RowCounts = z.infer<typeof rowCountsSchema>;

/** Written by the transform (or the categories ingest) beside the staged batch: `summary.json`. */
export const batchSummarySchema = rowCountsSchema.extend({
  batchId: z.string(),
  dataset: z.string().regex(DATASET_NAME),
  region: z.string(),
  sourceObject: z.string(),
  rules: z.record(z.string(), z.number().int().nonnegative()),
  files: z.object({ data: z.string(), rejected: z.string().nullable() }),
});
export type BatchSummary = z.infer<typeof batchSummarySchema>;

export const batchInputSchema = z.object({ batch: batchSchema, objectKey: z.string() });

export interface QualityResult {
  passed: boolean;
  reason: string | null;
  cause: string | null;
  failedRules: string[];
  rows: RowCounts;
}

export const qualityResultSchema = z.object({
  passed: z.boolean(),
  reason: z.string().nullable(),
  cause: z.string().nullable(),
  failedRules: z.array(z.string()),
  rows: rowCountsSchema,
});

export const quarantineInputSchema = batchInputSchema.extend({ quality: qualityResultSchema });

export const summaryInputSchema = z.object({
  executionName: z.string(),
  ingest: z
    .object({
      objectKey: z.string(),
      dataset: z.string().nullable(),
      region: z.string().nullable(),
      batch: batchSchema,
    })
    .passthrough(),
  quality: qualityResultSchema,
  promotion: z.object({ cleansedPrefix: z.string() }).passthrough(),
});

/** Staging layout of a batch: one place that every step and the transform agree on. */
export const STAGED = {
  data: 'data.parquet',
  rejected: 'rejected.parquet',
  summary: 'summary.json',
  dqReport: 'dq-report.json',
} as const;

export const partitionPath = (dataset: string, region: string, sourceFile: string) =>
  `${dataset}/region=${region}/source_file=${sourceFile}/`;
