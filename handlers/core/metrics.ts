/**
 * The dimensions of the pipeline's metrics, in one place: every data metric is published for the
 * dataset (what alarms watch) and for the dataset and region (what the dashboard can break down).
 * Both are low-cardinality: a handful of datasets, two-letter regions.
 */
import type { MetricsSink } from './ports';

export function addDatasetDimensions(metrics: MetricsSink, dataset: string, region: string | null): void {
  metrics.addDimensions({ dataset });
  if (region) metrics.addDimensions({ dataset, region });
}
