/**
 * The one conversion of a DuckDB value to JSON, for every output of `lakestep query` (the --json array,
 * JSON lines, the terminal table) and the tests' query helper: integers and DECIMALs as numbers while
 * exact (strings beyond 2^53, so no digit is lost), DATE as YYYY-MM-DD, TIMESTAMP as ISO-8601 UTC with
 * every fractional digit, nested values converted the same way.
 */
import {
  type DuckDBDecimalValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBValueConverter,
  JSDuckDBValueConverter,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

const INTEGER_TYPES = new Set<number>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

const TIMESTAMP_TYPES = new Set<number>([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
]);

/** Types a terminal table right-aligns. */
export const NUMERIC_TYPES = new Set<number>([
  ...INTEGER_TYPES,
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
]);

/** DuckDB's text of a UTC timestamp ('2017-11-13 17:13:01.123456') as ISO-8601, keeping every digit. */
export function isoTimestamp(text: string): string {
  const m = /^(-?\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text);
  if (!m) return text;
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0')}Z`;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function jsonInteger(v: bigint | number): number | string {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  return b <= MAX_SAFE && b >= -MAX_SAFE ? Number(b) : b.toString();
}

/**
 * A DECIMAL as a number when the number means exactly the decimal's digits (at most 15 significant
 * digits, which a double always gives back as written), otherwise as its exact text. DECIMAL(38,0)
 * sums are integers: the integer rule applies.
 */
export function jsonDecimal(v: DuckDBDecimalValue): number | string {
  if (v.scale === 0) return jsonInteger(v.value);
  const text = v.toString();
  const digits = (v.value < 0n ? -v.value : v.value).toString().replace(/0+$/, '');
  return digits.length <= 15 ? Number(text) : text;
}

/** The converter (DuckDB's converter interface, so nested LIST/STRUCT values recurse through it). */
export const jsonValue: DuckDBValueConverter<JsonValue> = (
  value: DuckDBValue,
  type: DuckDBType,
  self: DuckDBValueConverter<JsonValue>,
): JsonValue => {
  if (value === null || value === undefined) return null;
  const t = type.typeId as number;
  if (INTEGER_TYPES.has(t)) return jsonInteger(value as bigint | number);
  if (t === DuckDBTypeId.DECIMAL) return jsonDecimal(value as DuckDBDecimalValue);
  if (t === DuckDBTypeId.DATE) return String(value);
  if (TIMESTAMP_TYPES.has(t)) return isoTimestamp(String(value));
  if (t === DuckDBTypeId.TIMESTAMP_TZ) {
    const js = JSDuckDBValueConverter(value, type, JSDuckDBValueConverter);
    return js instanceof Date ? js.toISOString() : String(value);
  }
  return (JsonDuckDBValueConverter(value, type, self as never) as JsonValue) ?? null;
};
