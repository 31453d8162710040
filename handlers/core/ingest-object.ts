/**
 * Ingest object: the first step of every execution. Classifies the landed object, rejects a bad object
 * whole (copied to quarantine with a reason file; the landed original is never touched), and stages a
 * good one as a batch: copied to bronze for the transform path, or, for a `json` document dataset,
 * transformed and staged here (handlers/core/ingest-document.ts: a document is held whole, no Glue job).
 */
import { METRIC } from '../../workflows/alarms';
import { classify, expectedNames, partitionValueFor } from './classify';
import type { Batch, IngestInput, IngestResult } from './contracts';
import { partitionPath } from './contracts';
import { datasetOf } from './dataset-of';
import { capText, ObjectNotFoundError } from './errors';
import { checkObjectFormat } from './format-check';
import { stageDocument } from './ingest-document';
import { addDatasetDimensions } from './metrics';
import type { CorePorts, ObjectRef } from './ports';
import { type Problem, validateCsvObject } from './validate-object';

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
    problem = await stageDocument(landed, batch, dataset, ports);
  } else {
    problem = await checkObjectFormat(storage.read(landed), dataset);
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
