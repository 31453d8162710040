/**
 * `run --data DIR` with bad entries (issue 13 item 6) and directories (issue 14 item 11, issue 12 item
 * 4's --recursive), and two inputs under one key (issue 14 item 5): one bad entry never stops the
 * others; each is reported and counted in --json; subdirectories are named with how to include them.
 */

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectDataInputs } from '../cli/data-inputs';
import { FsStorage } from '../local/fs-storage';
import { YOUTUBE_DATASETS } from '../workflows/datasets';
import { cli, tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

describe('run --data with bad entries', () => {
  const { dir, cleanup } = tempDir('data-entries');
  afterAll(cleanup);
  const data = join(dir, 'data');
  const longName = `US${'x'.repeat(243)}videos.csv`; // 255 bytes: its temp name would be ENAMETOOLONG

  beforeAll(() => {
    mkdirSync(join(data, 'more'), { recursive: true });
    copyFileSync(join(REAL_DATA, 'json', 'CA_category_id.json'), join(data, 'CA_category_id.json'));
    copyFileSync(join(REAL_DATA, 'json', 'GB_category_id.json'), join(data, 'more', 'GB_category_id.json'));
    symlinkSync(join(dir, 'nowhere.csv'), join(data, 'broken.csv'));
    execFileSync('mkfifo', [join(data, 'pipe.csv')]);
    writeFileSync(join(data, longName), 'x');
    // A name that is not UTF-8 (Latin-1 "é"): written through a Buffer path.
    writeFileSync(Buffer.concat([Buffer.from(`${data}/caf`), Buffer.from([0xe9]), Buffer.from('.csv')]), 'x');
  });

  it('lands the good entries, reports each bad one, and counts them in --json (exit 1)', async () => {
    const out = await cli(['run', '--lake', join(dir, 'lake'), '--json', '--data', data]);
    const doc = JSON.parse(out.stdout);
    expect(doc.executions.map((e: { objectKey: string }) => e.objectKey)).toEqual([
      'raw_statistics_reference_data/region=ca/CA_category_id.json',
    ]);
    expect(doc.executions[0].outcome).toBe('succeeded');
    const reasons = Object.fromEntries(
      doc.skipped.map((s: { path: string; reason: string }) => [s.path.slice(data.length + 1), s.reason]),
    );
    expect(reasons).toEqual({
      'broken.csv': 'broken_symlink',
      'caf\\xe9.csv': 'name_not_utf8',
      more: 'subdirectory',
      'pipe.csv': 'not_a_file',
      [longName]: 'name_too_long',
    });
    expect(doc.interrupted).toBeNull();
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('skipped');
    expect(out.stderr).toContain('pass --recursive to include it');
  });

  it('a parent directory says which subdirectories it skipped and how to include them', async () => {
    const out = await cli(['run', '--lake', join(dir, 'lake-2'), '--data', join(REAL_DATA, 'json', '..')]);
    expect(out.stdout).toMatch(
      /subdirectories skipped \(.*csv.*extra.*json\): pass --recursive to include them/,
    );
  });

  it('--recursive reads subdirectories too', () => {
    const { files } = collectDataInputs([data], YOUTUBE_DATASETS, { recursive: true });
    expect(files.map((f) => f.key)).toEqual([
      'raw_statistics_reference_data/region=ca/CA_category_id.json',
      'raw_statistics_reference_data/region=gb/GB_category_id.json',
    ]);
  });

  it('refuses two inputs that would land under one key, naming both (exit 2)', async () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    copyFileSync(join(REAL_DATA, 'json', 'CA_category_id.json'), join(other, 'CA_category_id.json'));
    const out = await cli(['run', '--lake', join(dir, 'lake-3'), '--data', data, '--data', other]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(
      `${join(data, 'CA_category_id.json')} and ${join(other, 'CA_category_id.json')} would both land as raw_statistics_reference_data/region=ca/CA_category_id.json`,
    );
  });

  it("writes an object whose name leaves no room for the temp name's suffix (no ENAMETOOLONG)", async () => {
    const storage = new FsStorage(join(dir, 'store'));
    const ref = { bucket: 'landing', key: `unknown/${'y'.repeat(250)}` };
    await storage.writeFromFile(ref, join(REAL_DATA, 'json', 'CA_category_id.json'), () => {});
    expect((await storage.head(ref))?.size).toBeGreaterThan(0);
  });
});
