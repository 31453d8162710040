/**
 * The `parquet` format's records: a Parquet file's raw columns (by name) read with hyparquet, each value
 * as text the way glue/lakestep_rules.py `parquet_value_text` writes the value Spark reads — integers in
 * exact digits, floats as JavaScript's shortest text of the double, DECIMAL exactly at its scale, DATE as
 * YYYY-MM-DD, TIMESTAMP as an ISO-8601 instant (`2024-01-02T03:04:05.123456Z`), null as ''.
 */
import {
  type AsyncBuffer,
  type FileMetaData,
  type ParquetParsers,
  parquetRead,
  parquetSchema,
  type SchemaElement,
} from 'hyparquet';
import { civilText } from './transform-rules';

/** How a column's values become text. */
export type ParquetValueKind = 'boolean' | 'integer' | 'float' | 'string' | 'decimal' | 'date' | 'timestamp';

export interface ParquetColumn {
  readonly name: string;
  readonly kind: ParquetValueKind;
  /** DECIMAL: digits after the point. */
  readonly scale: number;
}

/** The codecs hyparquet decodes without extra packages (the Lambda path must read what Glue reads). */
export const PARQUET_CODECS: readonly string[] = ['UNCOMPRESSED', 'SNAPPY'];

/** The kind of a leaf column's values, or why lakestep cannot read them as one text field. */
export function valueKind(e: SchemaElement): ParquetValueKind | { problem: string } {
  const ct = e.converted_type;
  const lt = e.logical_type;
  if (ct === 'DECIMAL' || lt?.type === 'DECIMAL') return 'decimal';
  switch (e.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'FLOAT':
    case 'DOUBLE':
      return 'float';
    case 'INT96':
      return 'timestamp';
    case 'INT32':
    case 'INT64': {
      if (ct === 'DATE' || lt?.type === 'DATE') return 'date';
      if (lt?.type === 'TIME' || ct === 'TIME_MILLIS' || ct === 'TIME_MICROS')
        return { problem: 'a TIME of day, which Spark does not read: write it as a string' };
      if (lt?.type === 'TIMESTAMP' && lt.unit === 'NANOS')
        return { problem: 'a TIMESTAMP in nanoseconds, which Spark does not read: write it in microseconds' };
      if (lt?.type === 'TIMESTAMP' || ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS')
        return 'timestamp';
      return 'integer';
    }
    case 'BYTE_ARRAY':
      if (ct === 'UTF8' || ct === 'ENUM' || ct === 'JSON' || lt?.type === 'STRING' || lt?.type === 'ENUM')
        return 'string';
      return {
        problem: `binary (BYTE_ARRAY${ct ? ` ${ct}` : lt ? ` ${lt.type}` : ' without a STRING annotation'}): write text as a STRING column`,
      };
    default:
      return {
        problem: `binary (${e.type}${lt ? ` ${lt.type}` : ''}): write it as a STRING, a number or a DECIMAL column`,
      };
  }
}

/**
 * The raw columns in the file, in raw-column order, each with its kind; or the first one lakestep
 * cannot read (missing, nested, repeated or of an unsupported type) with a sentence naming it and the fix.
 */
export function parquetColumns(
  metadata: FileMetaData,
  rawColumns: readonly string[],
): { columns: ParquetColumn[] } | { problem: string } {
  const top = parquetSchema(metadata).children;
  const columns: ParquetColumn[] = [];
  for (const name of rawColumns) {
    const node = top.find((c) => c.element.name === name);
    if (!node)
      return {
        problem: `it has no column "${name}" (its columns: ${top
          .map((c) => c.element.name)
          .slice(0, 30)
          .join(', ')}); write every raw column of the dataset, or correct the dataset's rawColumns`,
      };
    if (node.children.length > 0 || node.element.repetition_type === 'REPEATED')
      return {
        problem: `its column "${name}" is nested (a struct, list or map): write it as a flat column of a scalar type`,
      };
    const kind = valueKind(node.element);
    if (typeof kind !== 'string') return { problem: `its column "${name}" is ${kind.problem}` };
    columns.push({ name, kind, scale: node.element.scale ?? 0 });
  }
  for (const group of metadata.row_groups)
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta || !rawColumns.includes(meta.path_in_schema[0] as string)) continue;
      if (!PARQUET_CODECS.includes(meta.codec))
        return {
          problem: `its column "${meta.path_in_schema.join('.')}" is compressed with ${meta.codec}: write it with SNAPPY (the usual default) or uncompressed`,
        };
    }
  return { columns };
}

const decoder = new TextDecoder();
const MICROS_PER_DAY = 86_400_000_000n;

/** Every timestamp as microseconds since the epoch (bigint), every date as days, strings decoded here. */
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (ms: bigint) => BigInt(ms) * 1000n,
  timestampFromMicroseconds: (us: bigint) => BigInt(us),
  // INT96: Spark keeps whole microseconds (the nanoseconds of the day divided down).
  timestampFromNanoseconds: (ns: bigint) => floorDiv(BigInt(ns), 1000n),
  dateFromDays: (days: number) => days,
  stringFromBytes: (b: Uint8Array) => (b === undefined ? undefined : decoder.decode(b)),
  jsonFromBytes: (b: Uint8Array) => (b === undefined ? undefined : decoder.decode(b)),
};

/**
 * The metadata with the DECIMAL columns' annotation taken off, so hyparquet hands over their unscaled
 * integers (it would scale them into a double, which loses digits) and this module scales them exactly.
 */
function withRawDecimals(metadata: FileMetaData): FileMetaData {
  const schema = metadata.schema.map((e) =>
    e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL'
      ? { ...e, converted_type: undefined, logical_type: undefined }
      : e,
  );
  return { ...metadata, schema };
}

/**
 * Sends each row's raw columns as text fields to `sink`, a row group at a time (the rows of one group
 * are held, not the file's). The columns were checked by `parquetColumns` at ingest.
 */
export async function readParquetRecords(
  file: AsyncBuffer,
  metadata: FileMetaData,
  rawColumns: readonly string[],
  sink: (fields: string[]) => void,
): Promise<void> {
  const checked = parquetColumns(metadata, rawColumns);
  if ('problem' in checked) throw new Error(checked.problem);
  const texts = checked.columns.map((c) => valueText(c));
  const raw = withRawDecimals(metadata);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    if (rowEnd > rowStart)
      await parquetRead({
        file,
        metadata: raw,
        columns: [...rawColumns],
        rowStart,
        rowEnd,
        utf8: false,
        parsers: PARSERS,
        onComplete: (rows: unknown[][]) => {
          for (const row of rows) sink(texts.map((text, i) => text(row[i])));
        },
      });
    rowStart = rowEnd;
  }
}

/** The text of a column's value (null or undefined: ''). */
export function valueText(column: Pick<ParquetColumn, 'kind' | 'scale'>): (v: unknown) => string {
  const orEmpty =
    (f: (v: never) => string) =>
    (v: unknown): string =>
      v === null || v === undefined ? '' : f(v as never);
  switch (column.kind) {
    case 'boolean':
      return orEmpty((v: boolean) => (v ? 'true' : 'false'));
    case 'integer':
      return orEmpty((v: number | bigint) => BigInt(v).toString());
    case 'float':
      return orEmpty((v: number) => String(v)); // String(-0) is '0', as a JSON number's text
    case 'string':
      return orEmpty((v: string | Uint8Array) => (typeof v === 'string' ? v : decoder.decode(v)));
    case 'decimal':
      return orEmpty((v: number | bigint | Uint8Array) => decimalText(unscaled(v), column.scale));
    case 'date':
      return orEmpty((days: number) => civilText(days));
    case 'timestamp':
      return orEmpty((micros: bigint) => instantText(micros));
  }
}

/** A DECIMAL's unscaled integer: INT32 / INT64, or big-endian two's complement bytes. */
function unscaled(v: number | bigint | Uint8Array): bigint {
  if (!(v instanceof Uint8Array)) return BigInt(v);
  let n = 0n;
  for (const byte of v) n = (n << 8n) | BigInt(byte);
  return v.length > 0 && (v[0] as number) >= 0x80 ? n - (1n << BigInt(v.length * 8)) : n;
}

/** An unscaled decimal at its scale: 1050n at scale 2 is 10.50, -5n is -0.05. */
export function decimalText(v: bigint, scale: number): string {
  const digits = (v < 0n ? -v : v).toString().padStart(scale + 1, '0');
  const sign = v < 0n ? '-' : '';
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Microseconds since the epoch → `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (the fraction only when not zero). */
export function instantText(micros: bigint): string {
  const days = floorDiv(micros, MICROS_PER_DAY);
  const inDay = micros - days * MICROS_PER_DAY;
  const seconds = Number(inDay / 1_000_000n);
  const fraction = Number(inDay % 1_000_000n);
  const time = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  return `${civilText(Number(days))}T${time}${fraction ? `.${pad(fraction, 6)}` : ''}Z`;
}
