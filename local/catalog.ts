/**
 * The Data Catalog and Athena stand-ins: a DuckDB database (the warehouse) with schema `cleansed`
 * (views over the cleansed Parquet, refreshed by the local crawler) and schema `analytics` (real tables
 * that the materializations DELETE from and INSERT into, with the same SQL text as Athena).
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type Column, cleansedSchema, type Dataset } from '../workflows/datasets';
import { placeholders } from '../workflows/render-asl';
import type { Materialization } from '../workflows/types';
import { lendingPermit, Mutex } from './bounded';
import type { FsStorage } from './fs-storage';
import type { LakePaths } from './lake';
import { globEscape, sqlIdent, sqlString } from './sql';
import { warehouseOpenError } from './warehouse-errors';
import { warehouseOpenPath } from './warehouse-path';

/** A cleansed table: a dataset's name and typed columns. */
interface CleansedTable {
  readonly name: string;
  readonly schema: readonly Column[];
}

/** The cleansed tables of a workflow: one per dataset. */
export function cleansedTablesOf(datasets: readonly Dataset[]): CleansedTable[] {
  return datasets.map((d) => ({ name: d.name, schema: cleansedSchema(d) }));
}

/** What the local run substitutes for the SQL database placeholders (the stage prefix on AWS). */
export const LOCAL_DATABASES = {
  [placeholders.cleansedDatabase]: 'cleansed',
  [placeholders.analyticsDatabase]: 'analytics',
} as const;

/**
 * DuckDB settings of the local warehouse (the benchmark's baseline uses the same). 768 MB: a 1M-row
 * batch then peaks at ~1.1 GB RSS instead of ~1.4 GB, at the same speed (DuckDB spills its sort to
 * `<lake>/tmp`); measured in docs/performance.md.
 */
export const WAREHOUSE_SETTINGS = { memoryLimit: '768MB', threads: 2 } as const;

export interface CrawledTable {
  name: string;
  location: string;
  files: number;
  partitions: string[];
  columns: { name: string; type: string }[];
}

export class Warehouse {
  /** The workflow's cleansed tables, known once `ensure` has made them. */
  private tables: readonly CleansedTable[] | null = null;

  private cleansedTables(): readonly CleansedTable[] {
    if (!this.tables) throw new Error('The warehouse has no workflow yet: ensure() names its datasets first');
    return this.tables;
  }

  /** Statements that change the warehouse (MERGEs, crawls) run one at a time, as Iceberg commits queue. */
  private readonly writes = new Mutex();

  private constructor(
    readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
    readonly paths: LakePaths,
  ) {}

  static async open(
    paths: LakePaths,
    opts: { readOnly?: boolean; memoryLimit?: string; threads?: number } = {},
  ): Promise<Warehouse> {
    // A read-only open writes nothing, not even a directory (status and query on a read-only lake).
    if (!opts.readOnly) {
      await mkdir(dirname(paths.warehouse), { recursive: true });
      await mkdir(paths.tmpDir, { recursive: true });
    }
    const config: Record<string, string> = {
      memory_limit: opts.memoryLimit ?? WAREHOUSE_SETTINGS.memoryLimit,
      threads: String(opts.threads ?? WAREHOUSE_SETTINGS.threads),
      temp_directory: paths.tmpDir,
      preserve_insertion_order: 'false',
    };
    if (opts.readOnly) config.access_mode = 'READ_ONLY';
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(warehouseOpenPath(paths.warehouse), config);
    } catch (e) {
      throw warehouseOpenError(paths, (e as Error).message);
    }
    const conn = await instance.connect();
    return new Warehouse(instance, conn, paths);
  }

  /**
   * Creates the schemas, the analytics tables and (empty) cleansed views when they are missing; returns
   * the names of the cleansed views that were missing (a new warehouse, or one rebuilt beside a lake).
   */
  async ensure(
    materializations: readonly Materialization[],
    datasets: readonly Dataset[],
  ): Promise<string[]> {
    this.tables = cleansedTablesOf(datasets);
    const missing: string[] = [];
    await this.conn.run('CREATE SCHEMA IF NOT EXISTS cleansed; CREATE SCHEMA IF NOT EXISTS analytics');
    for (const m of materializations) {
      const cols = m.columns.map((c) => `${sqlIdent(c.name)} ${c.type}`).join(', ');
      await this.conn.run(`CREATE TABLE IF NOT EXISTS analytics.${sqlIdent(m.table)} (${cols})`);
      await this.widenColumns(m);
    }
    for (const t of this.tables) {
      const exists = await this.conn.runAndReadAll(
        `SELECT 1 FROM duckdb_views() WHERE schema_name = 'cleansed' AND view_name = ${sqlString(t.name)}`,
      );
      if (exists.currentRowCount === 0) {
        missing.push(t.name);
        await this.conn.run(emptyView(t.name, t.schema));
      }
    }
    return missing;
  }

  /**
   * A lake created by an earlier version holds its sums as BIGINT, which one large batch overflows:
   * widen such columns to the type the materialization declares (DuckDB casts the rows in place; a
   * BIGINT always fits DECIMAL(38,0)). Only widening is done, never a narrowing or a rename.
   */
  private async widenColumns(m: Materialization): Promise<void> {
    const found = await this.conn.runAndReadAll(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'analytics' AND table_name = ${sqlString(m.table)}`,
    );
    const types = new Map(
      (found.getRowObjectsJS() as { column_name: string; data_type: string }[]).map((r) => [
        r.column_name,
        r.data_type,
      ]),
    );
    for (const c of m.columns)
      if (c.type === 'DECIMAL(38,0)' && types.get(c.name) === 'BIGINT')
        await this.conn.run(
          `ALTER TABLE analytics.${sqlIdent(m.table)} ALTER COLUMN ${sqlIdent(c.name)} TYPE ${c.type}`,
        );
  }

  /**
   * The crawl: infers each cleansed table's schema from the Parquet written and points the view at it;
   * the caller records the result in the local catalog (LocalCatalog.recordCrawl).
   */
  async crawl(storage: FsStorage, bucket: string): Promise<CrawledTable[]> {
    const tables: CrawledTable[] = [];
    for (const t of this.cleansedTables()) {
      const files = (await storage.list(bucket, `${t.name}/`)).filter((f) => f.key.endsWith('.parquet'));
      const location = join(this.paths.root, bucket, t.name);
      if (files.length === 0) {
        await this.conn.run(emptyView(t.name, t.schema));
        this.viewDirs.set(t.name, new Set());
        tables.push({
          name: t.name,
          location,
          files: 0,
          partitions: [],
          columns: t.schema.map((c) => ({ name: c.name, type: c.type })),
        });
        continue;
      }
      const columns = await this.defineView(t, location, files);
      const partitions = [...new Set(files.map((f) => f.key.split('/').slice(1, 3).join('/')))];
      tables.push({ name: t.name, location, files: files.length, partitions, columns });
    }
    return tables;
  }

  /**
   * Points a table's view at its files, one UNION ALL branch per region directory, whose `region` is that
   * directory's value as a constant (promote writes a batch's rows under `region=<its region>/`, so the
   * two agree): DuckDB then drops every other region's branch for `WHERE region = 'us'` without opening
   * its files, as hive partitioning would, while the values still come from the files (no hive parsing,
   * see readOptions). A directory that is not `region=<value>` gets a branch that reads the column.
   * Returns the columns inferred from the files.
   */
  private async defineView(
    t: CleansedTable,
    location: string,
    files: readonly { key: string }[],
  ): Promise<{ name: string; type: string }[]> {
    const all = sqlString(`${globEscape(location)}/*/*/*.parquet`);
    const described = await this.conn.runAndReadAll(
      `DESCRIBE SELECT * FROM read_parquet(${all}, union_by_name = true)`,
    );
    const columns = (described.getRowObjectsJS() as { column_name: string; column_type: string }[]).map(
      (r) => ({ name: r.column_name, type: r.column_type }),
    );
    const dirs = [
      ...new Set(files.map((f) => f.key.split('/')).flatMap((p) => (p.length === 4 ? [p[1] as string] : []))),
    ].sort();
    const names = t.schema.map((c) => sqlIdent(c.name)).join(', ');
    if (await this.schemasDiffer(all)) {
      // Files of several schemas are read by name into one, across the whole table (no pruning: rare).
      await this.conn.run(
        `CREATE OR REPLACE VIEW cleansed.${sqlIdent(t.name)} AS SELECT ${names} FROM read_parquet(${all}, hive_partitioning = false, union_by_name = true)`,
      );
    } else {
      const branches = dirs.map((d) => {
        const region = /^region=(.+)$/.exec(d)?.[1];
        const select = t.schema
          .map((c) =>
            c.name === 'region' && region !== undefined ? `${sqlString(region)} AS region` : sqlIdent(c.name),
          )
          .join(', ');
        return `SELECT ${select} FROM read_parquet(${branchGlob(location, d)}, hive_partitioning = false)`;
      });
      await this.conn.run(
        `CREATE OR REPLACE VIEW cleansed.${sqlIdent(t.name)} AS ${branches.join(' UNION ALL ')}`,
      );
    }
    this.viewDirs.set(t.name, new Set(dirs));
    return columns;
  }

  /** The region directories each view has a branch for (known for the views this process made). */
  private readonly viewDirs = new Map<string, Set<string>>();

  /**
   * After a partition is registered: when the table's view has no branch for the partition's region
   * directory (a region first seen since the views were made, or a view made by an earlier version that
   * read every file without pruning), the view is made again over the promoted files.
   */
  async coverPartition(storage: FsStorage, bucket: string, table: string, prefix: string): Promise<void> {
    const t = this.cleansedTables().find((x) => x.name === table);
    const dir = prefix.split('/')[1];
    const location = join(this.paths.root, bucket, table);
    if (!t || !dir || (await this.viewCovers(table, location, dir))) return;
    // The executions of a new region register at once: they share one queued remake, which lists the
    // files after every one of them was promoted.
    await this.exclusiveOnce(`remake the view of ${table}`, async () => {
      // Shared by every registration queued meanwhile, each of its own region: the view is remade
      // unless it covers every directory promoted so far (a crawl that ran first may cover the
      // first caller's and not a later one's).
      const files = (await storage.list(bucket, `${table}/`)).filter((f) => f.key.endsWith('.parquet'));
      const dirs = [
        ...new Set(
          files.map((f) => f.key.split('/')).flatMap((p) => (p.length === 4 ? [p[1] as string] : [])),
        ),
      ];
      let covered = true;
      for (const d of dirs) if (!(await this.viewCovers(table, location, d))) covered = false;
      if (!covered && files.length) await this.defineView(t, location, files);
    });
  }

  private async viewCovers(table: string, location: string, dir: string): Promise<boolean> {
    const known = this.viewDirs.get(table);
    if (known) return known.has(dir);
    const found = await this.conn.runAndReadAll(
      `SELECT sql FROM duckdb_views() WHERE schema_name = 'cleansed' AND view_name = ${sqlString(table)}`,
    );
    const sql = String(found.getRowObjectsJS()[0]?.sql ?? '');
    return (
      sql.includes(branchGlob(location, dir)) &&
      !sql.includes(sqlString(`${globEscape(location)}/*/*/*.parquet`))
    );
  }

  /**
   * Whether a table's files do not all have the same schema; then the view reads them by name into one
   * (union_by_name reads every file's footer on every query: 3× slower at 200 files, and the cost grows
   * with the lake), else it reads them as they are. Every value comes from the files, never from the
   * paths: a landed name may hold `=` (`a=b.csv`), which DuckDB's hive partitioning cannot read back from
   * `source_file=a=b.csv`, and a view made before such a file was promoted would break for the whole lake.
   */
  private async schemasDiffer(glob: string): Promise<boolean> {
    const schemas = await this.conn.runAndReadAll(
      `SELECT count(DISTINCT signature) AS n FROM (SELECT file_name, string_agg(name || ' ' || coalesce(type, ''), ',' ORDER BY name) AS signature FROM parquet_schema(${glob}) GROUP BY file_name)`,
    );
    return Number(schemas.getRowObjectsJS()[0]?.n ?? 1) > 1;
  }

  /**
   * Runs work that writes the warehouse after the writes queued before it. The caller's run permit
   * (mapBounded) is lent meanwhile: waiting for the warehouse is not work, and while executions wait,
   * others reach their MERGE and join the one queued for their region (exclusiveOnce).
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return lendingPermit(() => this.writes.run(work));
  }

  /** Queued, not yet started writes by statement: an identical statement joins the queued one. */
  private readonly queued = new Map<string, Promise<unknown>>();

  /**
   * Group commit for idempotent statements (a region's MERGE recomputes the region from cleansed):
   * a caller whose statement is already queued and not yet started shares that run, which starts after
   * the caller asked and so sees everything promoted before. One MERGE instead of several when many
   * objects of a region finish at once; each caller still waits for a run that covers its batch.
   */
  exclusiveOnce<T>(statement: string, work: () => Promise<T>): Promise<T> {
    const queued = this.queued.get(statement);
    if (queued) return lendingPermit(() => queued as Promise<T>);
    const run = this.writes.run(() => {
      this.queued.delete(statement);
      return work();
    });
    this.queued.set(statement, run);
    return lendingPermit(() => run);
  }

  /** A connection of its own, for work that keeps TEMP tables or settings (a transform) beside others. */
  connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** The glob of one region directory's files, as a SQL literal. */
function branchGlob(location: string, dir: string): string {
  return sqlString(`${globEscape(location)}/${globEscape(dir)}/*/*.parquet`);
}

function emptyView(name: string, schema: readonly Column[]): string {
  const cols = schema.map((c) => `CAST(NULL AS ${c.type}) AS ${sqlIdent(c.name)}`).join(', ');
  return `CREATE OR REPLACE VIEW cleansed.${sqlIdent(name)} AS SELECT ${cols} WHERE false`;
}
