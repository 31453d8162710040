/**
 * Huge values never leak into metadata: a cause, a log line, an event or reason.json shows a short
 * prefix of an outside value and its length, and the statistics header is read with a bound, so a
 * file of hundreds of MB without a newline is `header_mismatch` with a small cause (never a RangeError).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { capText } from '../handlers/core/errors';
import { readDocumentText } from '../handlers/core/ingest-document';
import { HEADER_READ_BOUND, validateCsvObject } from '../handlers/core/validate-object';
import { STATISTICS } from '../workflows/datasets';
import { runFiles, tempDir } from './helpers/lake';

const MiB = 1024 * 1024;
const HEADER = STATISTICS.rawColumns.join(',');

/** `total` bytes: `head`, then `fill` repeated, as chunks of at most 1 MiB (nothing held whole). */
async function* generated(total: number, fill: number, head = ''): AsyncGenerator<Uint8Array> {
  const first = Buffer.from(head);
  yield first;
  const chunk = Buffer.alloc(MiB, fill);
  for (let left = total - first.length; left > 0; left -= MiB) yield chunk.subarray(0, Math.min(MiB, left));
}

async function writeGenerated(path: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const out = createWriteStream(path);
  for await (const c of chunks)
    if (!out.write(c)) await new Promise<void>((r) => out.once('drain', () => r()));
  out.end();
  await finished(out);
}

async function sha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)],
  );
}

describe('capText', () => {
  it('keeps a short value whole and shows a long one as a prefix and its length', () => {
    expect(capText('views')).toBe('views');
    expect(capText('x'.repeat(120))).toBe('x'.repeat(120));
    expect(capText('x'.repeat(121))).toBe(`${'x'.repeat(120)}… (121 characters)`);
    expect(capText('abcdef', 3)).toBe('abc… (6 characters)');
    expect(capText('x'.repeat(50_000_000)).length).toBeLessThan(200);
  });

  it('never cuts a surrogate pair in half', () => {
    const capped = capText(`ab${'😀'.repeat(10)}`, 3);
    expect(capped).toBe('ab… (22 characters)');
  });
});

describe('the statistics header is read with a bound', () => {
  it('rejects 600 MB without a newline as header_mismatch with a small detail', async () => {
    const problem = await validateCsvObject(generated(600 * MiB, 0x78), STATISTICS.rawColumns);
    expect(problem?.reason).toBe('header_mismatch');
    expect(problem?.detail.length).toBeLessThan(1000);
    expect(problem?.detail).toContain(`longer than ${HEADER_READ_BOUND} characters`);
  });

  it('still finds the header after many blank lines, and quoted', async () => {
    const quoted = STATISTICS.rawColumns.map((c) => `"${c}"`).join(',');
    expect(await validateCsvObject(generated(3 * MiB, 0x0a, `\r\n\n`), STATISTICS.rawColumns)).toEqual({
      reason: 'header_mismatch',
      detail: expect.stringContaining('it has no header record'),
    });
    const blanks = async function* () {
      yield* generated(2 * MiB, 0x0a);
      yield Buffer.from(`\r\n${quoted}\r\nrow\n`);
    };
    expect(await validateCsvObject(blanks(), STATISTICS.rawColumns)).toBeNull();
  });

  it('reads a header cut across chunks, and names long unexpected columns briefly', async () => {
    const cut = async function* () {
      yield Buffer.from(HEADER.slice(0, 10));
      yield Buffer.from(`${HEADER.slice(10)}\n1,2\n`);
    };
    expect(await validateCsvObject(cut(), STATISTICS.rawColumns)).toBeNull();
    const long = async function* () {
      yield Buffer.from(`${HEADER.replace('title', 'y'.repeat(40_000))}\n`);
    };
    const problem = await validateCsvObject(long(), STATISTICS.rawColumns);
    expect(problem?.reason).toBe('header_mismatch');
    expect(problem?.detail).toContain('(40000 characters)');
    expect(problem?.detail.length).toBeLessThan(1000);
  });
});

describe('a category reference is read whole only up to a bound', () => {
  it('is too large beyond the bound, yet still rejected as encoding when it is not UTF-8', async () => {
    expect(await readDocumentText(generated(3 * MiB, 0x20), MiB)).toBe('too_large');
    const notUtf8 = async function* () {
      yield* generated(3 * MiB, 0x20);
      yield Buffer.from([0xff]);
    };
    expect(await readDocumentText(notUtf8(), MiB)).toMatchObject({ reason: 'encoding' });
    expect(await readDocumentText(generated(MiB, 0x20, '\ufeff{"items": []}'), MiB)).toHaveLength(MiB - 3);
  });
});

describe('a huge object through the pipeline leaves small metadata', () => {
  const { dir, cleanup } = tempDir('large');
  afterAll(cleanup);

  it('rejects a 64 MB file without a newline and a category file with a 16 MB id, with small causes', async () => {
    const noNewline = join(dir, 'USvideos_no_newline.csv');
    await writeGenerated(noNewline, generated(64 * MiB, 0x78));
    const hugeId = join(dir, 'US_category_id_huge.json');
    await writeGenerated(
      hugeId,
      (async function* () {
        yield* generated(16 * MiB + 46, 0x31, '{"items": [{"snippet": {"title": "x"}, "id": "');
        yield Buffer.from('"}]}');
      })(),
    );
    const notJson = join(dir, 'GB_category_id_not_json.json');
    await writeGenerated(notJson, generated(16 * MiB, 0x5b, '{"items": ['));

    const lake = join(dir, 'lake');
    const runs = await runFiles(lake, [noNewline, hugeId, notJson]);
    // A system fault names its error, so that a failure here says what went wrong.
    const failure = (e: (typeof runs)[number]) => (e.outcome === 'failed' ? `${e.error}: ${e.cause}` : null);
    expect(runs.map((e) => [e.outcome, e.reason, failure(e)])).toEqual([
      ['rejected', 'header_mismatch', null],
      ['rejected', 'reference_shape', null],
      ['rejected', 'reference_shape', null],
    ]);
    for (const [e, source] of runs.map((r, i) => [r, [noNewline, hugeId, notJson][i] as string] as const)) {
      expect(e.cause?.length).toBeLessThan(2000);
      const qdir = join(lake, 'quarantine', 'objects', ...e.objectKey.split('/'), e.name);
      expect(statSync(join(qdir, 'reason.json')).size).toBeLessThan(4000);
      expect(await sha(join(qdir, e.objectKey.split('/').at(-1) as string))).toBe(await sha(source));
      expect(await sha(join(lake, 'landing', ...e.objectKey.split('/')))).toBe(await sha(source));
    }
    expect(runs[1]?.cause).toContain('(16777216 characters)'); // the id's digits, shown as a prefix
    // The execution records (history, events, logs, tasks) stay small.
    for (const f of filesUnder(join(lake, 'executions')))
      expect([f, statSync(f).size < 256 * 1024]).toEqual([f, true]);
  });
});
