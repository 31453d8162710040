/**
 * Log and metrics ports for local runs: the same structured log lines and CloudWatch EMF documents that
 * Powertools writes in Lambda, captured per execution into the store instead of stdout. `lakestep
 * status` evaluates the generated alarms over these EMF lines (local/health.ts).
 */
import type { Log, MetricsSink, MetricUnit } from '../handlers/core/ports';
import { METRICS_SERVICE } from '../workflows/alarms';

/** The local stand-in for the stage's metrics namespace (on AWS: the stage's name prefix). */
export const METRICS_NAMESPACE = 'lakestep';

export type LineSink = (line: Record<string, unknown>) => void;

export function capturedLog(service: string, sink: LineSink, now: () => Date = () => new Date()): Log {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    sink({ level, message, service, timestamp: now().toISOString(), ...(fields ?? {}) });
  return { info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}

/**
 * Collects metrics and publishes them as one EMF document, as Powertools Metrics 2.x does: the
 * `service` dimension is every function's POWERTOOLS_SERVICE_NAME, each addDimensions call adds a
 * dimension set, and the function that emitted the document is a plain property (not a dimension).
 */
export function capturedMetrics(
  functionName: string,
  sink: LineSink,
  now: () => Date = () => new Date(),
): MetricsSink {
  let dimensionSets: Record<string, string>[] = [];
  let metrics: { name: string; unit: MetricUnit; value: number }[] = [];
  return {
    addDimensions(d) {
      dimensionSets.push({ ...d });
    },
    addMetric(name, unit, value) {
      metrics.push({ name, unit, value });
    },
    publishStoredMetrics() {
      if (metrics.length === 0) return;
      const service = { service: METRICS_SERVICE };
      const sets = dimensionSets.length
        ? dimensionSets.map((set) => [...new Set(['service', ...Object.keys(set)])])
        : [['service']];
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
              Dimensions: sets,
              Metrics: [...new Map(metrics.map((m) => [m.name, { Name: m.name, Unit: m.unit }])).values()],
            },
          ],
        },
        function: functionName,
        ...service,
        ...Object.assign({}, ...dimensionSets),
        ...values,
      });
      metrics = [];
      dimensionSets = [];
    },
  };
}
