/** Publish run summary: records what a successful run did, beside the analytics, and emits its metrics. */
import type { Batch, QualityResult } from './contracts';
import type { CorePorts } from './ports';

export interface RunSummaryInput {
  executionName: string;
  ingest: { objectKey: string; batch: Batch };
  quality: QualityResult;
  promotion: { cleansedPrefix: string };
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
  const { metrics } = ports;
  metrics.addDimensions({ dataset: batch.dataset });
  metrics.addMetric('RowsRead', 'Count', input.quality.rows.read);
  metrics.addMetric('RowsCleansed', 'Count', input.quality.rows.cleansed);
  metrics.addMetric('RowsQuarantined', 'Count', input.quality.rows.quarantined);
  metrics.addMetric('RowsDuplicate', 'Count', input.quality.rows.duplicates);
  metrics.addMetric(
    'QuarantinedShare',
    'Percent',
    input.quality.rows.read === 0 ? 0 : (100 * input.quality.rows.quarantined) / input.quality.rows.read,
  );
  metrics.addMetric('RunsSucceeded', 'Count', 1);
  ports.log.info('run summary published', summary);
  return { summaryKey };
}
