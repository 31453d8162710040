/**
 * A sample file as `lakestep init` reads it: its format guessed from its name and text (a `.jsonl` /
 * `.ndjson` is JSON Lines, a `.json` a document whose records are the first array of objects, a
 * `.parquet` a Parquet file, anything else CSV in the dialect its header line suggests) and its records as text fields, the column names
 * first — the records every format becomes (handlers/core/json-records.ts), for local/infer-dataset.ts.
 */
import { parquetMetadata, parquetSchema } from 'hyparquet';
import { readCsvRecords } from '../handlers/core/csv-records';
import { documentRecords } from '../handlers/core/ingest-document';
import { fieldLocations, isJsonObject, jsonRecordFields } from '../handlers/core/json-records';
import { readParquetRecords, valueKind } from '../handlers/core/parquet-records';
import type { DatasetFormat, JsonField } from '../workflows/datasets';
import { snakeName } from './init-workflow';

export interface SampleRecords {
  readonly format: DatasetFormat;
  /** The column names, then one record of text fields per sample record. */
  readonly records: readonly (readonly string[])[];
  /** Sample records left out (out of shape), for the message. */
  readonly skipped: number;
}

/** Delimiters a CSV header line is tried for: the one it holds most of, outside quotes, wins. */
const DELIMITERS = [',', ';', '\t', '|'] as const;

/** Reads a sample's text; throws naming the file and the problem. */
export function sampleRecords(fileName: string, text: string): SampleRecords {
  const body = text.replace(/^\uFEFF/, '');
  if (/\.(jsonl|ndjson)$/i.test(fileName))
    return jsonSample(fileName, jsonLines(fileName, body), { kind: 'jsonLines' });
  if (/\.json$/i.test(fileName)) {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch (e) {
      throw new Error(`sample ${fileName}: it is not JSON (${(e as Error).message})`);
    }
    const records = recordsPathOf(doc);
    if (records === null)
      throw new Error(
        `sample ${fileName}: it holds no array of objects (the records): a JSON document dataset needs one, e.g. {"items": [{…}, …]}`,
      );
    const list = documentRecords(body, records) as unknown[];
    return jsonSample(fileName, list, { kind: 'json', records });
  }
  const delimiter = delimiterOf(body);
  const format: DatasetFormat = delimiter === ',' ? { kind: 'csv' } : { kind: 'csv', delimiter };
  return { format, records: readCsvRecords(body, { delimiter }), skipped: 0 };
}

function jsonLines(fileName: string, text: string): unknown[] {
  const out: unknown[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      throw new Error(`sample ${fileName}: line ${i + 1} is not JSON (${(e as Error).message})`);
    }
  });
  return out;
}

/** The dot path of the document's records: '' for a top-level array, else the first array of objects. */
export function recordsPathOf(doc: unknown, prefix = ''): string | null {
  if (Array.isArray(doc)) return doc.some(isJsonObject) ? prefix : null;
  if (!isJsonObject(doc)) return null;
  for (const [key, value] of Object.entries(doc)) {
    if (key === '' || key.includes('.')) continue;
    const found = recordsPathOf(value, prefix ? `${prefix}.${key}` : key);
    if (found !== null) return found;
  }
  return null;
}

/** The scalar leaves of the records, as dot paths in first-seen order (arrays are not followed). */
function leafPaths(records: readonly unknown[]): string[] {
  const seen = new Set<string>();
  const walk = (v: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(v)) {
      if (key === '' || key.includes('.')) continue;
      const path = prefix ? `${prefix}.${key}` : key;
      if (isJsonObject(value)) walk(value, path);
      else if (!Array.isArray(value)) seen.add(path);
    }
  };
  for (const r of records) if (isJsonObject(r)) walk(r, '');
  return [...seen];
}

/** A column name for a path: `order.id` → `order_id` (distinct from the ones before it). */
function columnNameOf(path: string, taken: Set<string>): string {
  const base = snakeName(path, 'c_');
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}

function jsonSample(
  fileName: string,
  list: readonly unknown[],
  format: { kind: 'jsonLines' } | { kind: 'json'; records: string },
): SampleRecords {
  const paths = leafPaths(list);
  if (paths.length === 0)
    throw new Error(`sample ${fileName}: its records have no scalar values to make columns of`);
  const taken = new Set<string>();
  const columns = paths.map((p) => columnNameOf(p, taken));
  const fields: Record<string, JsonField> = {};
  columns.forEach((c, i) => {
    if (c !== paths[i]) fields[c] = paths[i] as string;
  });
  const locations = fieldLocations(columns, fields);
  const records: string[][] = [columns];
  let skipped = 0;
  for (const r of list) {
    const decoded = jsonRecordFields(r, locations);
    if ('fields' in decoded) records.push(decoded.fields);
    else skipped++;
  }
  const withFields = Object.keys(fields).length ? { ...format, fields } : format;
  return { format: withFields, records, skipped };
}

/** The delimiter the first line holds most of outside quotes (a comma when none). */
export function delimiterOf(text: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ',';
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

/** A Parquet sample: its flat columns of a type lakestep reads (others are left out, and named). */
export async function parquetSampleRecords(
  fileName: string,
  bytes: Uint8Array,
): Promise<SampleRecords & { leftOut: string[] }> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: ReturnType<typeof parquetMetadata>;
  try {
    metadata = parquetMetadata(file);
  } catch (e) {
    throw new Error(`sample ${fileName}: it is not a Parquet file (${(e as Error).message})`);
  }
  const columns: string[] = [];
  const leftOut: string[] = [];
  for (const c of parquetSchema(metadata).children) {
    const flat = c.children.length === 0 && c.element.repetition_type !== 'REPEATED';
    if (flat && typeof valueKind(c.element) === 'string') columns.push(c.element.name);
    else leftOut.push(c.element.name);
  }
  if (columns.length === 0)
    throw new Error(
      `sample ${fileName}: it has no flat column of a type lakestep reads (${leftOut.join(', ')})`,
    );
  const records: string[][] = [columns];
  await readParquetRecords(file, metadata, columns, (fields) => records.push(fields));
  return { format: { kind: 'parquet' }, records, skipped: 0, leftOut };
}
