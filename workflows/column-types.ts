/**
 * The types a cleansed column may have: the SQL types of workflows/types.ts plus DECIMAL(p,s), an exact
 * fixed-point number (money in cents → dollars) that every engine stores as a scaled integer, never a float.
 */
import type { SqlType } from './types';

/** DECIMAL(precision, scale): 1 ≤ precision ≤ 38, 0 ≤ scale ≤ precision (both engines' limits). */
export type DecimalType = `DECIMAL(${number},${number})`;
export type ColumnType = SqlType | DecimalType;

export interface DecimalShape {
  readonly precision: number;
  readonly scale: number;
}

const DECIMAL_TEXT = /^DECIMAL\(([0-9]{1,2}),([0-9]{1,2})\)$/;

/** The precision and scale of a DECIMAL(p,s) type, or null for any other type (or a malformed one). */
export function decimalShape(type: string): DecimalShape | null {
  const m = DECIMAL_TEXT.exec(type);
  if (!m) return null;
  const precision = Number(m[1]);
  const scale = Number(m[2]);
  return precision >= 1 && precision <= 38 && scale <= precision ? { precision, scale } : null;
}

export const SIMPLE_TYPES: readonly SqlType[] = ['VARCHAR', 'BIGINT', 'DATE', 'TIMESTAMP', 'BOOLEAN'];

/** True when `type` is one of the column types (a DECIMAL within 38 digits). */
export function isColumnType(type: string): type is ColumnType {
  return (SIMPLE_TYPES as readonly string[]).includes(type) || decimalShape(type) !== null;
}

/** The fix for a type that is none of them. */
export const COLUMN_TYPE_HINT = `use one of ${SIMPLE_TYPES.join(', ')} or DECIMAL(p,s) with 1 <= p <= 38 and s <= p`;
