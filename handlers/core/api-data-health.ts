/** The data-health view: batch outcomes (passed or quarantined) summed per day, filtered by region and range. */
import type { DataHealthQuery } from './api-contract';
import type { BatchOutcome } from './api-ports';

export interface HealthDay {
  day: string;
  runs: number;
  batchesPassed: number;
  batchesQuarantined: number;
  rowsRead: number;
  rowsCleansed: number;
  rowsQuarantined: number;
  quarantinedShare: number;
}

export function dataHealthDays(outcomes: readonly BatchOutcome[], q: DataHealthQuery): HealthDay[] {
  const days = new Map<string, HealthDay>();
  for (const o of outcomes) {
    const day = o.at.slice(0, 10);
    if (q.region !== undefined && o.region !== q.region) continue;
    if ((q.from !== undefined && day < q.from) || (q.to !== undefined && day > q.to)) continue;
    const d = days.get(day) ?? {
      day,
      runs: 0,
      batchesPassed: 0,
      batchesQuarantined: 0,
      rowsRead: 0,
      rowsCleansed: 0,
      rowsQuarantined: 0,
      quarantinedShare: 0,
    };
    d.runs++;
    if (o.outcome === 'passed') d.batchesPassed++;
    else d.batchesQuarantined++;
    d.rowsRead += o.rows.read;
    d.rowsCleansed += o.rows.cleansed;
    d.rowsQuarantined += o.rows.quarantined;
    d.quarantinedShare = d.rowsRead === 0 ? 0 : d.rowsQuarantined / d.rowsRead;
    days.set(day, d);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}
