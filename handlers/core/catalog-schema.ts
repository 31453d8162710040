/**
 * What a dataset's cleansed table must look like in the catalog (workflows/datasets.ts: its typed
 * columns plus its partition keys) and how a catalog table differs from that. Types are compared in one
 * vocabulary, so DuckDB's `VARCHAR` and Glue's `string` are the same column.
 */
import { cleansedSchema, type Dataset, partitionKeysOf } from '../../workflows/datasets';
import type { CatalogColumn, CatalogTable } from './catalog-port';

/** One spelling per type across DuckDB, Glue/Hive and Parquet readers. */
export function normalizeType(type: string): string {
  const t = type.trim().toLowerCase().replace(/\s+/g, ' ');
  if (t === 'varchar' || t === 'string' || t.startsWith('varchar(') || t === 'text') return 'string';
  if (t === 'bigint' || t === 'int64' || t === 'long') return 'bigint';
  if (t === 'integer' || t === 'int' || t === 'int32') return 'int';
  if (t === 'bool' || t === 'boolean') return 'boolean';
  if (t === 'timestamp' || t === 'timestamp_ns' || t === 'timestamp_us' || t === 'datetime')
    return 'timestamp';
  return t.replace(/\s/g, '');
}

/** The columns and partition keys a dataset's cleansed table has (partition keys are strings). */
export function expectedColumns(dataset: Dataset): CatalogColumn[] {
  const columns = cleansedSchema(dataset).map((c) => ({ name: c.name, type: normalizeType(c.type) }));
  const keys = partitionKeysOf(dataset)
    .filter((k) => !columns.some((c) => c.name === k))
    .map((name) => ({ name, type: 'string' }));
  return [...columns, ...keys];
}

/**
 * Why the table does not match the dataset's columns (missing, extra or retyped columns), or null when
 * it does. Order does not matter: a crawler may list columns in another order.
 */
export function schemaDifference(dataset: Dataset, table: CatalogTable): string | null {
  const actual = new Map<string, string>();
  for (const c of [...table.columns, ...table.partitionKeys]) {
    const type = normalizeType(c.type);
    const seen = actual.get(c.name.toLowerCase());
    if (seen && seen !== type) return `column ${c.name} is listed twice, as ${seen} and ${type}`;
    actual.set(c.name.toLowerCase(), type);
  }
  const problems: string[] = [];
  const expected = expectedColumns(dataset);
  for (const c of expected) {
    const type = actual.get(c.name);
    if (type === undefined) problems.push(`missing ${c.name} ${c.type}`);
    else if (type !== c.type) problems.push(`${c.name} is ${type}, expected ${c.type}`);
  }
  for (const name of actual.keys())
    if (!expected.some((c) => c.name === name)) problems.push(`unexpected column ${name}`);
  return problems.length ? problems.join('; ') : null;
}
