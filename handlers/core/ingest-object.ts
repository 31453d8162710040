/**
 * Ingest object: the first step of every execution. Classifies the landed object, rejects a bad object
 * whole (copied to quarantine with a reason file; the landed original is never touched), and stages a
 * good one as a batch: statistics are copied to bronze for the transform; category references are
 * parsed and staged as Parquet here (they are small and need no Glue job).
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { METRIC } from '../../workflows/alarms';
import { classify, expectedNames, partitionValueFor } from './classify';
import type { Batch, BatchSummary, IngestInput, IngestResult } from './contracts';
import { partitionPath, STAGED } from './contracts';
import { datasetOf } from './dataset-of';
import { capText, ObjectNotFoundError, ObjectTooLargeError } from './errors';
import { addDatasetDimensions } from './metrics';
import type { CorePorts, ObjectRef } from './ports';
import {
  type Category,
  decodeUtf8,
  EncodingProblem,
  type Problem,
  parseCategories,
  validateCsvObject,
} from './validate-object';

/** The longest detail a rejection's cause carries (the object's key comes on top). */
const DETAIL_CHARACTERS = 1000;

export async function ingestObject(input: IngestInput, ports: CorePorts): Promise<IngestResult> {
  const { storage, buckets, log, metrics } = ports;
  const landed: ObjectRef = { bucket: input.bucket, key: input.object.key };
  const where = `s3://${landed.bucket}/${landed.key}`;
  const c = classify(landed.key, ports.datasets);
  addDatasetDimensions(metrics, c.dataset ?? 'unknown', c.region);

  let sizeBytes = 0;
  const reject = async (reason: string, detail: string): Promise<IngestResult> => {
    // The detail is built from capped values already; capping it again bounds what any check may add.
    const cause = `Object ${where} was rejected (${reason}): ${capText(detail, DETAIL_CHARACTERS)}.`;
    const prefix = `objects/${landed.key}/${input.executionName}/`;
    await storage.copy(landed, { bucket: buckets.quarantine, key: `${prefix}${c.fileName}` });
    await storage.write(
      { bucket: buckets.quarantine, key: `${prefix}reason.json` },
      `${JSON.stringify({ object: where, reason, cause, execution: input.executionName, at: ports.clock.now().toISOString() }, null, 2)}\n`,
      'application/json',
    );
    log.warn('object rejected', { object: where, reason, cause });
    metrics.addMetric(METRIC.objectsRejected, 'Count', 1);
    return {
      status: 'rejected',
      dataset: c.dataset,
      region: c.region,
      regionLiteral: c.region ? `'${c.region}'` : null,
      objectKey: landed.key,
      sourceFile: c.fileName,
      reason,
      cause,
      batch: null,
      sizeBytes,
    };
  };

  const head = await storage.head(landed);
  if (!head) throw new ObjectNotFoundError(landed.bucket, landed.key, 'The landed object');
  sizeBytes = head.size;
  if (!c.dataset || !c.region)
    return reject(
      'unknown_dataset',
      `its name "${capText(c.fileName)}" matches no dataset (expected ${expectedNames(ports.datasets)})`,
    );
  if (head.size === 0) return reject('empty_object', 'it has zero bytes');

  const partition = partitionValueFor(landed.key, ports.datasets);
  const dataset = datasetOf(ports.datasets, c.dataset, landed.key);
  const batch: Batch = {
    id: input.executionName,
    dataset: c.dataset,
    region: c.region,
    sourceObject: landed.key,
    sourceFile: c.fileName,
    partition,
    sequencer: input.object.sequencer ?? '',
    // Keyed by batch: a redriven transform reads the version it was started for, never a newer one.
    bronze: {
      bucket: buckets.bronze,
      key: `${partitionPath(c.dataset, c.region, partition)}${input.executionName}/${c.fileName}`,
    },
    staging: {
      bucket: buckets.cleansed,
      prefix: `_staging/${c.dataset}/region=${c.region}/${input.executionName}/`,
    },
    ingestedAt: ports.clock.now().toISOString(),
  };

  let problem: Problem | null;
  if (dataset.format.kind === 'csv') {
    problem = await validateCsvObject(storage.read(landed), dataset.transform.rawColumns, dataset.format);
  } else if (dataset.format.kind === 'json') {
    problem = await stageCategories(landed, batch, ports); // WIP: the generic document staging replaces it
  } else {
    throw new Error(`WIP: format ${dataset.format.kind} is not read yet`);
  }
  if (problem) return reject(problem.reason, problem.detail);

  await storage.copy(landed, batch.bronze);
  log.info('object accepted', { object: where, dataset: c.dataset, region: c.region, batch: batch.id });
  metrics.addMetric(METRIC.objectsAccepted, 'Count', 1);
  return {
    status: 'accepted',
    dataset: c.dataset,
    region: c.region,
    regionLiteral: `'${c.region}'`,
    objectKey: landed.key,
    sourceFile: c.fileName,
    reason: null,
    cause: null,
    batch,
    sizeBytes,
  };
}

/** The most characters of a category reference held as one string (V8's limit is ~2^29). */
export const CATEGORY_TEXT_LIMIT = 2 ** 28;

/**
 * A category reference's text, or its encoding problem, or 'too_large' beyond `limit` characters. The
 * whole object is proven UTF-8 first (as the reference decodes it all), so a huge file that is not UTF-8
 * is still the data outcome `encoding`, and only a valid one too large to hold is a fault.
 */
export async function readCategoryText(
  chunks: AsyncIterable<Uint8Array>,
  limit = CATEGORY_TEXT_LIMIT,
): Promise<string | Problem | 'too_large'> {
  const parts: string[] = [];
  let length = 0;
  try {
    for await (const part of decodeUtf8(chunks)) {
      length += part.length;
      if (length <= limit) parts.push(part);
    }
  } catch (e) {
    if (e instanceof EncodingProblem)
      return { reason: 'encoding', detail: `it is not UTF-8 (${e.message}); re-export it as UTF-8` };
    throw e;
  }
  return length > limit ? 'too_large' : parts.join('');
}

/** Categories: parse, keep the last item per id (as a dict would), stage Parquet and the batch summary. */
async function stageCategories(landed: ObjectRef, batch: Batch, ports: CorePorts): Promise<Problem | null> {
  const read = await readCategoryText(ports.storage.read(landed));
  if (read === 'too_large')
    throw new ObjectTooLargeError(
      landed.bucket,
      landed.key,
      'The category reference',
      `${CATEGORY_TEXT_LIMIT} characters`,
    );
  if (typeof read !== 'string') return read;
  const parsed = parseCategories(read);
  if ('reason' in parsed) return parsed;
  const byId = new Map<bigint, Category>();
  for (const cat of parsed.categories) {
    byId.delete(cat.id); // a repeated id takes the later item's place, as the reference's dict does
    byId.set(cat.id, cat);
  }
  const rows = [...byId.values()];
  const data = parquetWriteBuffer({
    columnData: [
      { name: 'region', data: rows.map(() => batch.region), type: 'STRING', nullable: false },
      { name: 'category_id', data: rows.map((r) => r.id), type: 'INT64', nullable: false },
      { name: 'category_title', data: rows.map((r) => r.title), type: 'STRING', nullable: false },
      { name: 'assignable', data: rows.map((r) => r.assignable), type: 'BOOLEAN', nullable: true },
      { name: 'source_object', data: rows.map(() => batch.sourceObject), type: 'STRING', nullable: false },
    ],
  });
  const staging = (name: string): ObjectRef => ({
    bucket: batch.staging.bucket,
    key: `${batch.staging.prefix}${name}`,
  });
  await ports.storage.write(staging(STAGED.data), new Uint8Array(data), 'application/vnd.apache.parquet');
  const summary: BatchSummary = {
    batchId: batch.id,
    dataset: 'categories',
    region: batch.region,
    sourceObject: batch.sourceObject,
    read: parsed.categories.length,
    cleansed: rows.length,
    quarantined: 0,
    duplicates: parsed.categories.length - rows.length,
    rules: {},
    files: { data: STAGED.data, rejected: null },
  };
  await ports.storage.write(
    staging(STAGED.summary),
    `${JSON.stringify(summary, null, 2)}\n`,
    'application/json',
  );
  return null;
}
