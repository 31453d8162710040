/**
 * A full disk while landing (issue 13 item 7): the error names the lake and its free space, not the
 * source file; `run --json` still ends with its document; `status` shows the interruption afterwards.
 * The full disk is simulated at the one place a landing writes: the landing bucket's write stream.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../cli/main';
import { FsStorage } from '../local/fs-storage';
import { tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

const realCreateWriteStream = fs.createWriteStream;

function diskFullFor(pathPart: string): jest.SpyInstance {
  return jest.spyOn(fs, 'createWriteStream').mockImplementation(((path: fs.PathLike, options?: unknown) => {
    if (!String(path).includes(pathPart)) return realCreateWriteStream(path, options as never);
    return new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      },
    });
  }) as never);
}

async function capture(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(((s: string) => {
    stdout += s;
    return true;
  }) as never);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(((s: string) => {
    stderr += s;
    return true;
  }) as never);
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    stdout += `${a.join(' ')}\n`;
  });
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    stderr += `${a.join(' ')}\n`;
  });
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    log.mockRestore();
    error.mockRestore();
  }
}

describe('a full disk while landing', () => {
  const { dir, cleanup } = tempDir('no-space');
  afterAll(cleanup);
  afterEach(() => jest.restoreAllMocks());

  it('is the lake\'s, not the source\'s: FsStorage does not say "Cannot read" the source', async () => {
    const storage = new FsStorage(join(dir, 'store'));
    diskFullFor(join(dir, 'store'));
    const source = join(REAL_DATA, 'json', 'CA_category_id.json');
    const err = await storage
      .writeFromFile({ bucket: 'landing', key: 'x/CA_category_id.json' }, source, () => {})
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toContain(`Cannot read ${source}`);
    expect((err as Error).message).toContain('s3://landing/x/CA_category_id.json');
  });

  it('run --json names the lake and its space, ends with the document, and status shows it', async () => {
    const lake = join(dir, 'lake');
    const first = join(REAL_DATA, 'json', 'CA_category_id.json');
    const second = join(REAL_DATA, 'json', 'GB_category_id.json');
    // The first file lands; then the disk is full.
    expect((await capture(['run', '--lake', lake, '--json', '--data', first])).code).toBe(0);
    diskFullFor(join(lake, 'landing'));
    const run = await capture(['run', '--lake', lake, '--json', '--data', second, '--data', first]);
    jest.restoreAllMocks();
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc.interrupted).toMatchObject({
      reason: 'no_space',
      file: second,
      notLanded: [second, first],
    });
    expect(doc.interrupted.message).toContain(`The lake at ${lake} is out of space (ENOSPC)`);
    expect(doc.interrupted.message).toMatch(/free on its filesystem/);
    expect(doc.interrupted.message).not.toContain('Cannot read');
    expect(run.stderr).toContain(`The lake at ${lake} is out of space`);

    const status = await capture(['status', '--lake', lake]);
    expect(status.stdout).toContain('The last run stopped before landing all its files');
    expect(status.stdout).toContain(`The lake at ${lake} is out of space`);
    expect(status.code).toBe(1);
    const statusJson = JSON.parse((await capture(['status', '--lake', lake, '--json'])).stdout);
    expect(statusJson.interruption).toMatchObject({ reason: 'no_space', file: second });

    // The next run that lands clears it.
    expect((await capture(['run', '--lake', lake, '--json', '--data', second])).code).toBe(0);
    const after = JSON.parse((await capture(['status', '--lake', lake, '--json'])).stdout);
    expect(after.interruption).toBeNull();
  });
});
