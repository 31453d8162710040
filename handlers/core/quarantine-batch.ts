/**
 * Quarantine batch: a batch that failed data quality goes to quarantine whole — its staged rows, its
 * quarantined rows, its summary and its DQ report — keyed by batch. Nothing is promoted, and the rows
 * of the object's last good version stay in cleansed.
 */
import type { Batch, QualityResult } from './contracts';
import { partitionPath, STAGED } from './contracts';
import type { CorePorts } from './ports';

export async function quarantineBatch(
  input: { batch: Batch; objectKey: string; quality: QualityResult },
  ports: CorePorts,
): Promise<{ quarantinePrefix: string }> {
  const { batch } = input;
  const { storage, buckets } = ports;
  const prefix = `batches/${partitionPath(batch.dataset, batch.region, batch.partition)}${batch.id}/`;
  for (const name of [STAGED.data, STAGED.rejected, STAGED.summary, STAGED.dqReport]) {
    const from = { bucket: batch.staging.bucket, key: `${batch.staging.prefix}${name}` };
    if (await storage.head(from))
      await storage.copy(from, { bucket: buckets.quarantine, key: `${prefix}${name}` });
  }
  await storage.write(
    { bucket: buckets.quarantine, key: `${prefix}reason.json` },
    `${JSON.stringify({ object: input.objectKey, batch: batch.id, reason: input.quality.reason, cause: input.quality.cause, rows: input.quality.rows }, null, 2)}\n`,
    'application/json',
  );
  ports.metrics.addDimensions({ dataset: batch.dataset });
  ports.metrics.addMetric('BatchesQuarantined', 'Count', 1);
  ports.log.warn('batch quarantined', {
    batch: batch.id,
    object: input.objectKey,
    reason: input.quality.reason,
  });
  return { quarantinePrefix: prefix };
}
