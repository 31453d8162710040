/** Promote batch keeps the newest version of an object and keys partitions by the object, not its file name. */

import { join } from 'node:path';
import { partitionValueFor } from '../handlers/core/classify';
import type { Batch } from '../handlers/core/contracts';
import type { CorePorts } from '../handlers/core/ports';
import { isOlder, promoteBatch } from '../handlers/core/promote-batch';
import { capturedLog, capturedMetrics } from '../local/capture';
import { FsStorage } from '../local/fs-storage';
import { lakePaths } from '../local/lake';
import { YOUTUBE_DATASETS } from '../workflows/datasets';
import { tempDir } from './helpers/lake';

describe('promote batch', () => {
  const { dir, cleanup } = tempDir('promote');
  afterAll(cleanup);
  const paths = lakePaths(join(dir, 'lake'));
  const storage = new FsStorage(paths.root);
  const ports: CorePorts = {
    storage,
    buckets: paths.buckets,
    log: capturedLog('test', () => {}),
    metrics: capturedMetrics('test', () => {}),
    clock: { now: () => new Date('2026-01-01T00:00:00Z') },
    datasets: YOUTUBE_DATASETS,
  };
  const batch = (id: string, sequencer: string): Batch => ({
    id,
    dataset: 'statistics',
    region: 'us',
    sourceObject: 'raw_statistics/region=us/USvideos.csv',
    sourceFile: 'USvideos.csv',
    partition: 'USvideos.csv',
    sequencer,
    bronze: { bucket: 'bronze', key: `statistics/region=us/source_file=USvideos.csv/${id}/USvideos.csv` },
    staging: { bucket: 'cleansed', prefix: `_staging/statistics/region=us/${id}/` },
    ingestedAt: '2026-01-01T00:00:00Z',
  });
  /** Stages a batch's files and its summary, naming the data output as the engine would. */
  const stage = async (b: Batch, files: string[] = ['data.parquet']) => {
    for (const f of files) await storage.write({ bucket: 'cleansed', key: `${b.staging.prefix}${f}` }, b.id);
    const first = files[0] ?? 'data.parquet';
    const data = first.includes('/') ? `${first.split('/')[0]}/` : first;
    const summary = {
      batchId: b.id,
      dataset: 'statistics',
      region: 'us',
      sourceObject: b.sourceObject,
      read: 1,
      cleansed: 1,
      quarantined: 0,
      duplicates: 0,
      rules: {},
      files: { data, rejected: null },
    };
    await storage.write(
      { bucket: 'cleansed', key: `${b.staging.prefix}summary.json` },
      JSON.stringify(summary),
    );
  };
  const partitionFiles = async () =>
    (await storage.list('cleansed', 'statistics/region=us/source_file=USvideos.csv/')).map((o) => o.key);

  it('replaces the partition with a newer version, and refuses to go back to an older one', async () => {
    const older = batch('run-old', '0062A1B2C3D4E5F601');
    const newer = batch('run-new', '0062A1B2C3D4E5F6FF');
    await stage(older);
    await stage(newer);
    expect((await promoteBatch({ batch: older, objectKey: older.sourceObject }, ports)).superseded).toBe(
      false,
    );
    expect((await promoteBatch({ batch: newer, objectKey: newer.sourceObject }, ports)).superseded).toBe(
      false,
    );
    expect(await partitionFiles()).toEqual([
      'statistics/region=us/source_file=USvideos.csv/data-run-new.parquet',
    ]);
    // A late (or redriven) run of the older version:
    const late = await promoteBatch({ batch: older, objectKey: older.sourceObject }, ports);
    expect(late).toMatchObject({ superseded: true, files: 0 });
    expect(await partitionFiles()).toEqual([
      'statistics/region=us/source_file=USvideos.csv/data-run-new.parquet',
    ]);
  });

  it('promotes the part files of a Spark output directory, as Glue writes them', async () => {
    const glue = { ...batch('run-glue', '0062A1B2C3D4E5F7FF'), partition: 'glue.csv' };
    await stage(glue, ['data/part-00000.snappy.parquet', 'data/part-00001.snappy.parquet']);
    const result = await promoteBatch({ batch: glue, objectKey: glue.sourceObject }, ports);
    expect(result.files).toBe(2);
    const keys = (await storage.list('cleansed', 'statistics/region=us/source_file=glue.csv/')).map(
      (o) => o.key,
    );
    expect(keys).toEqual([
      'statistics/region=us/source_file=glue.csv/data-run-glue-0.parquet',
      'statistics/region=us/source_file=glue.csv/data-run-glue-1.parquet',
    ]);
  });

  it('compares S3 sequencers as hexadecimal numbers', () => {
    expect(isOlder('0A', 'FF')).toBe(true);
    expect(isOlder('FF', '0100')).toBe(true); // shorter is left-padded
    expect(isOlder('0100', 'FF')).toBe(false);
    expect(isOlder('', 'FF')).toBe(false); // unknown order: promote
  });

  it('keys a partition by the object: the same file name under another key gets its own partition', () => {
    expect(partitionValueFor('raw_statistics/region=us/USvideos.csv', YOUTUBE_DATASETS)).toBe('USvideos.csv');
    const other = partitionValueFor('backfill/2018/USvideos.csv', YOUTUBE_DATASETS);
    expect(other).toMatch(/^USvideos\.csv~[0-9a-f]{10}$/);
    expect(partitionValueFor('backfill/2019/USvideos.csv', YOUTUBE_DATASETS)).not.toBe(other);
  });
});
