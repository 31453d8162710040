/**
 * Object-level validation of a landed object, streamed: UTF-8 (a leading BOM is fine), the statistics
 * header, the categories reference shape. Returns the first problem as a reason code and a message.
 */
import { STATISTICS } from '../../workflows/datasets';
import { CsvRecordReader } from './csv-records';

export interface Problem {
  readonly reason: 'empty_object' | 'encoding' | 'header_mismatch' | 'reference_shape';
  readonly detail: string;
}

/** Decodes a byte stream as UTF-8, failing on the first invalid sequence with its byte range. */
export async function* decodeUtf8(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  for await (const chunk of chunks) {
    try {
      yield decoder.decode(chunk, { stream: true });
    } catch {
      throw new EncodingProblem(offset, offset + chunk.byteLength);
    }
    offset += chunk.byteLength;
  }
  try {
    yield decoder.decode();
  } catch {
    throw new EncodingProblem(offset, offset);
  }
}

export class EncodingProblem extends Error {
  constructor(
    readonly from: number,
    readonly to: number,
  ) {
    super(`invalid UTF-8 between bytes ${from} and ${to}`);
  }
}

/** Reads the whole object (to prove it is UTF-8) and checks its first record against the contract header. */
export async function validateStatistics(chunks: AsyncIterable<Uint8Array>): Promise<Problem | null> {
  let header: string[] | null = null;
  const reader = new CsvRecordReader((r) => {
    header ??= r;
  });
  try {
    for await (const text of decodeUtf8(chunks)) {
      if (header === null) reader.push(text);
    }
    if (header === null) reader.end();
  } catch (e) {
    if (e instanceof EncodingProblem)
      return { reason: 'encoding', detail: `it is not UTF-8 (${e.message}); re-export it as UTF-8` };
    throw e;
  }
  const found: string[] = header ?? [];
  const expected = STATISTICS.rawColumns;
  if (found.length === expected.length && found.every((c, i) => c === expected[i])) return null;
  return { reason: 'header_mismatch', detail: describeHeaderMismatch(found, expected) };
}

function describeHeaderMismatch(found: readonly string[], expected: readonly string[]): string {
  if (found.length === 0) return 'it has no header record';
  const missing = expected.filter((c) => !found.includes(c));
  const extra = found.filter((c) => !expected.includes(c));
  const parts = [`its header has ${found.length} columns, the contract has ${expected.length}`];
  if (missing.length) parts.push(`missing: ${missing.join(', ')}`);
  if (extra.length) parts.push(`unexpected: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  if (!missing.length && !extra.length) parts.push('the columns are out of order');
  return `${parts.join('; ')} (expected ${expected.join(',')})`;
}

export interface Category {
  readonly id: bigint;
  readonly title: string;
  readonly assignable: boolean | null;
}

/** Parses a category reference object. Any item out of shape rejects the whole object. */
export function parseCategories(text: string): { categories: Category[] } | Problem {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { reason: 'reference_shape', detail: `it is not JSON (${(e as Error).message})` };
  }
  const items = isRecord(doc) ? doc.items : undefined;
  if (!Array.isArray(items)) return { reason: 'reference_shape', detail: 'it has no "items" list' };
  const categories: Category[] = [];
  for (const [i, item] of items.entries()) {
    const snippet = isRecord(item) ? item.snippet : undefined;
    const id = isRecord(item) ? idText(item.id) : null;
    const title = isRecord(snippet) ? snippet.title : undefined;
    if (id === null || !/^[0-9]+$/.test(id))
      return { reason: 'reference_shape', detail: `items[${i}] has no digit-string "id"` };
    if (typeof title !== 'string')
      return { reason: 'reference_shape', detail: `items[${i}] has no string "snippet.title"` };
    const assignable =
      isRecord(snippet) && typeof snippet.assignable === 'boolean' ? snippet.assignable : null;
    categories.push({ id: BigInt(id), title, assignable });
  }
  return { categories };
}

function idText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
