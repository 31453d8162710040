/**
 * Writes a transformed batch to its staging prefix — data.parquet, rejected.parquet with each record's
 * rule (or none), then summary.json — the same files whichever engine transformed it (the Lambda, the
 * ingest step for a JSON document, the Glue job, DuckDB locally), so that data quality, promote, the
 * catalog and replay do not know which path ran.
 */
import type { TransformSpec } from '../../workflows/datasets';
import type { Batch, BatchSummary, RowCounts } from './contracts';
import { STAGED } from './contracts';
import type { CorePorts, ObjectRef } from './ports';
import { cleansedParquet, rejectedParquet } from './transform-parquet';
import type { RecordTransformResult } from './transform-records';

export async function stageTransformed(
  spec: TransformSpec,
  batch: Batch,
  result: RecordTransformResult,
  ports: Pick<CorePorts, 'storage'>,
): Promise<{ summaryKey: string; rows: RowCounts }> {
  const { storage } = ports;
  const staged = (name: string): ObjectRef => ({
    bucket: batch.staging.bucket,
    key: `${batch.staging.prefix}${name}`,
  });
  await storage.write(
    staged(STAGED.data),
    cleansedParquet(spec, result.rows),
    'application/vnd.apache.parquet',
  );
  const quarantined = result.rejected.length;
  // A stale file of an earlier attempt must not outlive its batch (the Glue job deletes it too).
  if (quarantined > 0)
    await storage.write(
      staged(STAGED.rejected),
      rejectedParquet(spec, batch.sourceObject, result.rejected),
      'application/vnd.apache.parquet',
    );
  else await storage.delete([staged(STAGED.rejected)]);

  const rows: RowCounts = {
    read: result.read,
    cleansed: result.rows.length,
    quarantined,
    duplicates: result.duplicates,
  };
  const summary: BatchSummary = {
    batchId: batch.id,
    dataset: spec.name,
    region: batch.region,
    sourceObject: batch.sourceObject,
    ...rows,
    rules: result.rules,
    files: { data: STAGED.data, rejected: quarantined > 0 ? STAGED.rejected : null },
  };
  // Written last: a summary means the files it names are complete.
  const summaryRef = staged(STAGED.summary);
  await storage.write(summaryRef, `${JSON.stringify(summary, null, 2)}\n`, 'application/json');
  return { summaryKey: summaryRef.key, rows };
}
