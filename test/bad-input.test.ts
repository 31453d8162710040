/**
 * Classes of bad input, each against the reference: empty, non-UTF-8, BOM, header drift, reference-shape
 * breaks, zero rows, every row rule, and randomly damaged files. Nothing is lost: rejected objects are
 * copied whole to quarantine with a reason, bad rows land in quarantine with their rule, and the landed
 * original is never modified.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { CATEGORY_DAILY_SQL, query, runFiles, tempDir } from './helpers/lake';
import { runReference } from './helpers/python';

const HEADER =
  'video_id,trending_date,title,channel_title,category_id,publish_time,tags,views,likes,dislikes,comment_count,thumbnail_link,comments_disabled,ratings_disabled,video_error_or_removed,description';

function rand(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A well-formed record; `i` varies id, day and counts. */
function goodRow(i: number, day = 14 + (i % 3)): string[] {
  const id = `vid${String(i).padStart(8, '0')}`.slice(0, 11);
  return [
    id,
    `17.${day}.11`,
    `Title ${i}, "quoted"`,
    `Channel ${i % 5}`,
    String([1, 10, 22, 24, 29][i % 5]),
    '2017-11-13T17:13:01.000Z',
    `"tag${i}"|"other"`,
    String(1000 + i * 7),
    String(i * 3),
    String(i % 11),
    String(i * 2),
    `https://i.ytimg.com/vi/${id}/default.jpg`,
    'False',
    i % 7 === 0 ? 'TRUE' : 'False',
    'False',
    `Line one\\nline two ✓ ${i}`,
  ];
}

const csvField = (f: string) =>
  /[",\r\n]/.test(f) && !/^"[^"]*"\|/.test(f) ? `"${f.replace(/"/g, '""')}"` : f;
const csv = (rows: string[][], eol = '\n') =>
  [HEADER, ...rows.map((r) => r.map(csvField).join(','))].join(eol) + eol;
const catJson = (items: unknown) => JSON.stringify({ kind: 'youtube#videoCategoryListResponse', items });
const cat = (id: unknown, title: unknown) => ({
  kind: 'youtube#videoCategory',
  id,
  snippet: { title, assignable: true },
});

function writeCases(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const w = (name: string, body: string | Buffer) => writeFileSync(join(dir, name), body);
  const good = (n: number, from = 0) => Array.from({ length: n }, (_, i) => goodRow(from + i));
  w('USvideos_empty.csv', '');
  w('empty.txt', '');
  w('readme.md', '# not data\n');
  w('usvideos_lowercase.csv', csv(good(3)));
  w(
    'GBvideos_latin1.csv',
    Buffer.concat([
      Buffer.from(`${HEADER}\n`),
      Buffer.from('abcdefghijk,17.14.11,Caf\xe9,c', 'latin1'),
      Buffer.from(',1,2017-11-13T17:13:01.000Z,t,1,1,1,1,l,False,False,False,d\n'),
    ]),
  );
  w('CAvideos_bom_crlf.csv', `\ufeff${csv(good(30), '\r\n')}`);
  w('DEvideos_reordered.csv', csv(good(3)).replace('video_id,trending_date', 'trending_date,video_id'));
  w(
    'DEvideos_v1_schema.csv',
    'video_id,title,channel_title,category_id,tags,views,likes,dislikes,comment_total,thumbnail_link,date\nabc,t,c,1,x,1,1,1,1,l,13.09\n',
  );
  w('FRvideos_header_only.csv', `${HEADER}\n`);
  w('FRvideos_blank_lines.csv', `\n${HEADER}\n\n\r\n${goodRow(1).map(csvField).join(',')}\n\n`);
  const everyRule = [
    goodRow(900).slice(0, 15), // field_count: 15 fields
    [...goodRow(901), 'extra'], // field_count: 17 fields
    ['#NAME?', ...goodRow(902).slice(1)], // video_id
    ['short', ...goodRow(903).slice(1)],
    [goodRow(904)[0] as string, '17.30.02', ...goodRow(904).slice(2)], // trending_date: no Feb 30
    [goodRow(905)[0] as string, '2017-11-14', ...goodRow(905).slice(2)],
    [...goodRow(906).slice(0, 5), '2017-11-13T24:00:00.000Z', ...goodRow(906).slice(6)], // publish_time
    [...goodRow(907).slice(0, 5), '2017-11-13T17:13:01.1234567Z', ...goodRow(907).slice(6)],
    [...goodRow(908).slice(0, 7), '1e5', ...goodRow(908).slice(8)], // counts
    [...goodRow(909).slice(0, 7), '-1', ...goodRow(909).slice(8)],
    [...goodRow(910).slice(0, 4), '٢٢', ...goodRow(910).slice(5)], // non-ASCII digits
  ];
  w('KRvideos_every_rule.csv', csv([...good(300, 1000), ...everyRule]));
  w('RUvideos_too_many_bad.csv', csv([...good(20, 300), ...everyRule]));
  w(
    'MXvideos_duplicates.csv',
    csv([...good(40, 500), goodRow(500), [...goodRow(501).slice(0, 7), '999999', ...goodRow(501).slice(8)]]),
  );
  w('JP_category_id.json', '{"items": [');
  w('KR_category_id.json', JSON.stringify({ items: { a: 1 } }));
  w('RU_category_id.json', catJson([cat('1', 'Film'), cat('x2', 'Bad id')]));
  w('FR_category_id.json', catJson([cat('1', 'Film'), cat('2', 42)]));
  w('DE_category_id.json', catJson([cat('1', 'Film'), { id: '2' }]));
  w('MX_category_id.json', catJson([]));
  w(
    'CA_category_id.json',
    catJson([cat(22, 'People'), cat('29', 'Nonprofits'), cat('22', 'People & Blogs (last wins)')]),
  );
  w('IN_category_id.json', Buffer.from(`\ufeff${catJson([cat('1', 'Film')])}`, 'utf16le'));
  // The contract's bounds: ids are JSON strings of digits below 2^63, NaN/Infinity are not JSON, nesting is no limit.
  w('BR_category_id_number.json', catJson([cat('1', 'Film'), cat(10, 'Music')]));
  w('BR_category_id_float.json', '{"items": [{"id": 10.0, "snippet": {"title": "Music"}}]}');
  w('BR_category_id_exponent.json', '{"items": [{"id": 1e1, "snippet": {"title": "Music"}}]}');
  w('BR_category_id_20_digits.json', catJson([cat('1', 'Film'), cat('12345678901234567890', 'Huge')]));
  w('BR_category_id_2pow63.json', catJson([cat('9223372036854775808', 'Just too big')]));
  w('BR_category_id_nan.json', '{"items": [{"id": "1", "snippet": {"title": "Film"}}], "score": NaN}');
  w('BR_category_id_infinity.json', '{"items": [{"id": "1", "snippet": {"title": "Film"}}], "x": -Infinity}');
  w(
    'BR_category_id_z_bounds.json',
    `{"items": [{"id": "9223372036854775807", "snippet": {"title": "Max"}}, {"id": "0010", "snippet": {"title": "Music"}}], "deep": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
  );
  w(
    'BRvideos_bigint_bounds.csv',
    csv([
      ...good(40, 700),
      // the largest count, alone in its (day, category): its sum fits even a BIGINT
      [
        ...goodRow(741).slice(0, 4),
        '43',
        ...goodRow(741).slice(5, 7),
        '9223372036854775807',
        ...goodRow(741).slice(8),
      ],
      [...goodRow(742).slice(0, 7), '9223372036854775808', ...goodRow(742).slice(8)], // counts
      [...goodRow(743).slice(0, 4), '9223372036854775808', ...goodRow(743).slice(5)], // counts: category_id
    ]),
  );
  w(
    'GB_category_id.json',
    `\ufeff${catJson([cat('1', 'Film & Animation'), cat('10', 'Music'), cat('24', 'Entertainment')])}`,
  );
}

/** Random damage to good rows: the reference decides what each becomes, we must agree. */
function writeFuzzCases(dir: string, files: number): void {
  mkdirSync(dir, { recursive: true });
  const r = rand(2026);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const damage = [
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
    '99',
    '\ufeff',
  ];
  const regions = ['US', 'GB', 'CA', 'IN', 'DE'];
  for (let f = 0; f < files; f++) {
    const rows = Array.from({ length: 30 + Math.floor(r() * 40) }, (_, i) =>
      goodRow(f * 1000 + i, 10 + Math.floor(r() * 5)),
    );
    const insert = (v: string) => {
      const pos = Math.floor(r() * (v.length + 1));
      return v.slice(0, pos) + pick(damage) + v.slice(pos + (r() < 0.5 ? 1 : 0));
    };
    const lines = rows.map((row) => {
      // Value damage on a column some rule reads, then structural damage anywhere in the serialized line.
      if (r() < 0.04) {
        const at = pick([0, 1, 4, 5, 7, 8, 9, 10]);
        row[at] = insert(row[at] as string);
      }
      const line = row.map(csvField).join(',');
      return r() < 0.02 ? insert(line) : line;
    });
    const text = [HEADER, ...lines].join(r() < 0.5 ? '\n' : '\r\n');
    writeFileSync(join(dir, `${pick(regions)}videos_fuzz${f}.csv`), text);
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('bad input, class by class, agrees with the reference and loses nothing', () => {
  const { dir, cleanup } = tempDir('bad');
  const cases = join(dir, 'cases');
  const lake = join(dir, 'lake');
  writeCases(cases);
  const files = readdirSync(cases)
    .sort()
    .map((f) => join(cases, f));
  const reference = runReference([cases]);
  let runs: Awaited<ReturnType<typeof runFiles>>;

  beforeAll(async () => {
    runs = await runFiles(lake, files);
  });
  afterAll(cleanup);

  it('ends every object in the outcome and reason the reference gives, with its counts', () => {
    const mine = Object.fromEntries(
      runs.map((e) => [basename(e.objectKey), { outcome: e.outcome, reason: e.reason ?? undefined }]),
    );
    const theirs = Object.fromEntries(
      Object.entries(reference.objects).map(([k, o]) => [k, { outcome: o.outcome, reason: o.reason }]),
    );
    expect(mine).toEqual(theirs);
    for (const e of runs) {
      const ref = reference.objects[basename(e.objectKey)];
      if (ref?.cleansed !== undefined)
        expect([basename(e.objectKey), e.rows]).toEqual([
          basename(e.objectKey),
          {
            read: ref.read,
            cleansed: ref.cleansed,
            quarantined: ref.quarantined,
            duplicates: ref.duplicates,
          },
        ]);
    }
  });

  it('covers every outcome and every rejection reason', () => {
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
      expect(reasons).toContain(r);
    expect(runs.map((e) => e.outcome)).not.toContain('failed');
  });

  it('materializes category_daily as the reference does', async () => {
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(reference.rows);
  });

  it('copies rejected objects whole to quarantine with a reason file, and never touches the landed original', () => {
    for (const e of runs) {
      const source = readFileSync(files.find((f) => basename(f) === basename(e.objectKey)) as string);
      const landed = readFileSync(join(lake, 'landing', ...e.objectKey.split('/')));
      expect(sha(landed)).toBe(sha(source));
      if (e.outcome !== 'rejected') continue;
      const qdir = join(lake, 'quarantine', 'objects', ...e.objectKey.split('/'), e.name);
      expect(sha(readFileSync(join(qdir, basename(e.objectKey))))).toBe(sha(source));
      const reason = JSON.parse(readFileSync(join(qdir, 'reason.json'), 'utf8'));
      expect(reason).toMatchObject({ reason: e.reason, cause: e.cause });
      expect(e.cause).toContain(e.objectKey);
    }
  });

  it('keeps every quarantined row, with its rule, beside a promoted batch', async () => {
    const e = runs.find((x) => x.objectKey.endsWith('KRvideos_every_rule.csv'));
    const ref = reference.objects['KRvideos_every_rule.csv'];
    expect(e?.outcome).toBe('succeeded');
    const dirRows = join(
      lake,
      'quarantine',
      'rows',
      'statistics',
      'region=kr',
      'source_file=KRvideos_every_rule.csv',
    );
    const [file] = readdirSync(dirRows);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const r = await conn.runAndReadAll(
      `SELECT rule, count(*)::INTEGER AS n FROM read_parquet('${join(dirRows, file as string)}') GROUP BY rule ORDER BY rule`,
    );
    expect(Object.fromEntries(r.getRowObjectsJS().map((x) => [x.rule, x.n]))).toEqual(ref?.rules);
    conn.closeSync();
    db.closeSync();
  });

  it('quarantines a DQ-failed batch whole with its report, and promotes nothing of it', () => {
    const e = runs.find((x) => x.objectKey.endsWith('RUvideos_too_many_bad.csv'));
    expect(e).toMatchObject({
      outcome: 'dq_failed',
      reason: 'quarantined_share',
      error: 'DataQualityFailed',
    });
    expect(e?.states.at(-1)?.name).toBe('Data quality failed');
    expect(e?.cause).toContain('RUvideos_too_many_bad.csv');
    const qdir = join(
      lake,
      'quarantine',
      'batches',
      'statistics',
      'region=ru',
      'source_file=RUvideos_too_many_bad.csv',
      e?.name as string,
    );
    expect(readdirSync(qdir).sort()).toEqual([
      'data.parquet',
      'dq-report.json',
      'reason.json',
      'rejected.parquet',
      'summary.json',
    ]);
    expect(readdirSync(join(lake, 'cleansed', 'statistics'))).not.toContain('region=ru');
  });
});

describe('randomly damaged files agree with the reference', () => {
  const { dir, cleanup } = tempDir('fuzz');
  afterAll(cleanup);

  it('per object and in category_daily', async () => {
    const cases = join(dir, 'cases');
    writeFuzzCases(cases, 24);
    const files = readdirSync(cases)
      .sort()
      .map((f) => join(cases, f));
    const reference = runReference([cases]);
    const runs = await runFiles(join(dir, 'lake'), files);
    for (const e of runs) {
      const ref = reference.objects[basename(e.objectKey)];
      const mine = {
        file: basename(e.objectKey),
        outcome: e.outcome,
        reason: e.reason ?? undefined,
        rows: e.rows ?? undefined,
      };
      const want = {
        file: basename(e.objectKey),
        outcome: ref?.outcome,
        reason: ref?.reason,
        rows:
          ref?.cleansed === undefined
            ? undefined
            : {
                read: ref.read,
                cleansed: ref.cleansed,
                quarantined: ref.quarantined,
                duplicates: ref.duplicates,
              },
      };
      expect(mine).toEqual(want);
    }
    expect(await query(join(dir, 'lake'), CATEGORY_DAILY_SQL)).toEqual(reference.rows);
    // The damage must really exercise the rules, not only the happy path.
    const rules = new Set(Object.values(reference.objects).flatMap((o) => Object.keys(o.rules ?? {})));
    expect(rules.size).toBeGreaterThanOrEqual(3);
    expect(new Set(runs.map((e) => e.outcome)).size).toBeGreaterThanOrEqual(2);
  });
});
