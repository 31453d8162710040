/** The local lake: one directory per stage under a root (default ./.lakestep), plus the runtime's own state. */
import { resolve } from 'node:path';
import type { LakeBuckets } from '../handlers/core/ports';
import { STAGES } from '../workflows/datasets';

export const DEFAULT_LAKE = '.lakestep';

export interface LakePaths {
  readonly root: string;
  readonly buckets: LakeBuckets;
  /** DuckDB database holding the catalog views and the analytics tables (the Athena stand-in). */
  readonly warehouse: string;
  readonly catalogDir: string;
  readonly executionsDir: string;
  readonly tmpDir: string;
}

export function lakePaths(root: string = DEFAULT_LAKE): LakePaths {
  const abs = resolve(root);
  return {
    root: abs,
    // Locally a bucket is a directory named after its stage.
    buckets: Object.fromEntries(STAGES.map((s) => [s, s])) as unknown as LakeBuckets,
    warehouse: resolve(abs, 'analytics', 'warehouse.duckdb'),
    catalogDir: resolve(abs, 'catalog'),
    executionsDir: resolve(abs, 'executions'),
    tmpDir: resolve(abs, 'tmp'),
  };
}
