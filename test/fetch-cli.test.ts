/**
 * `lakestep fetch` end to end against the local fake of the YouTube Data API: the files it lands get
 * from the pipeline the outcome and rows that the reference program gives for them; the key is never
 * printed, logged or written to the lake; a failed region lands nothing and exits 1; usage errors exit 2.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FAKE_KEY, FakeYouTube } from './helpers/fake-youtube';
import { CATEGORY_DAILY_SQL, cli, query, tempDir } from './helpers/lake';
import { runReference } from './helpers/python';

const fake = new FakeYouTube();
let baseUrl = '';
const { dir, cleanup } = tempDir('fetch');

function filesUnder(root: string): string[] {
  return readdirSync(root, { withFileTypes: true }).flatMap((e) => {
    const p = join(root, e.name);
    return e.isDirectory() ? filesUnder(p) : statSync(p).isFile() ? [p] : [];
  });
}

async function fetchCli(args: string[], key: string | null = FAKE_KEY) {
  const saved = process.env.YOUTUBE_API_KEY;
  if (key === null) delete process.env.YOUTUBE_API_KEY;
  else process.env.YOUTUBE_API_KEY = key;
  process.env.LAKESTEP_FETCH_BACKOFF_MS = '5';
  try {
    return await cli(['fetch', '--api-url', baseUrl, ...args]);
  } finally {
    if (saved === undefined) delete process.env.YOUTUBE_API_KEY;
    else process.env.YOUTUBE_API_KEY = saved;
    delete process.env.LAKESTEP_FETCH_BACKOFF_MS;
  }
}

beforeAll(async () => {
  baseUrl = await fake.start();
});
afterAll(async () => {
  await fake.stop();
  cleanup();
});
beforeEach(() => fake.reset());

describe('lakestep fetch --region US', () => {
  const lake = join(dir, 'lake');
  let out: { code: number; stdout: string; stderr: string };
  let report: {
    executions: { objectKey: string; outcome: string; rows: { read: number; cleansed: number } | null }[];
    fetch: { region: string; status: string; videosFetched: number; apiCalls: number; quotaUnits: number }[];
  };

  beforeAll(async () => {
    out = await fetchCli(['--region', 'US', '--date', '2017-11-14', '--lake', lake, '--json']);
    report = JSON.parse(out.stdout);
  });

  it('lands the two files under their dataset keys and runs one execution each', () => {
    expect(out.code).toBe(0);
    expect(report.executions.map((e) => [e.objectKey, e.outcome])).toEqual([
      ['raw_statistics_reference_data/region=us/US_category_id.json', 'succeeded'],
      ['raw_statistics/region=us/USvideos_2017-11-14.csv', 'succeeded'],
    ]);
    expect(report.fetch).toEqual([
      expect.objectContaining({
        region: 'US',
        status: 'fetched',
        videosFetched: 200,
        apiCalls: 5,
        quotaUnits: 5,
      }),
    ]);
  });

  it("gives the reference program's outcomes, counts and category_daily for the files it landed", async () => {
    const landed = filesUnder(join(lake, 'landing'));
    const reference = runReference(landed);
    for (const e of report.executions) {
      const ref = reference.objects[e.objectKey.split('/').pop() ?? ''];
      expect(ref?.outcome).toBe(e.outcome);
      expect(e.rows?.read).toBe(ref?.read);
      if (ref?.cleansed !== undefined) expect(e.rows?.cleansed).toBe(ref.cleansed);
    }
    expect(reference.objects['USvideos_2017-11-14.csv']?.cleansed).toBe(200);
    const rows = await query(lake, CATEGORY_DAILY_SQL);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(reference.rows);
  });

  it('never prints, logs or stores the key', () => {
    expect(out.stdout).not.toContain(FAKE_KEY);
    expect(out.stderr).not.toContain(FAKE_KEY);
    for (const f of filesUnder(lake)) expect(readFileSync(f).includes(FAKE_KEY)).toBe(false);
  });

  it('fetching the same day again lands nothing new: both objects are duplicates', async () => {
    const again = await fetchCli(['--region', 'US', '--date', '2017-11-14', '--lake', lake]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already processed/);
  });
});

describe('failures', () => {
  it('a failed region lands nothing, the others land, exit 1', async () => {
    const lake = join(dir, 'lake-partial');
    const res = await fetchCli([
      '--region',
      'XX',
      '--region',
      'US',
      '--date',
      '2017-11-15',
      '--lake',
      lake,
      '--json',
    ]);
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout);
    expect(report.fetch.map((r: { region: string; status: string }) => [r.region, r.status])).toEqual([
      ['XX', 'failed'],
      ['US', 'fetched'],
    ]);
    expect(report.fetch[0].error.name).toBe('YouTube.RegionNotSupported');
    expect(filesUnder(join(lake, 'landing')).some((f) => f.includes('XX'))).toBe(false);
    expect(report.executions).toHaveLength(2);
  });

  it('a wrong key: exit 1, a message that says what to do, nothing landed', async () => {
    const lake = join(dir, 'lake-badkey');
    const res = await fetchCli(['--region', 'US', '--lake', lake], 'not-the-key');
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/YouTube.KeyInvalid.*YOUTUBE_API_KEY/);
    expect(res.stdout).not.toContain('not-the-key');
  });

  it('usage errors exit 2: no key, a bad region, a bad date, a bad URL', async () => {
    expect((await fetchCli(['--region', 'US'], null)).stderr).toMatch(/YOUTUBE_API_KEY is not set/);
    for (const args of [
      ['--region', 'USA'],
      ['--region', 'US', '--date', '2017-02-30'],
    ]) {
      const res = await fetchCli(args);
      expect(res.code).toBe(2);
    }
    const res = await cli(['fetch', '--region', 'US', '--api-url', 'ftp://x']);
    expect(res.code).toBe(2);
  });
});
