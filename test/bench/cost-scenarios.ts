/**
 * The stated AWS assumptions the cost model prices the measured paths with, and the day scenarios:
 * the full dataset (10 regions, ~375k rows, ~550 MB of CSV landed per day) and 100× that, as 100×
 * larger objects or as 100× as many objects. Each number here is a choice a reader can change.
 */
import { FINISH_REGION_MERGE, REQUEST_REGION_MERGE } from '../../workflows/region-merge';
import { SMALL_OBJECT_BYTES } from '../../workflows/small-objects';
import type { AwsAssumptions, DayScenario, GroupCommit, PathName } from './cost-model';
import type { MeasuredPaths } from './path-profiles';
import { ACQUIRE_CALL_MS, landingInputs, type ScaleResult, simulateLanding } from './scale-model';

export const FULL_DATASET = {
  regions: 10,
  rowsPerDay: 375_942,
  csvBytesPerDay: 550 * 1e6,
} as const;

/** A daily trending file of one region: ~200 rows, ~100 KB (issue 12's "daily file" case). */
export const DAILY_FILE_BYTES = 100 * 1024;

/** The measured path a statistics object of this size takes: the Lambda transform below the threshold. */
export const statisticsPath = (objectBytes: number): PathName =>
  objectBytes < SMALL_OBJECT_BYTES ? 'small' : 'happy';

export function assumptionsFor(objectBytes: number, measured: MeasuredPaths): AwsAssumptions {
  // Durations were measured on that path's own object: scale them to this one.
  const measuredBytes =
    statisticsPath(objectBytes) === 'small' ? measured.smallObjectBytes : measured.happyObjectBytes;
  const ingestScale = objectBytes / measuredBytes;
  return {
    crawlerPolls: 4,
    crawlSeconds: 100,
    crawlerDpus: 1,
    objectBytes,
    glueDpus: 2,
    glueStartupSeconds: 30,
    // Spark on Kaggle-shaped CSV (long quoted descriptions), per DPU: a conservative guess.
    glueBytesPerSecondPerDpu: 2e6,
    // The MERGE reads the region's current cleansed rows (one object version per region), all columns
    // counted (Athena reads fewer: an upper bound), plus categories and the table itself (~1 MB).
    athenaBytes: measured.parquetBytesPerCsvByte * objectBytes + 1e6,
    lambdaDurationScale: { IngestObject: ingestScale, TransformSmallBatch: ingestScale },
    serviceS3: {
      glue: { tier1: 12, tier2: 8 },
      crawler: { tier1: 10, tier2: 10 },
      athena: { tier1: 10, tier2: 30 },
    },
    starter: { memoryMb: 256, durationMs: 200 },
  };
}

/** The group commit of a burst as the scale model ran it: covered share and wait turns per object. */
export function groupCommitOf(
  r: Pick<ScaleResult, 'succeeded' | 'mergesCovered' | 'mergeWaits'>,
  objects: number,
): GroupCommit {
  const inputs = landingInputs(objects);
  return {
    coveredShare: r.mergesCovered / Math.max(1, objects),
    waitTurnsPerObject: r.mergeWaits / Math.max(1, objects),
    statesPerTurn: inputs.statesPerMergeTurn,
    skippedStates: 2,
    request: { memoryMb: REQUEST_REGION_MERGE.function.memoryMb, durationMs: ACQUIRE_CALL_MS },
    finishFunction: FINISH_REGION_MERGE.function.id,
  };
}

/** 10,000 daily files landed at once (the Lambda transform, 2 s), through the scale model. */
export function dailyBackfillGroupCommit(objects = 10_000): GroupCommit {
  const base = landingInputs(objects);
  const r = simulateLanding({ ...base, design: { ...base.design, lambdaTransformSeconds: 2 } });
  return groupCommitOf(r, objects);
}

export function dayScenarios(measured: MeasuredPaths): DayScenario[] {
  const perObject = FULL_DATASET.csvBytesPerDay / FULL_DATASET.regions;
  const day = (name: string, objects: number, bytes: number, groupCommit?: GroupCommit): DayScenario => {
    const a = assumptionsFor(bytes, measured);
    const paths: { path: PathName; perDay: number; assumptions: AwsAssumptions }[] = [
      // A burst's statistics objects share their region's MERGE (decision 0028); categories are priced lone.
      { path: statisticsPath(bytes), perDay: objects, assumptions: groupCommit ? { ...a, groupCommit } : a },
      // Category files are small and rarely change; counted daily anyway (an upper bound).
      { path: 'reference', perDay: objects, assumptions: a },
    ];
    return { name, objects: paths };
  };
  return [
    day('full dataset: 10 statistics + 10 category objects, 55 MB each', FULL_DATASET.regions, perObject),
    day('100×, larger objects: 10 + 10 objects, 5.5 GB each', FULL_DATASET.regions, perObject * 100),
    day('100×, more objects: 1,000 + 1,000 objects, 55 MB each', FULL_DATASET.regions * 100, perObject),
    day(
      'a backfill of 10,000 daily files (+ 10,000 category objects), ~100 KB each',
      10_000,
      DAILY_FILE_BYTES,
      dailyBackfillGroupCommit(),
    ),
  ];
}
