/**
 * Object-level validation of a landed object, streamed: UTF-8 (a leading BOM is fine) and a CSV dataset's
 * header. Returns the first problem as a reason code and a message.
 */
import { isUtf8 } from 'node:buffer';
import { type CsvDialect, CsvRecordReader } from './csv-records';
import { capText } from './errors';

export interface Problem {
  readonly reason: 'empty_object' | 'encoding' | 'header_mismatch' | 'reference_shape' | 'parquet_shape';
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

/**
 * How many leading bytes of `bytes` end on a whole UTF-8 sequence: a sequence cut by the chunk's end is
 * left for the next chunk. (Invalid bytes are not judged here: the validation of the prefix does that.)
 */
export function wholeSequencesLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = n - 1; i >= Math.max(0, n - 4); i--) {
    const b = bytes[i] as number;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > n ? i : n;
  }
  return n;
}

/**
 * How much of the first record is read before it is judged not to be the header: the contract header,
 * however quoted (at most two quotes per field) and with a CRLF, is under 300 characters, so a longer
 * first record can never match and need not be held. This bounds the memory and every message about it.
 */
export const HEADER_READ_BOUND = 64 * 1024;

/**
 * Proves a byte stream is UTF-8 without decoding it (a sequence cut by a chunk's end waits for the
 * next chunk), handing each proven prefix to `valid`; the `encoding` problem with its byte range, or null.
 */
export async function utf8Problem(
  chunks: AsyncIterable<Uint8Array>,
  valid: (bytes: Uint8Array) => void = () => {},
): Promise<Problem | null> {
  const encoding = (from: number, to: number): Problem => ({
    reason: 'encoding',
    detail: `it is not UTF-8 (${new EncodingProblem(from, to).message}); re-export it as UTF-8`,
  });
  let offset = 0;
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of chunks) {
    const bytes = carry.length ? concat(carry, chunk) : chunk;
    const whole = wholeSequencesLength(bytes);
    const prefix = bytes.subarray(0, whole);
    if (!isUtf8(prefix)) return encoding(offset - carry.length, offset + chunk.byteLength);
    valid(prefix);
    carry = bytes.slice(whole);
    offset += chunk.byteLength;
  }
  return carry.length ? encoding(offset - carry.length, offset) : null;
}

/**
 * Reads the whole object to prove it is UTF-8 — byte-level validation, no decoding to strings, so a
 * large object costs little more than reading it — and checks its first record, read in the dataset's
 * dialect (default: the excel one), against the contract header (only the bytes up to the header are
 * decoded, and at most HEADER_READ_BOUND characters of it).
 */
export async function validateCsvObject(
  chunks: AsyncIterable<Uint8Array>,
  expected: readonly string[],
  dialect: CsvDialect = {},
): Promise<Problem | null> {
  let header: string[] | null = null;
  const reader = new CsvRecordReader((r) => {
    header ??= r;
  }, dialect);
  const { wanted, readAs } = describeDialect(expected, dialect);
  const decoder = new TextDecoder('utf-8'); // the header's bytes, once proven valid (a BOM is dropped)
  let headerChars = 0; // characters of the first record pushed so far (leading blank lines not counted)
  let headerTooLong = false;
  const problem = await utf8Problem(chunks, (valid) => {
    if (header !== null || headerTooLong) return;
    let text = decoder.decode(valid, { stream: true });
    if (headerChars === 0) text = text.slice(leadingLineBreaks(text)); // blank lines before the header
    reader.push(text);
    headerChars += text.length;
    headerTooLong = header === null && headerChars > HEADER_READ_BOUND;
  });
  if (problem) return problem;
  if (headerTooLong)
    return {
      reason: 'header_mismatch',
      detail: `its first record is longer than ${HEADER_READ_BOUND} characters, so it is not the contract header (expected ${wanted})${readAs}`,
    };
  if (header === null) reader.end();
  const found: string[] = header ?? [];
  if (found.length === expected.length && found.every((c, i) => c === expected[i])) return null;
  return { reason: 'header_mismatch', detail: `${describeHeaderMismatch(found, expected, wanted)}${readAs}` };
}

/**
 * The expected header as the file should hold it (a column holding the delimiter, the quote or a line
 * break quoted; joined by the delimiter, escaped when it is not printable), and, for a dialect other
 * than the excel one, which dialect the header was read in: a file written with commas then says why
 * its header is one field.
 */
function describeDialect(
  expected: readonly string[],
  dialect: CsvDialect,
): { wanted: string; readAs: string } {
  const delimiter = dialect.delimiter ?? ',';
  const quote = dialect.quote ?? '"';
  const shown = /^[!-~]$/.test(delimiter) ? delimiter : JSON.stringify(delimiter).slice(1, -1);
  const excel = delimiter === ',' && quote === '"';
  const field = (c: string) =>
    c.includes(delimiter) || c.includes(quote) || /[\r\n]/.test(c)
      ? `${quote}${c.replaceAll(quote, quote + quote)}${quote}`
      : c;
  return {
    wanted: expected.map(field).join(shown),
    readAs: excel
      ? ''
      : `; it was read as CSV with delimiter ${JSON.stringify(delimiter)} and quote ${JSON.stringify(quote)}, the dataset's format: write the file in that dialect, or declare the one it is written in`,
  };
}

/** How many CR and LF characters `text` starts with (a scan: a chunk may be a MiB of blank lines). */
function leadingLineBreaks(text: string): number {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13)) i++;
  return i;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function describeHeaderMismatch(
  found: readonly string[],
  expected: readonly string[],
  wanted: string,
): string {
  if (found.length === 0) return 'it has no header record';
  const missing = expected.filter((c) => !found.includes(c));
  const extra = found.filter((c) => !expected.includes(c));
  const parts = [`its header has ${found.length} columns, the contract has ${expected.length}`];
  if (missing.length) parts.push(`missing: ${missing.join(', ')}`);
  if (extra.length)
    parts.push(
      `unexpected: ${extra
        .slice(0, 5)
        .map((c) => JSON.stringify(capText(c, 60)))
        .join(', ')}${extra.length > 5 ? `, … (${extra.length} in all)` : ''}`,
    );
  if (!missing.length && !extra.length) parts.push('the columns are out of order');
  return `${parts.join('; ')} (expected ${wanted})`;
}
