/**
 * Landing a file in the local lake: one streaming pass that copies it under its dataset key and hashes
 * it (size, SHA-256 and MD5 equal those of the file), an atomic rename (no temp file left), and errors
 * that name the file, not the lake object, when the source cannot be read.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsStorage } from '../local/fs-storage';
import { LocalRuntime } from '../local/runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { tempDir } from './helpers/lake';

describe('landing a file', () => {
  const { dir, cleanup } = tempDir('land');
  afterAll(cleanup);

  it('copies it under its key and hashes the same bytes; errors name the file', async () => {
    const src = join(dir, 'src');
    mkdirSync(src, { recursive: true });
    const file = join(src, 'GBvideos.csv');
    // Larger than one read chunk (1 MiB), so the hashes run over several chunks.
    const body = Buffer.from(`${'x,'.repeat(700_000)}é\n`, 'utf8');
    writeFileSync(file, body);
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake: join(dir, 'lake') });
    try {
      const landed = await rt.land(file);
      expect(landed).toMatchObject({
        key: 'raw_statistics/region=gb/GBvideos.csv',
        size: body.byteLength,
        sha256: createHash('sha256').update(body).digest('hex'),
        md5: createHash('md5').update(body).digest('hex'),
      });
      const target = join(dir, 'lake', 'landing', 'raw_statistics', 'region=gb');
      expect(readFileSync(join(target, 'GBvideos.csv')).equals(body)).toBe(true);
      expect(readdirSync(target)).toEqual(['GBvideos.csv']);
      expect(readFileSync(file).equals(body)).toBe(true); // the source is only read

      await expect(rt.land(join(src, 'USvideos.csv'))).rejects.toThrow(
        `Cannot land ${join(src, 'USvideos.csv')}: no such file`,
      );
      await expect(rt.land(src)).rejects.toThrow(`Cannot land ${src}: not a file`);
    } finally {
      rt.close();
    }
  });

  it('a source that cannot be read is named, and no temp file is left in the lake', async () => {
    const storage = new FsStorage(join(dir, 'lake2'));
    const gone = join(dir, 'gone.csv');
    await expect(
      storage.writeFromFile({ bucket: 'landing', key: 'k/gone.csv' }, gone, () => {}),
    ).rejects.toThrow(`Cannot read ${gone}: ENOENT`);
    expect(readdirSync(join(dir, 'lake2', 'landing', 'k'))).toEqual([]);
  });
});
