/**
 * The analytics snapshot `lakestep serve` reads: after each materialization the run that owns the
 * warehouse writes every analytics table as Parquet, to a temporary name then renamed over the last
 * one, so a reader sees either the previous complete file or the new one, never half of one
 * (docs/decisions/0021-serve-reads-parquet-snapshots.md).
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Warehouse } from '../catalog';
import type { LakePaths } from '../lake';
import { sqlIdent, sqlString } from '../sql';

export const snapshotDir = (paths: LakePaths) => join(paths.root, 'analytics', 'snapshot');
export const snapshotFile = (paths: LakePaths, table: string) => join(snapshotDir(paths), `${table}.parquet`);

// One export at a time per warehouse: the last one to finish started after the last MERGE committed.
const exporting = new WeakMap<Warehouse, Promise<void>>();
let sequence = 0;

export function exportAnalyticsSnapshot(warehouse: Warehouse): Promise<void> {
  const previous = exporting.get(warehouse) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => writeSnapshot(warehouse));
  exporting.set(warehouse, next);
  return next;
}

async function writeSnapshot(warehouse: Warehouse): Promise<void> {
  const dir = snapshotDir(warehouse.paths);
  await mkdir(dir, { recursive: true });
  const tables = (
    await warehouse.conn.runAndReadAll(
      "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'analytics' ORDER BY table_name",
    )
  ).getRowObjectsJS() as { table_name: string }[];
  for (const { table_name: table } of tables) {
    const tmp = join(dir, `.${table}.${process.pid}.${++sequence}.parquet.tmp`);
    try {
      await warehouse.conn.run(
        `COPY (SELECT * FROM analytics.${sqlIdent(table)}) TO ${sqlString(tmp)} (FORMAT parquet)`,
      );
      await rename(tmp, snapshotFile(warehouse.paths, table));
    } catch (e) {
      await rm(tmp, { force: true });
      throw new Error(
        `Could not write the analytics snapshot of ${table} to ${dir} for \`lakestep serve\`: ${(e as Error).message}`,
      );
    }
  }
}
