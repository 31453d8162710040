/**
 * Quarantine batch: a batch that failed data quality goes to quarantine whole — its staged rows, its
 * quarantined rows, its summary and its DQ report — keyed by batch. Nothing is promoted, and the rows
 * of the object's last good version stay in cleansed.
 */
import { METRIC } from '../../workflows/alarms';
import type { Batch, QualityResult } from './contracts';
import { partitionPath } from './contracts';
import { addDatasetDimensions } from './metrics';
import type { CorePorts } from './ports';

export async function quarantineBatch(
  input: { batch: Batch; objectKey: string; quality: QualityResult },
  ports: CorePorts,
): Promise<{ quarantinePrefix: string }> {
  const { batch } = input;
  const { storage, buckets } = ports;
  const prefix = `batches/${partitionPath(batch.dataset, batch.region, batch.partition)}${batch.id}/`;
  // Everything staged for the batch, whatever the engine named it (files locally, part directories on Glue).
  for (const from of await storage.list(batch.staging.bucket, batch.staging.prefix))
    await storage.copy(from, {
      bucket: buckets.quarantine,
      key: `${prefix}${from.key.slice(batch.staging.prefix.length)}`,
    });
  await storage.write(
    { bucket: buckets.quarantine, key: `${prefix}reason.json` },
    `${JSON.stringify({ object: input.objectKey, batch: batch.id, reason: input.quality.reason, cause: input.quality.cause, rows: input.quality.rows }, null, 2)}\n`,
    'application/json',
  );
  addDatasetDimensions(ports.metrics, batch.dataset, batch.region);
  ports.metrics.addMetric(METRIC.batchesQuarantined, 'Count', 1);
  ports.log.warn('batch quarantined', {
    batch: batch.id,
    object: input.objectKey,
    reason: input.quality.reason,
  });
  return { quarantinePrefix: prefix };
}
