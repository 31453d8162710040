import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_REGIONS,
  DEFAULT_ROWS_PER_REGION,
  generateSample,
  generateStatisticsRows,
  type SampleFile,
  SCHEMA_DRIFT_ROWS,
  STATISTICS_HEADER,
  writeLargeStatisticsFile,
  writeSample,
} from '../local/sample-data';
import { STATISTICS } from '../workflows/datasets';
import { python, type ReferenceObject, type ReferenceRow, runReference } from './helpers/python';

/** How Python's csv module reads each CSV in a directory, leniently and with strict=True. */
interface PythonReading {
  records: string[][];
  strictOk: boolean;
}

const READ_CSVS = `
import csv, json, os, sys
d = sys.argv[1]
out = {}
for name in sorted(os.listdir(d)):
    if not name.endswith('.csv'):
        continue
    path = os.path.join(d, name)
    with open(path, newline='', encoding='utf-8') as f:
        records = [r for r in csv.reader(f) if r]
    try:
        with open(path, newline='', encoding='utf-8') as f:
            list(csv.reader(f, strict=True))
        strict_ok = True
    except csv.Error:
        strict_ok = False
    out[name] = {'records': records, 'strictOk': strict_ok}
json.dump(out, sys.stdout)
`;

const GOOD_STATS = DEFAULT_REGIONS.map((r) => `${r}videos.csv`);
const ID = /^[A-Za-z0-9_-]{11}$/;
const TRENDING_DATE = /^(\d{2})\.(\d{2})\.(\d{2})$/;

function col(name: string): number {
  return STATISTICS_HEADER.indexOf(name);
}

function text(files: readonly SampleFile[], name: string): string {
  const file = files.find((f) => f.name === name);
  if (!file) throw new Error(`no ${name} in the sample`);
  return file.content.toString('utf8');
}

/** `YY.DD.MM` to epoch ms, or undefined. */
function trendingDay(s: string): number | undefined {
  const m = TRENDING_DATE.exec(s);
  if (!m) return undefined;
  const day = Date.UTC(2000 + Number(m[1]), Number(m[3]) - 1, Number(m[2]));
  return new Date(day).getUTCDate() === Number(m[2]) ? day : undefined; // 17.00.11 is no date
}

describe('generateSample', () => {
  let dir: string;
  let files: SampleFile[];
  let paths: string[];
  let csvs: Record<string, PythonReading>;
  let reference: { rows: ReferenceRow[]; objects: Record<string, ReferenceObject> };

  /** Data records (header dropped) of a statistics file as Python reads it. */
  const records = (name: string): string[][] => csvs[name]!.records.slice(1);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakestep-sample-'));
    files = generateSample();
    paths = await writeSample(dir);
    csvs = JSON.parse(python(READ_CSVS, [dir]));
    reference = runReference([dir]);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is deterministic, and a region does not depend on the others', () => {
    const again = generateSample();
    expect(again.map((f) => f.name)).toEqual(files.map((f) => f.name));
    for (const [i, f] of again.entries()) expect(f.content.equals(files[i]!.content)).toBe(true);

    const otherSeed = generateSample({ seed: 7 });
    expect(text(otherSeed, 'USvideos.csv')).not.toEqual(text(files, 'USvideos.csv'));

    const usOnly = generateSample({ regions: ['US'], includeBadObjects: false });
    expect(usOnly.map((f) => f.name)).toEqual(['US_category_id.json', 'USvideos.csv']);
    expect(text(usOnly, 'USvideos.csv')).toEqual(text(files, 'USvideos.csv'));
  });

  it('writes every region and the bad objects, sorted by name', async () => {
    expect(files.map((f) => f.name)).toEqual([
      'CA_category_id.json',
      'CAvideos.csv',
      'DE_category_id.json',
      'DEvideos.csv',
      'FR_category_id.json',
      'FRvideos.csv',
      'GB_category_id.json',
      'GBvideos.csv',
      'IN_category_id.json',
      'INvideos.csv',
      'MXvideos_schema_drift.csv',
      'US_category_id.json',
      'USvideos.csv',
      'notes.txt',
    ]);
    expect(paths).toEqual(files.map((f) => join(dir, f.name)));
    for (const f of files) expect((await readFile(join(dir, f.name))).equals(f.content)).toBe(true);
  });

  it('starts each statistics file with the 16-column Kaggle header (15 for the drifted one)', () => {
    expect(STATISTICS_HEADER).toEqual(STATISTICS.rawColumns);
    for (const name of [...GOOD_STATS, 'FRvideos.csv']) {
      expect(text(files, name)).toMatch(new RegExp(`^${STATISTICS_HEADER.join(',')}\r?\n`));
    }
    expect(csvs['MXvideos_schema_drift.csv']!.records[0]).toEqual(
      STATISTICS_HEADER.filter((c) => c !== 'thumbnail_link'),
    );
  });

  it('is read by python csv with exactly the intended record and field counts', () => {
    for (const name of [...GOOD_STATS, 'FRvideos.csv']) {
      expect([name, records(name).length]).toEqual([name, DEFAULT_ROWS_PER_REGION]);
      expect(records(name).every((r) => r.length === 16)).toBe(true);
    }
    const drift = records('MXvideos_schema_drift.csv');
    expect(drift).toHaveLength(SCHEMA_DRIFT_ROWS);
    expect(drift.every((r) => r.length === 15)).toBe(true);
  });

  it('makes the reference succeed on every good object and fail each bad one as intended', () => {
    const o = reference.objects;
    for (const region of DEFAULT_REGIONS) {
      expect([region, o[`${region}videos.csv`]?.outcome]).toEqual([region, 'succeeded']);
      expect([region, o[`${region}_category_id.json`]?.outcome]).toEqual([region, 'succeeded']);
    }
    expect(o['FRvideos.csv']).toMatchObject({ outcome: 'dq_failed', reason: 'quarantined_share' });
    expect(o['FR_category_id.json']).toMatchObject({ outcome: 'succeeded' });
    expect(o['MXvideos_schema_drift.csv']).toEqual({ outcome: 'rejected', reason: 'header_mismatch' });
    expect(o['notes.txt']).toEqual({ outcome: 'rejected', reason: 'unknown_dataset' });
    expect(Object.keys(o).sort()).toEqual(files.map((f) => f.name).sort());
  });

  it('quarantines a few rows, well under 5%, and has duplicate keys in every good region', () => {
    for (const name of GOOD_STATS) {
      const o = reference.objects[name]!;
      expect([name, o.read]).toEqual([name, DEFAULT_ROWS_PER_REGION]);
      expect(o.quarantined! / o.read!).toBeLessThan(0.04);
      expect(o.rules!.trending_date).toBeGreaterThan(0);
      expect(o.rules!.counts).toBeGreaterThan(0);
      expect(o.duplicates).toBeGreaterThan(0);

      // Duplicate keys carry different counts, so the dedupe's choice matters.
      const byKey = new Map<string, string[]>();
      for (const r of records(name)) {
        const key = `${r[0]} ${r[1]}`;
        byKey.set(key, [...(byKey.get(key) ?? []), r.slice(7, 11).join(',')]);
      }
      const dups = [...byKey].filter(([k, v]) => !k.startsWith('#NAME?') && v.length > 1);
      expect(dups.length).toBe(o.duplicates);
      for (const [, counts] of dups) expect(new Set(counts).size).toBe(counts.length);
    }
    const fr = reference.objects['FRvideos.csv']!;
    expect(fr.quarantined! / fr.read!).toBeGreaterThan(0.05);
  });

  it('uses CRLF in US and IN, LF in GB, CA and DE, with bare CRs in US descriptions', () => {
    for (const name of ['USvideos.csv', 'INvideos.csv']) {
      const t = text(files, name);
      expect(
        t
          .split('\n')
          .slice(0, -1)
          .every((line) => line.endsWith('\r')),
      ).toBe(true);
      expect(t.endsWith('\r\n')).toBe(true);
    }
    const us = text(files, 'USvideos.csv');
    expect(us.match(/\r(?!\n)/g)?.length).toBeGreaterThan(0);
    const desc = col('description');
    expect(records('USvideos.csv').some((r) => /\r\\n/.test(r[desc]!) && !r[desc]!.includes('\n'))).toBe(
      true,
    );

    for (const name of ['GBvideos.csv', 'CAvideos.csv', 'DEvideos.csv']) {
      expect(text(files, name)).not.toContain('\r');
    }
    // Real newlines inside quoted descriptions: counting lines over-counts records.
    for (const name of ['GBvideos.csv', 'CAvideos.csv']) {
      expect(records(name).filter((r) => r[desc]!.includes('\n')).length).toBeGreaterThan(0);
      expect(text(files, name).split('\n').length).toBeGreaterThan(DEFAULT_ROWS_PER_REGION + 1);
      expect(text(files, name).endsWith('\n')).toBe(false); // as the real GB and CA copies end
    }
  });

  it('writes booleans as True/False, and as TRUE/FALSE in IN', () => {
    const flags = ['comments_disabled', 'ratings_disabled', 'video_error_or_removed'].map(col);
    for (const region of DEFAULT_REGIONS) {
      const seen = new Set(records(`${region}videos.csv`).flatMap((r) => flags.map((i) => r[i])));
      const expected = region === 'IN' ? ['FALSE', 'TRUE'] : ['False', 'True'];
      expect([region, [...seen].sort()]).toEqual([region, expected]);
    }
  });

  it('writes tags the scraper way (not RFC 4180) except in IN, which quotes them properly', () => {
    const tags = col('tags');
    for (const region of DEFAULT_REGIONS) {
      const name = `${region}videos.csv`;
      expect([name, csvs[name]!.strictOk]).toEqual([name, region === 'IN']);
      const values = records(name).map((r) => r[tags]!);
      // Either way a lenient reader sees `first|"second"|"third"`, or [none].
      expect(values.some((v) => /^[^"|]+(\|"[^"]+")+$/.test(v))).toBe(true);
      expect(values).toContain('[none]');
    }
    expect(text(files, 'USvideos.csv')).toMatch(/,"[^",]+"\|"[^",]+"/);
    expect(text(files, 'INvideos.csv')).toMatch(/,"[^",]+\|""[^",]+""/);
  });

  it('mangles a few IN ids to #NAME? (at most 2%) and keeps the real id in thumbnail_link', () => {
    const mangled = records('INvideos.csv').filter((r) => r[0] === '#NAME?');
    expect(mangled.length).toBeGreaterThan(0);
    expect(mangled.length).toBeLessThanOrEqual(0.02 * DEFAULT_ROWS_PER_REGION);
    expect(reference.objects['INvideos.csv']!.rules!.video_id).toBe(mangled.length);
    for (const r of mangled)
      expect(r[col('thumbnail_link')]).toMatch(/^https:\/\/i\.ytimg\.com\/vi\/-[\w-]{10}\//);
    for (const region of DEFAULT_REGIONS) {
      const ids = records(`${region}videos.csv`).map((r) => r[0]!);
      expect(ids.every((id) => ID.test(id) || (region === 'IN' && id === '#NAME?'))).toBe(true);
      expect(ids.some((id) => id.startsWith('-'))).toBe(true);
    }
  });

  it('fills descriptions with literal \\n, NBSP, emoji, Cyrillic, commas, quotes, and Devanagari in IN', () => {
    const desc = col('description');
    for (const region of DEFAULT_REGIONS) {
      const all = records(`${region}videos.csv`)
        .map((r) => r[desc])
        .join('\u0000');
      for (const pattern of [
        /\\n/,
        /\u00a0/,
        /\p{Extended_Pictographic}/u,
        /\p{Script=Cyrillic}/u,
        /,/,
        /"/,
      ]) {
        expect([region, pattern.test(all)]).toEqual([region, true]);
      }
      expect([region, /\p{Script=Devanagari}/u.test(all)]).toEqual([region, region === 'IN']);
    }
    expect(text(files, 'USvideos.csv')).toContain('""');
  });

  it('lets videos trend over several days with growing views, published before they trend', () => {
    const [views, published] = [col('views'), col('publish_time')];
    for (const region of DEFAULT_REGIONS) {
      const runs = new Map<string, [number, number][]>();
      for (const r of records(`${region}videos.csv`)) {
        const day = trendingDay(r[1]!);
        if (day === undefined || !ID.test(r[0]!) || !/^\d+$/.test(r[views]!)) continue;
        expect(r[published]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
        expect(Date.parse(r[published]!)).toBeLessThan(day);
        runs.set(r[0]!, [...(runs.get(r[0]!) ?? []), [day, Number(r[views])]]);
      }
      const long = [...runs.values()].filter((run) => new Set(run.map(([d]) => d)).size >= 3);
      expect(long.length).toBeGreaterThan(5);
      for (const run of long) {
        const days = [...new Set(run.map(([d]) => d))].sort((a, b) => a - b);
        const max = (d: number) => Math.max(...run.filter(([x]) => x === d).map(([, v]) => v));
        for (let i = 1; i < days.length; i++) {
          expect(days[i]! - days[i - 1]!).toBeLessThanOrEqual(86_400_000 * 2); // consecutive but for a bad row
          expect(max(days[i]!)).toBeGreaterThan(max(days[i - 1]!));
        }
      }
    }
  });

  it('writes category files in the real shape, with 29 only in US and Comedy twice', () => {
    for (const region of [...DEFAULT_REGIONS, 'FR']) {
      const json = JSON.parse(text(files, `${region}_category_id.json`));
      expect(json).toMatchObject({ kind: 'youtube#videoCategoryListResponse', etag: expect.any(String) });
      for (const item of json.items) {
        expect(item).toMatchObject({
          kind: 'youtube#videoCategory',
          id: expect.stringMatching(/^\d+$/),
          snippet: {
            channelId: expect.any(String),
            title: expect.any(String),
            assignable: expect.any(Boolean),
          },
        });
      }
      const ids = json.items.map((i: { id: string }) => i.id);
      expect([region, ids.includes('29')]).toEqual([region, region === 'US']);
      const comedy = json.items.filter((i: { snippet: { title: string } }) => i.snippet.title === 'Comedy');
      expect(comedy.map((i: { id: string }) => i.id)).toEqual(['23', '34']);
    }
  });

  it('uses category 29 in CA and IN, where it is an orphan', () => {
    const titleOf29 = (region: string) =>
      new Set(
        reference.rows
          .filter((r) => r.region === region && r.category_id === 29)
          .map((r) => r.category_title),
      );
    expect([...titleOf29('ca')]).toEqual(['Unknown']);
    expect([...titleOf29('in')]).toEqual(['Unknown']);
    expect([...titleOf29('us')]).toEqual(['Nonprofits & Activism']);
  });

  it('rejects options it cannot honour', () => {
    expect(() => generateSample({ regions: ['us'] })).toThrow(RangeError);
    expect(() => generateSample({ rowsPerRegion: -1 })).toThrow(RangeError);
    expect(() => generateSample({ regions: ['FR'] })).toThrow(/reserved/);
    expect(generateSample({ regions: ['FR'], includeBadObjects: false })).toHaveLength(2);
  });
});

describe('statistics streaming', () => {
  it('yields the same text as the sample files', () => {
    const files = generateSample({ rowsPerRegion: 150, includeBadObjects: false });
    for (const region of DEFAULT_REGIONS) {
      const streamed = [...generateStatisticsRows({ region, rows: 150, seed: 42 })].join('');
      expect(streamed).toEqual(text(files, `${region}videos.csv`));
    }
  });

  it('writes a large file that python reads with the requested record count and the reference accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lakestep-large-'));
    try {
      const rows = 20_000;
      const path = join(dir, 'nested', 'INvideos.csv');
      await writeLargeStatisticsFile(path, rows, 'IN', 3);
      const written = await readFile(path);
      expect(
        written.equals(Buffer.from([...generateStatisticsRows({ region: 'IN', rows, seed: 3 })].join(''))),
      ).toBe(true);
      const count = python(
        'import csv,sys\nprint(sum(1 for r in csv.reader(open(sys.argv[1],newline="",encoding="utf-8")) if r) - 1)',
        [path],
      );
      expect(Number(count)).toBe(rows);
      const o = runReference([path]).objects['INvideos.csv']!;
      expect(o).toMatchObject({ outcome: 'succeeded', read: rows });
      expect(o.rules!.video_id).toBeGreaterThan(0);
      expect(o.rules!.video_id!).toBeLessThanOrEqual(0.02 * rows);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps small and empty files well formed', () => {
    const cases = [0, 1, 7, 49].flatMap((rows) => ['US', 'GB', 'IN'].map((region) => ({ region, rows })));
    const texts = cases.map((c) => [...generateStatisticsRows(c)].join(''));
    const fieldCounts = JSON.parse(
      python(
        'import csv,io,json,sys\n' +
          'ts=json.loads(sys.stdin.buffer.read().decode())\n' +
          'json.dump([[len(r) for r in csv.reader(io.StringIO(t,newline="")) if r] for t in ts],sys.stdout)',
        [],
        JSON.stringify(texts),
      ),
    );
    cases.forEach(({ region, rows }, i) => {
      expect([region, rows, fieldCounts[i]]).toEqual([region, rows, Array(rows + 1).fill(16)]);
    });
  });
});
