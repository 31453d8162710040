/**
 * The LakeStorage port on a directory tree: each bucket is a directory under the lake root. Writes go
 * to a temporary name and are renamed into place, so a reader never sees half an object.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ObjectNotFoundError, StorageUnavailableError } from '../handlers/core/errors';
import type { LakeStorage, ObjectInfo, ObjectRef } from '../handlers/core/ports';

const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'ENOSPC']);
let tmpCounter = 0;

/** `<path>.tmp-PID-N`, its name part cut so that the suffix never pushes it past a filesystem's 255 bytes. */
function tmpPathFor(path: string): string {
  const suffix = `.tmp-${process.pid}-${tmpCounter++}`;
  const slash = path.lastIndexOf(sep);
  let name = path.slice(slash + 1);
  while (Buffer.byteLength(name) + suffix.length > 255) name = name.slice(0, -1);
  return `${path.slice(0, slash + 1)}${name}${suffix}`;
}

export class FsStorage implements LakeStorage {
  constructor(readonly root: string) {}

  pathOf(ref: ObjectRef): string {
    if (ref.key.split('/').some((p) => p === '..') || ref.bucket.includes('/') || ref.bucket.includes('..'))
      throw new Error(`Refusing a key that leaves its bucket: ${ref.bucket}/${ref.key}`);
    return join(this.root, ref.bucket, ...ref.key.split('/'));
  }

  private fail(op: string, ref: ObjectRef, e: unknown): never {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT') throw new ObjectNotFoundError(ref.bucket, ref.key, 'The object');
    if (TRANSIENT_CODES.has(code)) throw new StorageUnavailableError(op, ref.bucket, ref.key, e);
    throw e;
  }

  async head(ref: ObjectRef): Promise<ObjectInfo | null> {
    try {
      const s = await stat(this.pathOf(ref));
      return s.isFile() ? { ...ref, size: s.size } : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      return this.fail('HEAD', ref, e);
    }
  }

  async *read(ref: ObjectRef): AsyncIterable<Uint8Array> {
    try {
      for await (const chunk of createReadStream(this.pathOf(ref), { highWaterMark: 1 << 20 }))
        yield chunk as Buffer;
    } catch (e) {
      this.fail('GET', ref, e);
    }
  }

  async readBytes(ref: ObjectRef): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(ref));
    } catch (e) {
      return this.fail('GET', ref, e);
    }
  }

  async write(ref: ObjectRef, body: Uint8Array | string): Promise<void> {
    const path = this.pathOf(ref);
    try {
      await mkdir(dirname(path), { recursive: true });
      const tmp = tmpPathFor(path);
      await writeFile(tmp, body);
      await rename(tmp, path);
    } catch (e) {
      this.fail('PUT', ref, e);
    }
  }

  /**
   * Writes an object from a local file as a stream (an upload of a large file needs no buffer of its
   * size); each chunk is shown to `onChunk` on its way, e.g. to hash it in the same pass.
   */
  async writeFromFile(ref: ObjectRef, source: string, onChunk: (chunk: Buffer) => void): Promise<void> {
    const path = this.pathOf(ref);
    const tmp = tmpPathFor(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      // Reading the source is not a lake operation: name the file, not the object being written. But
      // pipeline() destroys every stream with the first error, so a write error (a full disk) reaches
      // the source's 'error' listener too: only an error the writer did not raise is the source's.
      // Whichever stream fails first marks the error; pipeline() then hands the same error to the other.
      const writer = createWriteStream(tmp).on('error', (e) => {
        if (!(e as { sourceFile?: string }).sourceFile) Object.assign(e, { lakeWrite: true });
      });
      await pipeline(
        createReadStream(source, { highWaterMark: 1 << 20 }).on('error', (e) => {
          if (!(e as { lakeWrite?: boolean }).lakeWrite) Object.assign(e, { sourceFile: source });
        }),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            onChunk(chunk);
            yield chunk;
          }
        },
        writer,
      );
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      if ((e as { sourceFile?: string }).sourceFile === source && !(e as { lakeWrite?: boolean }).lakeWrite)
        throw new Error(`Cannot read ${source}: ${(e as Error).message}`);
      this.fail('PUT', ref, e);
    }
  }

  async copy(from: ObjectRef, to: ObjectRef): Promise<void> {
    const target = this.pathOf(to);
    try {
      await mkdir(dirname(target), { recursive: true });
      const tmp = tmpPathFor(target);
      await copyFile(this.pathOf(from), tmp);
      await rename(tmp, target);
    } catch (e) {
      this.fail('COPY', from, e);
    }
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    const base = join(this.root, bucket);
    // Walk only below the prefix's directory part.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = join(base, ...dirPart.split('/').filter(Boolean));
    const out: ObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile() && !entry.name.includes('.tmp-')) {
          const key = relative(base, full).split(sep).join('/');
          if (key.startsWith(prefix)) out.push({ bucket, key, size: (await stat(full)).size });
        }
      }
    };
    await walk(start);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(refs: readonly ObjectRef[]): Promise<void> {
    for (const ref of refs) await rm(this.pathOf(ref), { force: true });
  }
}
