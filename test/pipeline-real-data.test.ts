/**
 * The contract on the real files: `lakestep run --data` over the real CSV, JSON and extra/ files gives,
 * per object, the outcome and counts of ../shared/tools/category_daily_reference.py, and
 * analytics.category_daily equals the reference's rows.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CATEGORY_DAILY_SQL, cli, query, runFiles, tempDir } from './helpers/lake';
import { REAL_DATA, runReference } from './helpers/python';

const DIRS = ['csv', 'json', 'extra'].map((d) => join(REAL_DATA, d));
const allFiles = () =>
  DIRS.flatMap((d) =>
    readdirSync(d)
      .sort()
      .map((f) => join(d, f)),
  );

describe('lakestep run on the real data matches the reference', () => {
  const { dir, cleanup } = tempDir('real');
  const lake = join(dir, 'lake');
  let report: {
    lake: string;
    executions: {
      name: string;
      objectKey: string;
      dataset: string | null;
      region: string | null;
      status: string;
      outcome: string;
      error: string | null;
      cause: string | null;
      reason: string | null;
      states: { name: string; status: string; attempts: number; startedAt: string; durationMs: number }[];
      rows: { read: number; cleansed: number; quarantined: number; duplicates: number } | null;
    }[];
    tables: { name: string; rows: number }[];
  };
  let exitCode: number;
  const reference = runReference(DIRS);

  beforeAll(async () => {
    const args = ['run', '--lake', lake, '--json', ...DIRS.flatMap((d) => ['--data', d])];
    const out = await cli(args);
    exitCode = out.code;
    report = JSON.parse(out.stdout); // exactly one JSON document, nothing else on stdout
  });
  afterAll(cleanup);

  it('exits 0: every outcome is a data outcome', () => {
    expect(exitCode).toBe(0);
    expect(report.executions.map((e) => e.outcome)).not.toContain('failed');
  });

  it('runs one execution per landed object, with deterministic names', () => {
    expect(report.executions.map((e) => basename(e.objectKey)).sort()).toEqual(
      Object.keys(reference.objects).sort(),
    );
    for (const e of report.executions) expect(e.name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it('gives each object the outcome, reason and counts the reference gives', () => {
    for (const e of report.executions) {
      const ref = reference.objects[basename(e.objectKey)];
      expect(ref).toBeDefined();
      const mine = { file: basename(e.objectKey), outcome: e.outcome, reason: e.reason ?? undefined };
      expect(mine).toEqual({ file: basename(e.objectKey), outcome: ref?.outcome, reason: ref?.reason });
      if (ref?.read !== undefined) expect(e.rows?.read).toBe(ref.read);
      if (ref?.cleansed !== undefined)
        expect(e.rows).toEqual({
          read: ref.read,
          cleansed: ref.cleansed,
          quarantined: ref.quarantined,
          duplicates: ref.duplicates,
        });
    }
  });

  it('reconciles every batch: read = cleansed + quarantined + duplicates', () => {
    for (const e of report.executions.filter((x) => x.rows))
      expect(e.rows && e.rows.cleansed + e.rows.quarantined + e.rows.duplicates).toBe(e.rows?.read);
  });

  it('ends rejected objects in "Object rejected" with a cause naming the object', () => {
    const rejected = report.executions.filter((e) => e.outcome === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const e of rejected) {
      expect(e.status).toBe('FAILED');
      expect(e.error).toBe('ObjectRejected');
      expect(e.states.at(-1)?.name).toBe('Object rejected');
      expect(e.cause).toContain(e.objectKey);
    }
  });

  it('materializes analytics.category_daily exactly as the reference', async () => {
    const rows = await query(lake, CATEGORY_DAILY_SQL);
    expect(rows).toEqual(reference.rows);
  });

  it('reports table row counts', () => {
    const daily = report.tables.find((t) => t.name === 'analytics.category_daily');
    expect(daily?.rows).toBe(reference.rows.length);
  });

  it('gives identical analytics when the same files land in another order', async () => {
    const other = join(dir, 'reversed');
    const results = await runFiles(other, [...allFiles()].reverse());
    expect(results.map((r) => r.outcome)).not.toContain('failed');
    expect(await query(other, CATEGORY_DAILY_SQL)).toEqual(reference.rows);
  });
});
