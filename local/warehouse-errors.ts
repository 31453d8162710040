/**
 * What a failure to open the lake's DuckDB warehouse means, told apart by DuckDB's own words: another
 * process holding its lock, or a file that is not (or no longer) a valid database. Matching a bare
 * "lock" would also match the "block" of DuckDB's checksum error and call a corrupt file busy.
 */
import type { LakePaths } from './lake';

export type WarehouseTrouble = 'in_use' | 'corrupt' | 'other';

export function classifyWarehouseError(message: string): WarehouseTrouble {
  if (/Could not set lock on file|Conflicting lock is held/i.test(message)) return 'in_use';
  if (/not a valid DuckDB database file|Corrupt database file|checksum .* does not match/i.test(message))
    return 'corrupt';
  return 'other';
}

/** The error to show for a warehouse that would not open: what is wrong, which file, what to do. */
export function warehouseOpenError(paths: LakePaths, message: string): Error {
  const file = paths.warehouse;
  switch (classifyWarehouseError(message)) {
    case 'in_use':
      return new Error(
        `The lake's warehouse ${file} is in use by another lakestep process; wait for it to finish (${message})`,
      );
    case 'corrupt':
      return new Error(
        `The lake's warehouse ${file} is corrupt (${message}). It holds only what lakestep derives from the cleansed Parquet (the catalog views and analytics.category_daily), and nothing in the lake's buckets depends on it: move it aside (mv ${file} ${file}.corrupt), then run \`lakestep rerun --object KEY\` for one statistics object of each region (a key as \`lakestep status\` lists it, e.g. raw_statistics/region=us/USvideos.csv) to rebuild it; see docs/guarantees.md`,
      );
    default:
      return new Error(`The lake's warehouse ${file} cannot be opened: ${message}`);
  }
}
