/**
 * The benchmark's DuckDB baseline does the pipeline's work, or the pipeline/baseline ratio compares
 * unlike things: on the real files and on a generated sample (passing and failing quality), its
 * per-object outcomes and counts and its category_daily equal the contract's reference program.
 * Correctness only; nothing here is timed.
 */
import { join } from 'node:path';
import { writeSample } from '../local/sample-data';
import { filesOf, runBaseline } from './bench/baseline';
import { tempDir } from './helpers/lake';
import { REAL_DATA, runReference } from './helpers/python';

async function compare(paths: string[], out: string): Promise<void> {
  const files = await filesOf(paths);
  const result = await runBaseline(files, out);
  const reference = runReference(paths);
  expect(result.categoryDaily.length).toBeGreaterThan(0);
  expect(result.categoryDaily).toEqual(reference.rows);
  for (const o of result.objects) {
    const ref = reference.objects[o.name];
    expect({ name: o.name, outcome: o.outcome }).toEqual({ name: o.name, outcome: ref?.outcome });
    if (o.outcome !== 'rejected' && /\.csv$/.test(o.name))
      expect({ name: o.name, read: o.read, cleansed: o.cleansed, quarantined: o.quarantined }).toEqual({
        name: o.name,
        read: ref?.read,
        cleansed: ref?.cleansed,
        quarantined: ref?.quarantined,
      });
  }
  expect(result.rows).toBe(
    Object.entries(reference.objects)
      .filter(([n, o]) => /\.csv$/.test(n) && o.read !== undefined)
      .reduce((s, [, o]) => s + (o.read ?? 0), 0),
  );
}

describe('the benchmark baseline does the same work as the pipeline', () => {
  const { dir, cleanup } = tempDir('bench-baseline');
  afterAll(cleanup);

  it('real files: same outcomes, counts and category_daily as the reference', async () => {
    await compare([join(REAL_DATA, 'csv'), join(REAL_DATA, 'json')], join(dir, 'real'));
  });

  it('generated sample (a failing region, a drifted header, an unknown file): same as the reference', async () => {
    const sample = join(dir, 'sample');
    await writeSample(sample, { rowsPerRegion: 300 });
    await compare([sample], join(dir, 'sample-out'));
  });
});
