/**
 * The API's query port locally: serve's own in-memory DuckDB holding the latest analytics snapshot.
 * Before each query it checks the snapshot files (one stat each); a file replaced by a run is loaded
 * again, once, while queries keep being answered from the previous copy until the new one is in.
 * Identical queries over the same snapshot are answered from memory, as Athena reuses the result of
 * an identical query on AWS; a new snapshot empties that cache.
 */
import { type FSWatcher, mkdirSync, watch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import type { AnalyticsQueryPort, AnalyticsRow, AnalyticsStatement } from '../../handlers/core/api-ports';
import type { Materialization } from '../../workflows/types';
import type { LakePaths } from '../lake';
import { jsonValue } from '../query-values';
import { sqlIdent, sqlString } from '../sql';
import { snapshotDir, snapshotFile } from './snapshot';

/** Connections in the pool: queries run on the libuv pool's threads, 4 by default. */
const CONNECTIONS = 4;
/** Distinct queries kept per snapshot version (a dashboard asks a few dozen). */
const CACHED_RESULTS = 2_000;

export class SnapshotAnalytics implements AnalyticsQueryPort {
  private readonly free: DuckDBConnection[];
  private readonly waiting: ((c: DuckDBConnection) => void)[] = [];
  private readonly loaded = new Map<string, string>();
  private refreshing: Promise<void> | null = null;
  private readonly results = new Map<string, AnalyticsRow[]>();
  /** Set by the directory watch when a snapshot file is renamed in; without a watch, every query checks. */
  private dirty = true;
  private watcher: FSWatcher | null = null;

  private constructor(
    private readonly instance: DuckDBInstance,
    connections: DuckDBConnection[],
    private readonly admin: DuckDBConnection,
    private readonly paths: LakePaths,
    private readonly materializations: readonly Materialization[],
  ) {
    this.free = connections;
  }

  static async open(
    paths: LakePaths,
    materializations: readonly Materialization[],
  ): Promise<SnapshotAnalytics> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '512MB' });
    const admin = await instance.connect();
    await admin.run('CREATE SCHEMA analytics');
    // Until a run writes a snapshot, the tables exist and are empty (regions: none yet).
    for (const m of materializations)
      await admin.run(
        `CREATE TABLE analytics.${sqlIdent(m.table)} (${m.columns.map((c) => `${sqlIdent(c.name)} ${c.type}`).join(', ')})`,
      );
    const connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => instance.connect()));
    const port = new SnapshotAnalytics(instance, connections, admin, paths, materializations);
    port.watch();
    await port.refresh();
    return port;
  }

  /** Which snapshot file versions are loaded (for tests and the serve banner). */
  get versions(): ReadonlyMap<string, string> {
    return this.loaded;
  }

  async query(statement: AnalyticsStatement): Promise<AnalyticsRow[]> {
    await this.refresh();
    const key = JSON.stringify([statement.sql, statement.params, statement.maxRows]);
    const cached = this.results.get(key);
    if (cached) return cached;
    const rows = await this.run(statement);
    if (this.results.size >= CACHED_RESULTS) this.results.clear();
    this.results.set(key, rows);
    return rows;
  }

  private async run(statement: AnalyticsStatement): Promise<AnalyticsRow[]> {
    const conn = await this.acquire();
    try {
      const sql = `${statement.sql.replaceAll('${analytics}', 'analytics')}\nLIMIT ?`;
      const values: DuckDBValue[] = statement.params.map((p) =>
        p.type === 'bigint' ? BigInt(p.value) : p.value,
      );
      values.push(BigInt(statement.maxRows));
      // The converter `lakestep query --json` prints with: the same values, whole DECIMALs by the integer rule.
      return (await conn.runAndReadAll(sql, values)).convertRowObjects(jsonValue) as AnalyticsRow[];
    } finally {
      this.release(conn);
    }
  }

  private watch(): void {
    try {
      mkdirSync(snapshotDir(this.paths), { recursive: true });
      this.watcher = watch(snapshotDir(this.paths), () => {
        this.dirty = true;
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null; // no inotify (or a read-only lake): stat before every query instead
    }
  }

  /** Loads every snapshot file that changed since it was last loaded; concurrent callers share one load. */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    if (!this.dirty && this.watcher) return Promise.resolve();
    this.dirty = false;
    this.refreshing = this.reload().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async reload(): Promise<void> {
    const present = new Set(await readdir(snapshotDir(this.paths)).catch(() => [] as string[]));
    for (const m of this.materializations) {
      const file = snapshotFile(this.paths, m.table);
      if (!present.has(`${m.table}.parquet`)) continue;
      const s = await stat(file).catch(() => null);
      if (!s) continue;
      const version = `${s.ino}:${s.size}:${s.mtimeMs}`;
      if (this.loaded.get(m.table) === version) continue;
      // The path is the lake's own, not a request's; the load is one statement, so readers never see it half done.
      await this.admin.run(
        `CREATE OR REPLACE TABLE analytics.${sqlIdent(m.table)} AS SELECT * FROM read_parquet(${sqlString(file)})`,
      );
      this.loaded.set(m.table, version);
      this.results.clear();
    }
  }

  private acquire(): Promise<DuckDBConnection> {
    const c = this.free.pop();
    if (c) return Promise.resolve(c);
    return new Promise((ok) => this.waiting.push(ok));
  }

  private release(c: DuckDBConnection): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.free.push(c);
  }

  close(): void {
    this.watcher?.close();
    for (const c of this.free) c.closeSync();
    this.admin.closeSync();
    this.instance.closeSync();
  }
}
