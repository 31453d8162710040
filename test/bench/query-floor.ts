/**
 * The floor of `lakestep query … --format csv|parquet --out FILE`: DuckDB's own COPY of the same query
 * on the same warehouse, opened with the same settings, and nothing else. Run as a script:
 * `query-floor.ts LAKE FORMAT OUT SQL` prints the rows written.
 */
import './rusage';
import { DuckDBInstance } from '@duckdb/node-api';
import { WAREHOUSE_SETTINGS } from '../../local/catalog';
import { lakePaths } from '../../local/lake';
import { sqlString } from '../../local/sql';

async function main(): Promise<void> {
  const [lake, format, out, sql] = process.argv.slice(2);
  if (!lake || !format || !out || !sql) throw new Error('usage: query-floor.ts LAKE FORMAT OUT SQL');
  const paths = lakePaths(lake);
  const db = await DuckDBInstance.create(paths.warehouse, {
    memory_limit: WAREHOUSE_SETTINGS.memoryLimit,
    threads: String(WAREHOUSE_SETTINGS.threads),
    temp_directory: paths.tmpDir,
    preserve_insertion_order: 'false',
    access_mode: 'READ_ONLY',
  });
  const conn = await db.connect();
  const options = format === 'csv' ? 'FORMAT csv, HEADER' : 'FORMAT parquet, COMPRESSION zstd';
  const r = await conn.run(`COPY (${sql}) TO ${sqlString(out)} (${options})`);
  process.stdout.write(`${JSON.stringify({ rows: r.rowsChanged })}\n`);
  conn.closeSync();
  db.closeSync();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
