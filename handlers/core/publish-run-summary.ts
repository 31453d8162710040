/** Publish run summary: records what a successful run did, beside the analytics, and emits its metrics. */
import { METRIC } from '../../workflows/alarms';
import type { Batch, QualityResult } from './contracts';
import { addDatasetDimensions } from './metrics';
import type { CorePorts } from './ports';

export interface RunSummaryInput {
  executionName: string;
  ingest: { objectKey: string; batch: Batch };
  quality: QualityResult;
  promotion: { cleansedPrefix: string; superseded?: boolean };
}

export async function publishRunSummary(
  input: RunSummaryInput,
  ports: CorePorts,
): Promise<{ summaryKey: string }> {
  const { batch } = input.ingest;
  const summaryKey = `_runs/${batch.dataset}/region=${batch.region}/${input.executionName}.json`;
  const summary = {
    execution: input.executionName,
    object: input.ingest.objectKey,
    dataset: batch.dataset,
    region: batch.region,
    rows: input.quality.rows,
    cleansed: input.promotion.cleansedPrefix,
    finishedAt: ports.clock.now().toISOString(),
  };
  await ports.storage.write(
    { bucket: ports.buckets.analytics, key: summaryKey },
    `${JSON.stringify(summary, null, 2)}\n`,
    'application/json',
  );
  // Rows read, cleansed and quarantined are counted once, at data quality; here what reached analytics.
  const { metrics } = ports;
  addDatasetDimensions(metrics, batch.dataset, batch.region);
  metrics.addMetric(
    METRIC.rowsPromoted,
    'Count',
    input.promotion.superseded ? 0 : input.quality.rows.cleansed,
  );
  // The freshness alarm counts these: one per dataset run that got all the way through.
  metrics.addMetric(METRIC.runsSucceeded, 'Count', 1);
  ports.log.info('run summary published', summary);
  return { summaryKey };
}
