/**
 * The statistics object's UTF-8 proof works on bytes (no decoding to strings): its verdict must equal a
 * fatal WHATWG decoder's on any bytes, however the stream is cut into chunks, and the header it reads
 * must be the same wherever a chunk boundary splits a multi-byte character.
 */
import { validateCsvObject, wholeSequencesLength } from '../handlers/core/validate-object';
import { mulberry32 } from '../local/sample-data';
import { STATISTICS } from '../workflows/datasets';

const HEADER = STATISTICS.rawColumns.join(',');
const enc = new TextEncoder();

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length)].sort((a, b) => a - b)) {
    yield bytes.subarray(at, c);
    at = c;
  }
  yield bytes.subarray(at);
}

function fatalVerdict(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

// Pieces that make valid and invalid sequences likely: ASCII, 2/3/4-byte characters, a BOM, lone
// continuation bytes, truncated leads, overlongs, encoded surrogates, code points beyond U+10FFFF.
const PIECES: number[][] = [
  [0x61],
  [0x2c],
  [0x0a],
  [0xc3, 0xa9],
  [0xe2, 0x82, 0xac],
  [0xf0, 0x9f, 0x98, 0x80],
  [0xef, 0xbb, 0xbf],
  [0x80],
  [0xc3],
  [0xe2, 0x82],
  [0xf0, 0x9f],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xff],
];

describe('validateCsvObject (byte-level UTF-8 proof)', () => {
  it('judges random bytes exactly as a fatal decoder does, for random chunkings', async () => {
    const next = mulberry32(20261121);
    let invalid = 0;
    for (let n = 0; n < 400; n++) {
      const body: number[] = [];
      const pieces = 1 + Math.floor(next() * 30);
      // Mostly valid pieces, so that valid objects are common too.
      for (let i = 0; i < pieces; i++)
        body.push(
          ...(PIECES[next() < 0.85 ? Math.floor(next() * 7) : Math.floor(next() * PIECES.length)] ?? []),
        );
      const bytes = new Uint8Array([...enc.encode(`${HEADER}\n`), ...body]);
      const cuts = Array.from({ length: Math.floor(next() * 6) }, () => Math.floor(next() * bytes.length));
      const problem = await validateCsvObject(chunked(bytes, cuts), STATISTICS.rawColumns);
      const valid = fatalVerdict(bytes);
      if (!valid) invalid++;
      expect([n, problem?.reason ?? 'ok']).toEqual([n, valid ? 'ok' : 'encoding']);
    }
    expect(invalid).toBeGreaterThan(50); // the generator did exercise the invalid side
  });

  it('reads the header when a chunk boundary splits a multi-byte character (and a BOM is fine)', async () => {
    const text = `\ufeff${HEADER}\nabc,é€😀\n`;
    const bytes = enc.encode(text);
    for (let cut = 1; cut < bytes.length; cut++)
      expect([cut, await validateCsvObject(chunked(bytes, [cut, cut + 1]), STATISTICS.rawColumns)]).toEqual([
        cut,
        null,
      ]);
  });

  it('names the byte range of the chunk where the invalid byte is, and a sequence cut off at the end', async () => {
    const bad = new Uint8Array([...enc.encode(`${HEADER}\n`), 0x61, 0xff, 0x62]);
    expect((await validateCsvObject(chunked(bad, [10]), STATISTICS.rawColumns))?.detail).toBe(
      `it is not UTF-8 (invalid UTF-8 between bytes 10 and ${bad.length}); re-export it as UTF-8`,
    );
    const cutOff = new Uint8Array([...enc.encode(`${HEADER}\n`), 0xe2, 0x82]);
    expect((await validateCsvObject(chunked(cutOff, []), STATISTICS.rawColumns))?.detail).toContain(
      `between bytes ${cutOff.length - 2} and ${cutOff.length}`,
    );
  });

  it('keeps back only a sequence the chunk cuts off', () => {
    expect(wholeSequencesLength(enc.encode('ab'))).toBe(2);
    expect(wholeSequencesLength(new Uint8Array([0x61, 0xe2, 0x82]))).toBe(1);
    expect(wholeSequencesLength(new Uint8Array([0x61, 0xe2, 0x82, 0xac]))).toBe(4);
    expect(wholeSequencesLength(new Uint8Array([0x61, 0xf0]))).toBe(1);
    expect(wholeSequencesLength(new Uint8Array([0x80, 0x80, 0x80, 0x80]))).toBe(4);
  });
});
