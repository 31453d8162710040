/**
 * The staged batch files of the Lambda transform as Parquet, written with hyparquet-writer (pure JS, no
 * query engine): the cleansed rows with the Parquet types DuckDB's COPY writes for the spec's SQL types,
 * and the quarantined records with the columns of local/transform-sql.ts `rejected`, so that promote,
 * the catalog and the MERGE read every path's files alike.
 */
import { parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer';
import { type ColumnType, decimalShape } from '../../workflows/column-types';
import type { TransformSpec } from '../../workflows/datasets';
import type { SqlType } from '../../workflows/types';

/**
 * A cleansed value as the writer takes it: BIGINT and TIMESTAMP (micros) as bigint, DATE as days,
 * DECIMAL(p,s) as its unscaled bigint (10.00 in DECIMAL(18,2) is 1000n): exact, never a float.
 */
export type CellValue = string | bigint | number | boolean | null;

/** How DuckDB's Parquet writer stores each SQL type (every column OPTIONAL, as DuckDB writes them). */
const ELEMENT: Readonly<Record<SqlType, Omit<SchemaElement, 'name'>>> = {
  VARCHAR: { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  BIGINT: { type: 'INT64', converted_type: 'INT_64', repetition_type: 'OPTIONAL' },
  DATE: { type: 'INT32', converted_type: 'DATE', repetition_type: 'OPTIONAL' },
  // DuckDB's TIMESTAMP (no time zone): micros, not adjusted to UTC, else readers see TIMESTAMPTZ.
  TIMESTAMP: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MICROS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
    repetition_type: 'OPTIONAL',
  },
  BOOLEAN: { type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
};

/**
 * The schema's root, named as DuckDB names it: the local catalog reads a table's files as one schema only
 * when every file's schema (root included) is the same (local/catalog.ts readOptions).
 */
const root = (children: number): SchemaElement => ({
  name: 'duckdb_schema',
  repetition_type: 'REQUIRED',
  num_children: children,
});

/**
 * How DuckDB's Parquet writer stores DECIMAL(p,s): INT32 up to 9 digits, INT64 up to 18, else a
 * 16-byte FIXED_LEN_BYTE_ARRAY, each with the DECIMAL logical type.
 */
function element(type: ColumnType): Omit<SchemaElement, 'name'> {
  const d = decimalShape(type);
  if (!d) return ELEMENT[type as SqlType];
  const physical =
    d.precision <= 9
      ? { type: 'INT32' as const }
      : d.precision <= 18
        ? { type: 'INT64' as const }
        : { type: 'FIXED_LEN_BYTE_ARRAY' as const, type_length: 16 };
  return {
    ...physical,
    converted_type: 'DECIMAL',
    precision: d.precision,
    scale: d.scale,
    logical_type: { type: 'DECIMAL', precision: d.precision, scale: d.scale },
    repetition_type: 'OPTIONAL',
  };
}

function write(columns: readonly { name: string; type: ColumnType; data: CellValue[] }[]): Uint8Array {
  const schema: SchemaElement[] = [
    root(columns.length),
    ...columns.map((c) => ({ name: c.name, ...element(c.type) }) as SchemaElement),
  ];
  return new Uint8Array(
    parquetWriteBuffer({ schema, columnData: columns.map((c) => ({ name: c.name, data: c.data })) }),
  );
}

/** The cleansed batch file: one column per schema column, in schema order (`rows` are in that order). */
export function cleansedParquet(spec: TransformSpec, rows: readonly (readonly CellValue[])[]): Uint8Array {
  return write(
    spec.schema.map((col, i) => ({ name: col.name, type: col.type, data: rows.map((r) => r[i] ?? null) })),
  );
}

/** A quarantined record: its number in the object, the rule it broke, its field count and its raw fields. */
export interface RejectedRecord {
  readonly recordNo: number;
  readonly rule: string;
  /** How many fields the record had (its raw columns keep at most the contract's). */
  readonly fieldCount: number;
  readonly fields: readonly string[];
}

/**
 * The quarantined-records file: record_no BIGINT, rule, field_count INTEGER, source_object, then the raw
 * columns as read (a missing field is NULL, fields beyond the contract's are not kept).
 */
export function rejectedParquet(
  spec: TransformSpec,
  sourceObject: string,
  records: readonly RejectedRecord[],
): Uint8Array {
  const leading = [
    { name: 'record_no', type: 'BIGINT' as const, data: records.map((r) => BigInt(r.recordNo)) },
    { name: 'rule', type: 'VARCHAR' as const, data: records.map((r) => r.rule) },
    { name: 'field_count', type: 'INTEGER' as const, data: records.map((r) => r.fieldCount) },
    { name: 'source_object', type: 'VARCHAR' as const, data: records.map(() => sourceObject) },
  ];
  const raw = spec.rawColumns.map((name, i) => ({
    name,
    type: 'VARCHAR' as const,
    data: records.map((r) => r.fields[i] ?? null),
  }));
  const schema: SchemaElement[] = [
    root(leading.length + raw.length),
    ...[...leading, ...raw].map(
      (c) =>
        ({
          name: c.name,
          ...(c.type === 'INTEGER'
            ? { type: 'INT32', converted_type: 'INT_32', repetition_type: 'OPTIONAL' }
            : ELEMENT[c.type]),
        }) as SchemaElement,
    ),
  ];
  return new Uint8Array(
    parquetWriteBuffer({
      schema,
      columnData: [...leading, ...raw].map((c) => ({ name: c.name, data: c.data as CellValue[] })),
    }),
  );
}
