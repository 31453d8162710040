/**
 * The path DuckDB opens the warehouse by. DuckDB 1.5 names a database's write-ahead log by inserting
 * `.wal` before the first `?` of the path (`/a?b/w.duckdb` → `/a.wal?b/w.duckdb`), so a lake under a
 * directory with a `?` cannot commit. Such a warehouse is opened through a `?`-free directory of two
 * symlinks, one to the database file and one to its WAL (DuckDB resolves a symlinked directory, not a
 * symlinked file): the database and its log are still the lake's own files.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

function linkTo(target: string, link: string): void {
  let current: string | null = null;
  try {
    current = readlinkSync(link);
  } catch {
    current = null;
  }
  if (current === target) return;
  rmSync(link, { force: true });
  try {
    symlinkSync(target, link);
  } catch (e) {
    // Another process made the same link between the check and here: fine if it points at target.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || readlinkSync(link) !== target) throw e;
  }
}

export function warehouseOpenPath(warehouse: string, aliasRoot: string = tmpdir()): string {
  if (!warehouse.includes('?')) return warehouse;
  if (aliasRoot.includes('?'))
    throw new Error(
      `The lake's warehouse ${warehouse} is under a directory with '?' and so is the temporary directory ${aliasRoot}; set TMPDIR to a path without '?'`,
    );
  const alias = join(
    aliasRoot,
    `lakestep-warehouse-${createHash('sha256').update(warehouse).digest('hex').slice(0, 16)}`,
  );
  mkdirSync(alias, { recursive: true });
  const file = join(alias, basename(warehouse));
  linkTo(warehouse, file);
  linkTo(`${warehouse}.wal`, `${file}.wal`);
  return file;
}
