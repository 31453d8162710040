/**
 * The catalog port over the local warehouse: the tables the local crawl recorded in
 * `<lake>/catalog/cleansed.json` (their columns and partitions), and partition registration into that
 * record. The cleansed views read every promoted file of a table, so a registered partition is
 * queryable at once; what registration saves locally, as on AWS, is the crawl.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogPort, CatalogTable, PartitionSpec } from '../handlers/core/catalog-port';
import type { CrawledTable } from './catalog';

export interface CatalogRecord {
  database: string;
  tables: CrawledTable[];
}

export class LocalCatalog implements CatalogPort {
  /** Registrations of one process are written one at a time (executions run concurrently). */
  private writes: Promise<unknown> = Promise.resolve();

  /** `afterRegister` runs after each registration (the runtime keeps the cleansed views covering it). */
  constructor(
    private readonly catalogDir: string,
    private readonly afterRegister?: (table: string, prefix: string) => Promise<void>,
  ) {}

  get file(): string {
    return join(this.catalogDir, 'cleansed.json');
  }

  async read(): Promise<CatalogRecord | null> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as CatalogRecord;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(
        `The local catalog ${this.file} cannot be read (${(e as Error).message}): run a crawl by landing an object again, or delete the file`,
      );
    }
  }

  async getTable(name: string): Promise<CatalogTable | null> {
    const table = (await this.read())?.tables.find((t) => t.name === name);
    // A crawl of a prefix without files defines no table (as a Glue crawler does not).
    if (!table || table.files === 0) return null;
    return { name, columns: table.columns, partitionKeys: [] };
  }

  async registerPartition(table: CatalogTable, partition: PartitionSpec): Promise<'created' | 'exists'> {
    const outcome = await this.serialized(() => this.register(table.name, partition));
    await this.afterRegister?.(table.name, partition.prefix);
    return outcome;
  }

  /** What a crawl found replaces the record (written in turn with registrations). */
  recordCrawl(tables: CrawledTable[]): Promise<void> {
    return this.serialized(async () => {
      await mkdir(this.catalogDir, { recursive: true });
      await this.write({ database: 'cleansed', tables });
    });
  }

  /** The last crawl a crawler ran (kept beside the catalog: Glue keeps LastCrawl across executions too). */
  async lastCrawl(crawler: string): Promise<Record<string, unknown> | null> {
    try {
      return JSON.parse(await readFile(this.crawlerFile(crawler), 'utf8')) as Record<string, unknown>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async recordLastCrawl(crawler: string, lastCrawl: Record<string, unknown>): Promise<void> {
    await mkdir(this.catalogDir, { recursive: true });
    const file = this.crawlerFile(crawler);
    await writeFile(`${file}.${process.pid}.tmp`, `${JSON.stringify(lastCrawl, null, 2)}\n`);
    await rename(`${file}.${process.pid}.tmp`, file);
  }

  private crawlerFile(crawler: string): string {
    return join(this.catalogDir, `crawler-${crawler.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writes.then(work);
    this.writes = run.catch(() => undefined);
    return run;
  }

  private async write(record: CatalogRecord): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
    await rename(tmp, this.file);
  }

  private async register(name: string, partition: PartitionSpec): Promise<'created' | 'exists'> {
    const record = await this.read();
    const table = record?.tables.find((t) => t.name === name);
    if (!record || !table)
      throw new Error(`The local catalog has no table ${name} to register ${partition.prefix} in`);
    const value = partition.prefix.slice(name.length + 1).replace(/\/$/, '');
    if (table.partitions.includes(value)) return 'exists';
    table.partitions.push(value);
    await this.write(record);
    return 'created';
  }
}
