/** Powertools Logger and Metrics, built once per Lambda container, and the core ports over them. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Log, MetricsSink } from './core/ports';

export const logger = new Logger();
export const metrics = new Metrics();

export const log: Log = {
  info: (m, f) => logger.info(m, f ?? {}),
  warn: (m, f) => logger.warn(m, f ?? {}),
  error: (m, f) => logger.error(m, f ?? {}),
};

export const metricsSink: MetricsSink = {
  addDimensions: (d) => metrics.addDimensions(d),
  addMetric: (name, unit, value) => metrics.addMetric(name, MetricUnit[unit], value),
  publishStoredMetrics: () => metrics.publishStoredMetrics(),
};
