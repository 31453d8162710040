/**
 * What `lakestep run --data PATH…` lands: the files named, and the files of the directories named
 * (their subdirectories too with --recursive). One bad entry never stops the rest: a broken symlink, a
 * FIFO or socket, a name that is not UTF-8 or is too long for the lake's keys is reported (with why)
 * and skipped; subdirectories left out without --recursive are reported with how to include them. Two
 * inputs that would land under one key are refused up front, naming both (the second would silently
 * replace the first).
 */
import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { landingKeyFor } from '../handlers/core/classify';
import type { Dataset } from '../workflows/datasets';
import { UsageError } from './args';

/** A file to land, and the landing key it lands under. */
export interface DataInput {
  readonly path: string;
  readonly key: string;
}

export type SkipReason =
  | 'broken_symlink'
  | 'not_a_file'
  | 'name_not_utf8'
  | 'name_too_long'
  | 'unreadable'
  | 'subdirectory';

/** An entry that was not landed, and why (`message` says what to do where something can be done). */
export interface SkippedEntry {
  readonly path: string;
  readonly reason: SkipReason;
  readonly message: string;
}

export interface DataInputs {
  readonly files: DataInput[];
  readonly skipped: SkippedEntry[];
}

/**
 * A landed key's file name becomes a path part of every bucket (`source_file=<name>`, quarantine
 * folders, `<name>.tmp-PID-N` while writing): above this many bytes one of them passes the
 * filesystem's 255-byte limit, so such a name is refused before anything is written.
 */
export const MAX_NAME_BYTES = 200;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A path for messages: a name that is not UTF-8 shows its bytes as \xNN. */
function printable(dir: string, name: Buffer): string {
  let text = '';
  for (const b of name)
    text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return join(dir, text);
}

export function collectDataInputs(
  paths: readonly string[],
  datasets: readonly Dataset[],
  options: { recursive?: boolean } = {},
): DataInputs {
  const files: DataInput[] = [];
  const skipped: SkippedEntry[] = [];
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();

  const addFile = (path: string) => {
    // The same file named twice (`--data a.csv --data .`) lands once.
    if (seenFiles.has(path)) return;
    seenFiles.add(path);
    const name = basename(path);
    const bytes = Buffer.byteLength(name);
    if (bytes > MAX_NAME_BYTES) {
      skipped.push({
        path,
        reason: 'name_too_long',
        message: `its name is ${bytes} bytes; the lake's keys hold names of at most ${MAX_NAME_BYTES} bytes: rename it`,
      });
      return;
    }
    files.push({ path, key: landingKeyFor(name, datasets) });
  };

  /** One directory entry: classified with lstat's cheap answer first, stat only for symlinks. */
  const visitEntry = (dir: string, entry: Dirent<Buffer>, depth: number) => {
    let name: string;
    try {
      name = utf8.decode(entry.name);
    } catch {
      skipped.push({
        path: printable(dir, entry.name),
        reason: 'name_not_utf8',
        message: 'its name is not valid UTF-8, and an S3 key must be: rename it',
      });
      return;
    }
    const path = join(dir, name);
    let isFile = entry.isFile();
    let isDir = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      try {
        const target = statSync(path);
        isFile = target.isFile();
        isDir = target.isDirectory();
      } catch {
        skipped.push({ path, reason: 'broken_symlink', message: 'a symbolic link to nothing' });
        return;
      }
    }
    if (isFile) addFile(path);
    else if (isDir) {
      if (options.recursive) visitDir(path, depth + 1);
      else
        skipped.push({
          path,
          reason: 'subdirectory',
          message: 'a subdirectory (directories are read non-recursively): pass --recursive to include it',
        });
    } else skipped.push({ path, reason: 'not_a_file', message: `not a regular file (${kindOf(entry)})` });
  };

  const visitDir = (dir: string, depth: number) => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      real = dir;
    }
    // A symlink back up the tree would make --recursive loop for ever.
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    let entries: Dirent<Buffer>[];
    try {
      entries = readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      skipped.push({ path: dir, reason: 'unreadable', message: `cannot list it: ${(e as Error).message}` });
      return;
    }
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const entry of entries) visitEntry(dir, entry, depth);
  };

  for (const p of paths) {
    const abs = resolve(p);
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      let dangling = false;
      try {
        dangling = code === 'ENOENT' && readdirSync(resolve(abs, '..')).includes(basename(abs));
      } catch {}
      throw new UsageError(
        `lakestep run: --data ${p} ${dangling ? 'is a symbolic link to nothing' : code === 'ENOENT' ? 'does not exist' : `cannot be read: ${(e as Error).message}`}`,
      );
    }
    if (stats.isDirectory()) visitDir(abs, 0);
    else if (stats.isFile()) addFile(abs);
    else throw new UsageError(`lakestep run: --data ${p} is not a regular file or a directory`);
  }
  refuseSharedKeys(files);
  return { files, skipped };
}

function kindOf(entry: Dirent<Buffer>): string {
  if (entry.isFIFO()) return 'a FIFO';
  if (entry.isSocket()) return 'a socket';
  if (entry.isBlockDevice() || entry.isCharacterDevice()) return 'a device';
  return 'not a file';
}

/** Two inputs under one landing key: the later would replace the earlier in the lake. Name both. */
function refuseSharedKeys(files: readonly DataInput[]): void {
  const byKey = new Map<string, string>();
  const clashes: string[] = [];
  for (const f of files) {
    const first = byKey.get(f.key);
    if (first === undefined) byKey.set(f.key, f.path);
    else if (first !== f.path) clashes.push(`${first} and ${f.path} would both land as ${f.key}`);
  }
  if (clashes.length)
    throw new UsageError(
      `lakestep run: ${clashes.join('; ')}: the second would replace the first (a key is the file name's: two versions of one object). Rename one if both are meant, or land them in separate lakes (--lake).`,
    );
}
