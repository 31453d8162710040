/**
 * Promote batch: the staged batch replaces the source object's partition in cleansed, and its
 * quarantined rows replace that object's rows in quarantine. Keyed by (dataset, region, source file),
 * so a retry, a replay or a duplicate event overwrites instead of adding rows.
 */
import type { Batch } from './contracts';
import { partitionPath, STAGED } from './contracts';
import { ObjectNotFoundError } from './errors';
import type { CorePorts, ObjectRef } from './ports';

export interface PromoteResult {
  cleansedPrefix: string;
  quarantinedRowsKey: string | null;
  files: number;
  /** True when a newer version of the object was already promoted, so this batch was not. */
  superseded: boolean;
}

/** S3 sequencers are hexadecimal: compare as numbers (left-padded); an unknown ('') sequencer never orders. */
export function isOlder(candidate: string, promoted: string): boolean {
  if (!candidate || !promoted) return false;
  const width = Math.max(candidate.length, promoted.length);
  return candidate.toUpperCase().padStart(width, '0') < promoted.toUpperCase().padStart(width, '0');
}

export async function promoteBatch(
  input: { batch: Batch; objectKey: string },
  ports: CorePorts,
): Promise<PromoteResult> {
  const { batch } = input;
  const { storage, buckets } = ports;
  const staged = (name: string): ObjectRef => ({
    bucket: batch.staging.bucket,
    key: `${batch.staging.prefix}${name}`,
  });
  const part = partitionPath(batch.dataset, batch.region, batch.partition);

  // Never go backwards: a late or redriven run of an older version of the key must not replace newer rows.
  const marker: ObjectRef = { bucket: buckets.bronze, key: `_promoted/${part}version.json` };
  const current = (await storage.head(marker))
    ? (JSON.parse(new TextDecoder().decode(await storage.readBytes(marker))) as {
        sequencer: string;
        batch: string;
      })
    : null;
  if (current && isOlder(batch.sequencer, current.sequencer)) {
    ports.log.warn('batch superseded: a newer version of the object is already promoted', {
      batch: batch.id,
      object: input.objectKey,
      promoted: current.batch,
    });
    return { cleansedPrefix: part, quarantinedRowsKey: null, files: 0, superseded: true };
  }

  const data = staged(STAGED.data);
  if (!(await storage.head(data)))
    throw new ObjectNotFoundError(data.bucket, data.key, `The staged batch of ${input.objectKey}`);
  const cleansedKey = `${part}data-${batch.id}.parquet`;
  await replaceWith(ports, buckets.cleansed, part, data, cleansedKey);

  const rejected = staged(STAGED.rejected);
  const rowsPrefix = `rows/${part}`;
  let quarantinedRowsKey: string | null = null;
  if (await storage.head(rejected)) {
    quarantinedRowsKey = `${rowsPrefix}rows-${batch.id}.parquet`;
    await replaceWith(ports, buckets.quarantine, rowsPrefix, rejected, quarantinedRowsKey);
  } else {
    await removeAll(ports, buckets.quarantine, rowsPrefix);
  }
  await storage.write(
    marker,
    `${JSON.stringify({ sequencer: batch.sequencer, batch: batch.id, object: input.objectKey })}\n`,
    'application/json',
  );
  ports.log.info('batch promoted', { batch: batch.id, cleansed: `${buckets.cleansed}/${part}` });
  return { cleansedPrefix: part, quarantinedRowsKey, files: quarantinedRowsKey ? 2 : 1, superseded: false };
}

/** Writes the new file first, then removes the others under the prefix: readers never see an empty partition. */
async function replaceWith(
  ports: CorePorts,
  bucket: string,
  prefix: string,
  from: ObjectRef,
  key: string,
): Promise<void> {
  await ports.storage.copy(from, { bucket, key });
  const others = (await ports.storage.list(bucket, prefix)).filter((o) => o.key !== key);
  if (others.length) await ports.storage.delete(others);
}

async function removeAll(ports: CorePorts, bucket: string, prefix: string): Promise<void> {
  const all = await ports.storage.list(bucket, prefix);
  if (all.length) await ports.storage.delete(all);
}
