/**
 * Landing in the local lake as an S3 upload does it: a file copied under the key ARCHITECTURE.md gives
 * (hashed in the same pass), a sequencer that orders versions of a key, and the EventBridge
 * "Object Created" event S3 would send for it.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { landingKeyFor } from '../handlers/core/classify';
import type { ObjectRef } from '../handlers/core/ports';
import type { Dataset } from '../workflows/datasets';
import type { FsStorage } from './fs-storage';

export interface LandedObject {
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
  readonly md5: string;
  /** Orders versions of one key, as S3's event sequencer does (hex, grows with every landing). */
  readonly sequencer: string;
}

let landings = 0;
/** A hex sequencer that grows with every landing in this process and across runs (time-based). */
function nextSequencer(): string {
  landings = (landings + 1) % 0x10000;
  return `${Date.now().toString(16).padStart(12, '0')}${landings.toString(16).padStart(4, '0')}`.toUpperCase();
}

/** The landing key of a local file: what its upload to the landing bucket would be named. */
export function landingKeyOfFile(file: string, datasets: readonly Dataset[]): string {
  return landingKeyFor(basename(file), datasets);
}

/** Lands a file in the landing bucket. The source is only read; one streaming pass copies and hashes. */
export async function landFile(
  storage: FsStorage,
  landingBucket: string,
  file: string,
  datasets: readonly Dataset[],
): Promise<LandedObject> {
  const key = landingKeyOfFile(file, datasets);
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  const source = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`Cannot land ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  if (!source.isFile()) throw new Error(`Cannot land ${file}: not a file`);
  await storage.writeFromFile({ bucket: landingBucket, key }, file, (chunk) => {
    sha256.update(chunk);
    md5.update(chunk);
    size += chunk.byteLength;
  });
  return { key, size, sha256: sha256.digest('hex'), md5: md5.digest('hex'), sequencer: nextSequencer() };
}

/** An object already in the landing bucket, described as a new landing of it (`lakestep rerun`). */
export async function relandedObject(storage: FsStorage, ref: ObjectRef): Promise<LandedObject> {
  const bytes = await storage.readBytes(ref);
  return {
    key: ref.key,
    size: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
    sequencer: nextSequencer(),
  };
}

/** The EventBridge "Object Created" event S3 sends for the object: the execution input on AWS too. */
export function objectCreatedEvent(
  landingBucket: string,
  obj: LandedObject,
  time: Date,
): Record<string, unknown> {
  return {
    version: '0',
    id: createHash('sha256').update(`${obj.key}:${obj.sha256}`).digest('hex').slice(0, 36),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: time.toISOString(),
    region: 'local',
    resources: [`arn:aws:s3:::${landingBucket}`],
    detail: {
      version: '0',
      bucket: { name: landingBucket },
      object: { key: obj.key, size: obj.size, etag: obj.md5, sequencer: obj.sequencer },
      reason: 'PutObject',
    },
  };
}
