/**
 * Log and metrics ports for local runs: the same structured log lines and CloudWatch EMF documents that
 * Powertools writes in Lambda, captured per execution into the store instead of stdout.
 */
import type { Log, MetricsSink, MetricUnit } from '../handlers/core/ports';

export const METRICS_NAMESPACE = 'lakestep';

export type LineSink = (line: Record<string, unknown>) => void;

export function capturedLog(service: string, sink: LineSink, now: () => Date = () => new Date()): Log {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    sink({ level, message, service, timestamp: now().toISOString(), ...(fields ?? {}) });
  return { info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}

/** Collects metrics and publishes them as one EMF document, as Powertools Metrics does. */
export function capturedMetrics(
  service: string,
  sink: LineSink,
  now: () => Date = () => new Date(),
): MetricsSink {
  let dimensions: Record<string, string> = {};
  let metrics: { name: string; unit: MetricUnit; value: number }[] = [];
  return {
    addDimensions(d) {
      dimensions = { ...dimensions, ...d };
    },
    addMetric(name, unit, value) {
      metrics.push({ name, unit, value });
    },
    publishStoredMetrics() {
      if (metrics.length === 0) return;
      const dims = { service, ...dimensions };
      const values: Record<string, number | number[]> = {};
      for (const m of metrics) {
        const prev = values[m.name];
        values[m.name] = prev === undefined ? m.value : ([] as number[]).concat(prev, m.value);
      }
      sink({
        _aws: {
          Timestamp: now().getTime(),
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [Object.keys(dims)],
              Metrics: [...new Map(metrics.map((m) => [m.name, { Name: m.name, Unit: m.unit }])).values()],
            },
          ],
        },
        ...dims,
        ...values,
      });
      metrics = [];
      dimensions = {};
    },
  };
}
