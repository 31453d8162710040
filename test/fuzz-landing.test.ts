/**
 * Fuzz-style landing: a few hundred seeded, randomly damaged files (random bytes, byte flips,
 * truncations, huge fields, odd names, JSON edge cases) go through the real pipeline in one lake, and
 * every object must end in the reference program's outcome and counts, with nothing lost: every landed
 * original byte-identical, every rejected object whole in quarantine with its reason, every DQ-failed
 * batch in quarantine, every row of a promoted batch either cleansed, quarantined or a counted duplicate,
 * and category_daily equal to the reference's. Deterministic: the seed fixes every file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { mulberry32 } from '../local/sample-data';
import { STATISTICS } from '../workflows/datasets';
import { CATEGORY_DAILY_SQL, query, runFiles, tempDir } from './helpers/lake';
import { runReference } from './helpers/python';

const SEED = 13_2026;
const FILES = 200;
const HEADER = STATISTICS.rawColumns.join(',');
const REGIONS = ['US', 'GB', 'CA', 'DE', 'FR', 'IN', 'JP', 'KR', 'MX', 'RU'];
const CATEGORY_IDS = ['1', '2', '10', '15', '17', '22', '24', '29'];

type Rng = () => number;

class Fuzzer {
  private readonly r: Rng;
  constructor(seed: number) {
    this.r = mulberry32(seed);
  }
  r01(): number {
    return this.r();
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)] as T;
  }
  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(0, 255)));
  }
}

const csvField = (f: string) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);

/** A record that passes every rule (unless the fuzzer damages it). */
function goodRecord(f: Fuzzer, i: number): string[] {
  const id = `v${String(i).padStart(10, '0')}`.slice(-11).replace(/^0/, 'x');
  const big = f.chance(0.03);
  return [
    id,
    `17.${String(f.int(10, 14))}.11`,
    `Title ${i}, "quoted" ✓`,
    `Channel ${i % 7}`,
    f.pick(CATEGORY_IDS),
    `2017-11-${String(f.int(10, 13))}T${String(f.int(10, 23))}:13:0${f.int(0, 9)}.000Z`,
    f.chance(0.5) ? `"tag${i}"|"other"` : `tag${i}`,
    big ? f.pick(['9223372036854775807', '9000000000000000000']) : String(f.int(0, 2_000_000)),
    String(f.int(0, 50_000)),
    String(f.int(0, 900)),
    String(f.int(0, 3000)),
    `https://i.ytimg.com/vi/${id}/default.jpg`,
    f.pick(['False', 'True', 'FALSE', 'TRUE']),
    'False',
    'False',
    f.chance(0.2) ? `Line one\nline two\r\nthree ${i}` : `Description ${i}`,
  ];
}

const DAMAGE = [
  '',
  '"',
  ',',
  '\r',
  '\n',
  '\r\n',
  'x',
  '٣',
  '\u00a0',
  '"|"',
  '-',
  '.',
  'T',
  'Z',
  '00',
  '\ufeff',
  '\0',
];

/**
 * A statistics object: good records with value damage (`rowDamage` per record), then, when `bytes`,
 * damage to the serialized bytes. Light damage mostly succeeds; heavy damage mostly fails DQ or is rejected.
 */
function statistics(f: Fuzzer, n: number, rowDamage: number, bytes: boolean): { kind: string; body: Buffer } {
  const kinds: string[] = [];
  const records = Array.from({ length: f.int(3, 30) }, (_, i) => goodRecord(f, n * 100 + i));
  for (const rec of records) {
    if (f.chance(rowDamage)) {
      const at = f.pick([0, 1, 4, 5, 7, 8, 9, 10]);
      const v = rec[at] as string;
      const pos = f.int(0, v.length);
      rec[at] = v.slice(0, pos) + f.pick(DAMAGE) + v.slice(pos + (f.chance(0.5) ? 1 : 0));
    }
    if (f.chance(0.01)) rec[f.pick([7, 8, 4])] = '9223372036854775808'; // just beyond BIGINT
    if (f.chance(0.01)) rec[7] = '1'.repeat(f.int(20, 300)); // a long digit string
  }
  if (f.chance(0.08)) {
    kinds.push('huge_field');
    const rec = f.pick(records);
    const size = f.int(100_000, 1_500_000);
    rec[f.pick([2, 6, 15])] = f
      .pick(['x', 'ab,"c"\n', '"|"', 'é'])
      .repeat(Math.ceil(size / 4))
      .slice(0, size);
  }
  if (f.chance(0.05)) {
    kinds.push('duplicates');
    for (const rec of records.slice(0, 3))
      records.push([...rec.slice(0, 7), String(f.int(0, 9)), ...rec.slice(8)]);
  }
  let header = HEADER;
  if (f.chance(0.06)) {
    kinds.push('header_drift');
    header = f.pick([
      HEADER.replace('views', 'Views'),
      HEADER.replace('video_id,trending_date', 'trending_date,video_id'),
      `${HEADER},extra`,
      HEADER.replace(',description', ''),
      ` ${HEADER}`,
      HEADER.replace('title', '"title"'), // quoted: still the header
    ]);
  }
  const eol = f.pick(['\n', '\r\n', '\r\n', '\r']);
  let text = [header, ...records.map((r) => r.map(csvField).join(','))].join(eol);
  if (f.chance(0.5)) text += eol;
  if (f.chance(0.1)) text = `\ufeff${text}`;
  if (f.chance(0.05)) text = `\n\r\n${text}`;
  const body = bytes ? damageBytes(f, Buffer.from(text), kinds, 1) : Buffer.from(text);
  return { kind: kinds.join('+') || 'clean', body };
}

/** Byte-level damage shared by both datasets: flips, truncation, random garbage, empty. */
function damageBytes(f: Fuzzer, body: Buffer, kinds: string[], weight: number): Buffer {
  let out = body;
  if (f.chance(0.5 * weight)) {
    kinds.push('flips');
    out = Buffer.from(out);
    for (let k = f.int(1, 6); k > 0 && out.length > 0; k--) out[f.int(0, out.length - 1)] = f.int(0, 255);
  }
  if (f.chance(0.3 * weight)) {
    kinds.push('truncated');
    out = out.subarray(0, f.int(0, out.length));
  }
  if (f.chance(0.15 * weight)) {
    kinds.push('random_bytes');
    out = f.bytes(f.int(0, 3000));
  }
  if (f.chance(0.05 * weight)) {
    kinds.push('utf16');
    out = Buffer.from(`\ufeff${out.toString('utf8')}`, 'utf16le');
  }
  return out;
}

/** A category reference object, valid or with one of the contract's edge cases. */
function categories(f: Fuzzer): { kind: string; body: Buffer } {
  const kinds: string[] = [];
  const items: string[] = Array.from({ length: f.int(0, 8) }, () => {
    const id = f.pick(CATEGORY_IDS);
    return `{"kind": "youtube#videoCategory", "id": "${id}", "snippet": {"title": "Cat ${id} ${f.int(0, 9)} \\u00e9", "assignable": ${f.chance(0.5)}}}`;
  });
  const edge = f.chance(0.7)
    ? f.pick([
        ['numeric_id', '{"id": 10, "snippet": {"title": "Music"}}'],
        ['float_id', '{"id": 10.0, "snippet": {"title": "Music"}}'],
        ['exponent_id', '{"id": 1e1, "snippet": {"title": "Music"}}'],
        ['negative_id', '{"id": "-1", "snippet": {"title": "Minus"}}'],
        ['20_digit_id', '{"id": "12345678901234567890", "snippet": {"title": "Huge"}}'],
        ['2pow63_id', '{"id": "9223372036854775808", "snippet": {"title": "Just too big"}}'],
        ['max_id', '{"id": "9223372036854775807", "snippet": {"title": "Max"}}'],
        ['zero_padded_id', '{"id": "0022", "snippet": {"title": "Padded"}}'],
        ['no_title', '{"id": "5", "snippet": {}}'],
        ['number_title', '{"id": "5", "snippet": {"title": 5}}'],
        ['null_snippet', '{"id": "5", "snippet": null}'],
        ['string_item', '"just a string"'],
        ['nan', '{"id": "5", "snippet": {"title": "x", "score": NaN}}'],
        ['infinity', '{"id": "5", "snippet": {"title": "x", "score": -Infinity}}'],
        ['huge_number', '{"id": "5", "snippet": {"title": "x", "score": 1e400}}'],
        [
          'deep',
          `{"id": "5", "snippet": {"title": "Deep"}, "x": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
        ],
        ['huge_title', `{"id": "30", "snippet": {"title": "${'t'.repeat(f.int(100_000, 1_000_000))}"}}`],
        ['trailing_comma', '{"id": "5", "snippet": {"title": "x"},}'],
        ['single_quotes', "{'id': '5', 'snippet': {'title': 'x'}}"],
        ['control_char', '{"id": "5", "snippet": {"title": "tab\there"}}'],
      ] as const)
    : null;
  if (edge) {
    kinds.push(edge[0]);
    items.splice(f.int(0, items.length), 0, edge[1]);
  }
  let text = `{"kind": "youtube#videoCategoryListResponse", "etag": "x", "items": [${items.join(', ')}]}`;
  if (f.chance(0.05)) {
    kinds.push('no_items_list');
    text = f.pick(['{"items": {"a": 1}}', '[]', '"items"', '{"kind": "x"}', '{"items": null}']);
  }
  if (f.chance(0.05)) {
    kinds.push('whitespace');
    text = f.pick([` \t\n${text}\r\n`, `\u00a0${text}`, `${text}\n\n`]);
  }
  if (f.chance(0.1)) text = `\ufeff${text}`;
  return { kind: kinds.join('+') || 'clean', body: damageBytes(f, Buffer.from(text), kinds, 0.3) };
}

/** Odd but possible file names; some map to no dataset. */
function name(f: Fuzzer, i: number, dataset: 'statistics' | 'categories'): string {
  const cc = f.pick(REGIONS);
  const odd = f.pick([
    '',
    '',
    '',
    ' (1)',
    '_ü✓',
    "_'quote'",
    '_"dq"',
    '_#%&+=',
    '_[1]',
    '_{a,b}',
    '_*',
    '_ space',
    '_$HOME',
    '_;rm',
    `_${'l'.repeat(150)}`,
  ]);
  if (f.chance(0.1))
    return f.pick([
      `${cc.toLowerCase()}videos_${i}.csv`,
      `${cc}videos_${i}.CSV`,
      `${cc}videos_${i}.csv.bak`,
      ` ${cc}videos_${i}.csv`,
      `${cc}_category_id_${i}.JSON`,
      `readme_${i}.md`,
      `.${cc}videos_${i}.csv`,
      `Ü${cc.slice(1)}videos_${i}.csv`,
    ]);
  return dataset === 'statistics' ? `${cc}videos_${i}${odd}.csv` : `${cc}_category_id_${i}${odd}.json`;
}

function writeCorpus(dir: string): Map<string, string> {
  mkdirSync(dir, { recursive: true });
  const f = new Fuzzer(SEED);
  const kinds = new Map<string, string>();
  // The mix keeps the run short: a succeeded object costs a crawl and a MERGE, a rejected one little.
  for (let i = 0; i < FILES; i++) {
    const plan = f.r01();
    const dataset = plan < 0.2 ? 'categories' : 'statistics';
    const file = name(f, i, dataset);
    const { kind, body } =
      dataset === 'categories'
        ? categories(f)
        : plan < 0.32
          ? statistics(f, i, 0.01, false) // light: mostly succeeds
          : plan < 0.4
            ? statistics(f, i, 0.3, false) // heavy row damage: mostly fails DQ
            : statistics(f, i, 0.03, true); // byte damage: mostly rejected
    writeFileSync(join(dir, file), f.chance(0.01) ? Buffer.alloc(0) : body);
    kinds.set(file, `${dataset}:${kind}`);
  }
  return kinds;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)],
  );
}

describe(`${FILES} randomly damaged files land as the reference says, and nothing is lost`, () => {
  const { dir, cleanup } = tempDir('fuzz-landing');
  const cases = join(dir, 'cases');
  const lake = join(dir, 'lake');
  const kinds = writeCorpus(cases);
  const files = readdirSync(cases)
    .sort()
    .map((file) => join(cases, file));
  const reference = runReference([cases]);
  let runs: Awaited<ReturnType<typeof runFiles>>;

  beforeAll(async () => {
    runs = await runFiles(lake, files);
  }, 180_000);
  afterAll(cleanup);

  it('ends every object in the reference outcome, reason and counts', () => {
    expect(runs).toHaveLength(FILES);
    const mismatches = runs.flatMap((e) => {
      const file = basename(e.objectKey);
      const ref = reference.objects[file];
      const mine = { outcome: e.outcome, reason: e.reason ?? undefined, read: e.rows?.read };
      const want = { outcome: ref?.outcome, reason: ref?.reason, read: ref?.read };
      const counts =
        ref?.cleansed === undefined
          ? true
          : e.rows?.cleansed === ref.cleansed &&
            e.rows.quarantined === ref.quarantined &&
            e.rows.duplicates === ref.duplicates;
      const same =
        mine.outcome === want.outcome &&
        mine.reason === want.reason &&
        (want.read === undefined || mine.read === want.read) &&
        counts;
      return same
        ? []
        : [{ file, kind: kinds.get(file), mine: { ...mine, rows: e.rows, cause: e.cause }, want: ref }];
    });
    expect(mismatches).toEqual([]);
  });

  it('exercises every outcome and every rejection reason', () => {
    const outcomes = new Set(runs.map((e) => e.outcome));
    expect([...outcomes].sort()).toEqual(['dq_failed', 'rejected', 'succeeded']);
    const reasons = new Set(runs.map((e) => e.reason));
    for (const r of [
      'unknown_dataset',
      'empty_object',
      'encoding',
      'header_mismatch',
      'reference_shape',
      'zero_rows',
      'quarantined_share',
    ])
      expect([r, reasons.has(r)]).toEqual([r, true]);
  });

  it('keeps every landed original byte-identical and every rejected object whole in quarantine with its reason', () => {
    const quarantined = filesUnder(join(lake, 'quarantine'));
    for (const e of runs) {
      const source = readFileSync(join(cases, basename(e.objectKey)));
      const landed = readFileSync(join(lake, 'landing', ...e.objectKey.split('/')));
      expect([e.objectKey, sha(landed)]).toEqual([e.objectKey, sha(source)]);
      if (e.outcome === 'rejected') {
        const qdir = join(lake, 'quarantine', 'objects', ...e.objectKey.split('/'), e.name);
        expect(sha(readFileSync(join(qdir, basename(e.objectKey))))).toBe(sha(source));
        const reason = JSON.parse(readFileSync(join(qdir, 'reason.json'), 'utf8'));
        expect(reason).toMatchObject({ reason: e.reason, cause: e.cause });
        expect(e.cause?.length).toBeLessThan(3000);
      }
      if (e.outcome === 'dq_failed')
        expect([e.objectKey, quarantined.some((q) => q.endsWith(join(e.name, 'reason.json')))]).toEqual([
          e.objectKey,
          true,
        ]);
    }
  });

  it('holds every row of a promoted statistics batch as cleansed or quarantined', async () => {
    const cleansed = await query(
      lake,
      'SELECT source_object, count(*)::INTEGER AS n FROM cleansed.statistics GROUP BY source_object',
    );
    const rejected = await query(
      lake,
      `SELECT source_object, count(*)::INTEGER AS n FROM read_parquet('${join(lake, 'quarantine', 'rows', 'statistics')}/*/*/*.parquet', union_by_name = true) GROUP BY source_object`,
    );
    const count = (rows: Record<string, unknown>[], key: string) =>
      (rows.find((r) => r.source_object === key)?.n as number | undefined) ?? 0;
    for (const e of runs.filter((x) => x.dataset === 'statistics' && x.outcome === 'succeeded')) {
      expect([e.objectKey, count(cleansed, e.objectKey), count(rejected, e.objectKey)]).toEqual([
        e.objectKey,
        e.rows?.cleansed,
        e.rows?.quarantined,
      ]);
    }
  });

  it('quarantines each bad row with the rule the reference names, in promoted and DQ-failed batches', async () => {
    const rejected = (glob: string) =>
      query(
        lake,
        `SELECT source_object, rule, count(*)::INTEGER AS n FROM read_parquet('${glob}', union_by_name = true) GROUP BY ALL`,
      );
    const rows = [
      ...(await rejected(`${join(lake, 'quarantine', 'rows', 'statistics')}/*/*/*.parquet`)),
      ...(await rejected(`${join(lake, 'quarantine', 'batches', 'statistics')}/*/*/*/rejected.parquet`)),
    ];
    const mine: Record<string, Record<string, number>> = {};
    for (const r of rows) {
      const file = basename(r.source_object as string);
      mine[file] = { ...mine[file], [r.rule as string]: r.n as number };
    }
    const theirs = Object.fromEntries(
      Object.entries(reference.objects)
        .filter(([, o]) => o.outcome !== 'rejected' && Object.keys(o.rules ?? {}).length > 0)
        .map(([file, o]) => [file, o.rules]),
    );
    expect(mine).toEqual(theirs);
    expect(Object.keys(theirs).length).toBeGreaterThan(20);
  });

  it('materializes category_daily exactly as the reference does', async () => {
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(reference.rows);
  });
});
