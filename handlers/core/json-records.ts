/**
 * A JSON record as the text fields of a dataset's raw columns (the `json` and `jsonLines` formats), the
 * same on every engine (glue/lakestep_rules.py `json_record_fields`): a string as is, a boolean as
 * `true`/`false`, a number as JavaScript's shortest text of its double (`12.5`, `1e+21`), a missing
 * value or null as an empty field; a nested object or array, or an integer beyond 2^53 (not exact in
 * every JSON reader), puts the record out of shape.
 */
import type { JsonField } from '../../workflows/datasets';
import { capText } from './errors';

/** The largest integer a double holds exactly: beyond it a JSON reader may have changed the number. */
const EXACT_INTEGER = 2 ** 53;

/** Where a raw column's value is, and what it must be. */
export interface FieldLocation {
  readonly column: string;
  readonly path: readonly string[];
  readonly type?: 'string' | 'number' | 'boolean';
  readonly required: boolean;
}

/** The location of every raw column, in raw-column order (absent from `fields`: the key of its name). */
export function fieldLocations(
  rawColumns: readonly string[],
  fields: Readonly<Record<string, JsonField>> | undefined,
): FieldLocation[] {
  return rawColumns.map((column) => {
    const f = fields?.[column] ?? column;
    if (typeof f === 'string') return { column, path: splitPath(f), required: false };
    return { column, path: splitPath(f.path), type: f.type, required: f.required ?? false };
  });
}

/** A dot path's keys; `''` is the value itself. */
export function splitPath(path: string): string[] {
  return path === '' ? [] : path.split('.');
}

/** The value at `path` under `value`, or undefined when a key on the way is missing. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) {
    if (!isJsonObject(v) || !Object.hasOwn(v, key)) return undefined;
    v = v[key];
  }
  return v;
}

/** The record's fields in raw-column order, or why it is out of shape (a sentence naming the column). */
export function jsonRecordFields(
  record: unknown,
  locations: readonly FieldLocation[],
): { fields: string[] } | { problem: string } {
  if (!isJsonObject(record)) return { problem: `it is ${describeJson(record)}, not a JSON object` };
  const fields: string[] = [];
  for (const loc of locations) {
    const v = valueAt(record, loc.path);
    const where = `"${loc.path.join('.')}"`;
    if (v === undefined || v === null || (loc.type !== undefined && typeof v !== loc.type)) {
      if (loc.required)
        return {
          problem: `it has no ${where} that is ${loc.type ? `a JSON ${loc.type}` : 'a value'} (${v === undefined ? 'it has none' : describeJson(v)})`,
        };
      fields.push('');
      continue;
    }
    const text = jsonScalarText(v);
    if (typeof text !== 'string') return { problem: `its ${where} is ${text.problem}` };
    fields.push(text);
  }
  return { fields };
}

/** A JSON scalar's text, or why it has none. */
export function jsonScalarText(v: unknown): string | { problem: string } {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) > EXACT_INTEGER)
      return {
        problem: `the number ${v}, an integer beyond 2^53 that JSON readers do not all keep exact: write it as a JSON string`,
      };
    return Object.is(v, -0) ? '0' : String(v);
  }
  return { problem: `${describeJson(v)}: name a path into it (e.g. "a.b")` };
}

/** What a JSON value is, briefly: its type, and a capped text of a scalar. */
export function describeJson(v: unknown): string {
  if (typeof v === 'string') return `the string ${capText(JSON.stringify(v))}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `the ${typeof v} ${v}`;
  if (v === null) return 'null';
  return Array.isArray(v) ? 'an array' : 'an object';
}

export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
