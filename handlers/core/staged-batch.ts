/**
 * Reading a staged batch: its summary, and its data and quarantined-row files by the names the summary
 * gives. The local transform writes single files (`data.parquet`); Spark on Glue writes directories of
 * part files (`data/`); every step reads either.
 */
import type { Batch, BatchSummary } from './contracts';
import { batchSummarySchema, STAGED } from './contracts';
import { ContractError, ObjectNotFoundError } from './errors';
import type { CorePorts, ObjectRef } from './ports';

export async function readBatchSummary(
  batch: Batch,
  objectKey: string,
  ports: CorePorts,
): Promise<BatchSummary> {
  const ref = { bucket: batch.staging.bucket, key: `${batch.staging.prefix}${STAGED.summary}` };
  const where = `s3://${ref.bucket}/${ref.key}`;
  if (!(await ports.storage.head(ref)))
    throw new ObjectNotFoundError(ref.bucket, ref.key, `The batch summary of ${objectKey}`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(await ports.storage.readBytes(ref)));
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new ContractError(
      `The batch summary ${where} of ${objectKey} is not JSON (${e.message}); rerun the object`,
    );
  }
  const parsed = batchSummarySchema.safeParse(raw);
  if (!parsed.success)
    throw new ContractError(`The batch summary ${where} is malformed: ${parsed.error.message}`);
  return parsed.data;
}

/** The Parquet objects of a staged output named by the summary: one file, or the parts under a directory. */
export async function stagedParts(batch: Batch, name: string | null, ports: CorePorts): Promise<ObjectRef[]> {
  if (!name) return [];
  const key = `${batch.staging.prefix}${name}`;
  if (name.endsWith('/'))
    return (await ports.storage.list(batch.staging.bucket, key)).filter((o) => o.key.endsWith('.parquet'));
  const ref = { bucket: batch.staging.bucket, key };
  return (await ports.storage.head(ref)) ? [ref] : [];
}
