/**
 * Promote batch: the staged batch replaces the source object's partition in cleansed, and its
 * quarantined rows replace that object's rows in quarantine. Keyed by (dataset, region, source file),
 * so a retry, a replay or a duplicate event overwrites instead of adding rows.
 */
import type { Batch } from './contracts';
import { partitionPath } from './contracts';
import { ObjectNotFoundError } from './errors';
import type { CorePorts, ObjectRef } from './ports';
import { readBatchSummary, stagedParts } from './staged-batch';

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

  const summary = await readBatchSummary(batch, input.objectKey, ports);
  const data = await stagedParts(batch, summary.files.data, ports);
  if (data.length === 0)
    throw new ObjectNotFoundError(
      batch.staging.bucket,
      `${batch.staging.prefix}${summary.files.data}`,
      `The staged batch of ${input.objectKey}`,
    );
  await replaceWith(ports, buckets.cleansed, part, data, `data-${batch.id}`);

  const rowsPrefix = `rows/${part}`;
  const rejected = await stagedParts(batch, summary.files.rejected, ports);
  const written = await replaceWith(ports, buckets.quarantine, rowsPrefix, rejected, `rows-${batch.id}`);
  const quarantinedRowsKey = written[0] ?? null;
  await storage.write(
    marker,
    `${JSON.stringify({ sequencer: batch.sequencer, batch: batch.id, object: input.objectKey })}\n`,
    'application/json',
  );
  ports.log.info('batch promoted', { batch: batch.id, cleansed: `${buckets.cleansed}/${part}` });
  return { cleansedPrefix: part, quarantinedRowsKey, files: data.length + written.length, superseded: false };
}

/**
 * Writes the new files first (`<name>.parquet`, or `<name>-<i>.parquet` for several parts), then removes
 * every other file under the prefix: readers never see an empty partition. Returns the keys written.
 */
async function replaceWith(
  ports: CorePorts,
  bucket: string,
  prefix: string,
  parts: readonly ObjectRef[],
  name: string,
): Promise<string[]> {
  const keys = parts.map((_, i) => `${prefix}${name}${parts.length > 1 ? `-${i}` : ''}.parquet`);
  for (const [i, from] of parts.entries()) await ports.storage.copy(from, { bucket, key: keys[i] as string });
  const others = (await ports.storage.list(bucket, prefix)).filter((o) => !keys.includes(o.key));
  if (others.length) await ports.storage.delete(others);
  return keys;
}
