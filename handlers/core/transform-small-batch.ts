/**
 * Transform small batch: a dataset's transform for an object below the workflow's size threshold, in
 * a Lambda instead of a Glue job (decision 0026). Reads the bronze original with its format's reader (the
 * contract's lenient CSV reader, or handlers/core/records-of.ts for JSON Lines and Parquet), applies the
 * row rules in TypeScript, and writes the same staged batch as the Glue job and
 * the local DuckDB transform — data.parquet, rejected.parquet with each record's rule, summary.json — so
 * that data quality, promote, the catalog and replay do not know which path ran.
 */

import { transformedAtIngest } from '../../workflows/datasets';
import { SMALL_OBJECT_MAX_BYTES } from '../../workflows/small-objects';
import type { Batch, RowCounts } from './contracts';
import { CsvRecordReader } from './csv-records';
import { datasetOf } from './dataset-of';
import { ContractError, ObjectNotFoundError, ObjectTooLargeError } from './errors';
import type { CorePorts } from './ports';
import { type ObjectSource, readRecordsOf } from './records-of';
import { stageTransformed } from './stage-batch';
import { RecordTransform } from './transform-records';
import { decodeUtf8, EncodingProblem } from './validate-object';

export interface SmallTransformResult {
  /** Where the batch summary was written (the DQ step reads it). */
  readonly summaryKey: string;
  readonly rows: RowCounts;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$/;

/** The ingest step's instant (Date.toISOString) → microseconds since the epoch, keeping micros if given. */
export function ingestedAtMicros(value: string, objectKey: string): bigint {
  const m = ISO_INSTANT.exec(value);
  const ms = m ? Date.parse(`${value.slice(0, 19)}Z`) : Number.NaN;
  if (!m || Number.isNaN(ms))
    throw new ContractError(
      `The batch of ${objectKey} has ingestedAt ${JSON.stringify(value)}, not an ISO-8601 UTC instant; the ingest step writes one (rerun the object)`,
    );
  return BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0'));
}

export async function transformSmallBatch(
  input: { batch: Batch; objectKey: string },
  ports: CorePorts,
): Promise<SmallTransformResult> {
  const { batch, objectKey } = input;
  const { storage } = ports;
  const dataset = datasetOf(ports.datasets, batch.dataset, objectKey);
  if (transformedAtIngest(dataset))
    throw new ContractError(
      `Transform small batch got dataset ${batch.dataset} for ${objectKey}: a ${dataset.format.kind} document is transformed by the ingest step, not here; check the workflow's choice`,
    );
  const spec = dataset.transform;
  const head = await storage.head(batch.bronze);
  if (!head)
    throw new ObjectNotFoundError(
      batch.bronze.bucket,
      batch.bronze.key,
      `The bronze original of ${objectKey}`,
    );
  // Rows are held until the dedupe ends: the size bound keeps the Lambda's memory bounded.
  if (head.size > SMALL_OBJECT_MAX_BYTES)
    throw new ObjectTooLargeError(
      batch.bronze.bucket,
      batch.bronze.key,
      `The bronze original of ${objectKey}`,
      `${SMALL_OBJECT_MAX_BYTES} bytes (the Lambda transform's bound; larger objects go to the Glue job)`,
    );

  const transform = new RecordTransform(spec, {
    region: batch.region,
    sourceObject: batch.sourceObject,
    ingestedAt: ingestedAtMicros(batch.ingestedAt, objectKey),
  });
  if (dataset.format.kind === 'csv') {
    const reader = new CsvRecordReader((fields) => transform.push(fields), dataset.format);
    try {
      for await (const text of decodeUtf8(storage.read(batch.bronze))) reader.push(text);
    } catch (e) {
      if (!(e instanceof EncodingProblem)) throw e;
      throw new ContractError(
        `The bronze original s3://${batch.bronze.bucket}/${batch.bronze.key} of ${objectKey} is not UTF-8 (${e.message}); the ingest step should have rejected it: check that bronze holds what ingest accepted, then rerun the object`,
      );
    }
    reader.end();
  } else {
    // The object is below the size bound, so a Parquet file is held whole (its footer is read first).
    const source: ObjectSource = {
      chunks: () => storage.read(batch.bronze),
      buffer: async () => {
        const bytes = await storage.readBytes(batch.bronze);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      },
    };
    await readRecordsOf(
      dataset.format,
      spec.rawColumns,
      source,
      { record: (fields) => transform.push(fields), broken: (rule, raw) => transform.pushBroken(rule, raw) },
      `The bronze original s3://${batch.bronze.bucket}/${batch.bronze.key} of ${objectKey}`,
    );
  }
  const result = transform.result();

  const { summaryKey, rows } = await stageTransformed(spec, batch, result, ports);
  ports.log.info('batch transformed', { object: objectKey, batch: batch.id, engine: 'lambda', ...rows });
  return { summaryKey, rows };
}
