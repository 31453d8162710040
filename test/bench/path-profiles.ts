/**
 * Section 4's measurements: one real local execution per path (reference data, happy, DQ failure,
 * rejected object) in a temporary lake, with every storage call counted as the S3 request it would be.
 * Returns the PathProfile the cost model prices.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsStorage } from '../../local/fs-storage';
import { LocalRuntime } from '../../local/runtime';
import { generateStatisticsChunks } from '../../local/sample-data';
import type { LambdaStep } from '../../workflows/types';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';
import { ALWAYS_GLUE, definitionWithSmallObjectBytes } from '../helpers/transform-paths';
import { countTransitions, type PathName, type PathProfile, type S3Requests } from './cost-model';
import { REAL } from './measure';

/** Which S3 request class each storage call is (DELETE is free). */
const REQUEST_CLASS: Record<string, keyof S3Requests | null> = {
  head: 'tier2',
  read: 'tier2',
  readBytes: 'tier2',
  write: 'tier1',
  writeFromFile: 'tier1', // the upload that lands the object (a PUT)
  copy: 'tier1',
  list: 'tier1',
  delete: null,
};

/** Counts FsStorage calls while `fn` runs (the runtime builds its own FsStorage, so the prototype is wrapped). */
export async function countingStorage<T>(fn: (counts: S3Requests) => Promise<T>): Promise<T> {
  const counts: S3Requests = { tier1: 0, tier2: 0 };
  const proto = FsStorage.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  for (const [method, cls] of Object.entries(REQUEST_CLASS)) {
    const original = proto[method] as (...a: unknown[]) => unknown;
    originals.set(method, original);
    proto[method] = function (this: unknown, ...args: unknown[]) {
      if (cls) counts[cls]++;
      return original.apply(this, args);
    };
  }
  try {
    return await fn(counts);
  } finally {
    for (const [method, original] of originals) proto[method] = original;
  }
}

const STEP_BY_STATE = new Map(YOUTUBE_TRENDING.steps.map((s) => [s.stateName, s]));
const POLL_STEP = YOUTUBE_TRENDING.steps.find((s) => s.kind === 'crawlerStatus');

/** The states one turn of the crawler wait loop enters: the Wait before the poll, the poll, the Choice after. */
function statesPerPoll(): number {
  if (!POLL_STEP || !('next' in POLL_STEP)) return 0;
  const wait = YOUTUBE_TRENDING.steps.find(
    (s) => s.kind === 'wait' && 'next' in s && s.next === POLL_STEP.id,
  );
  return (wait ? 1 : 0) + 1 + (POLL_STEP.next ? 1 : 0);
}

export interface MeasuredPaths {
  profiles: Map<PathName, PathProfile>;
  /** Bytes of the happy path's object and its ingest duration, to scale the ingest to other sizes. */
  happyObjectBytes: number;
  /** Bytes of the small path's object (a generated daily file), to scale its Lambdas likewise. */
  smallObjectBytes: number;
  /** Cleansed Parquet bytes per byte of CSV landed (for Athena's bytes scanned). */
  parquetBytesPerCsvByte: number;
}

export async function measurePaths(): Promise<MeasuredPaths> {
  const work = mkdtempSync(join(tmpdir(), 'lakestep-bench-paths-'));
  try {
    const data = join(work, 'data');
    // The happy path runs a real region file: its Parquet-to-CSV ratio is the real data's.
    const happy = join(REAL, 'csv', 'USvideos.csv');
    mkdirSync(data, { recursive: true });
    const failing = join(data, 'FRvideos.csv');
    writeFileSync(
      failing,
      Buffer.concat([...generateStatisticsChunks({ region: 'FR', rows: 500, quality: 'failing' })]),
    );
    const unknown = join(data, 'notes.txt');
    writeFileSync(unknown, 'not a dataset\n');
    // A daily trending file: ~200 rows of one region, below the threshold (the Lambda transform).
    const daily = join(data, 'DEvideos.csv');
    writeFileSync(daily, Buffer.concat([...generateStatisticsChunks({ region: 'DE', rows: 200 })]));
    const runs: [PathName, string][] = [
      ['reference', join(REAL, 'json', 'US_category_id.json')],
      ['happy', happy],
      ['small', daily],
      ['dq_failure', failing],
      ['rejected', unknown],
    ];
    // The happy and DQ-failure paths price a 55 MB region file, which the Glue job transforms: they run
    // the same workflow with a threshold of 0; the small path runs the committed one.
    const glue = definitionWithSmallObjectBytes(work, ALWAYS_GLUE);
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake: join(work, 'lake') });
    const rtGlue = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake: join(work, 'lake-glue'),
      definitionFile: glue,
    });
    const profiles = new Map<PathName, PathProfile>();
    let parquetBytes = 0;
    try {
      // A deployed lake: its tables exist (the first object of each table crawls once, ever), so each
      // measured path is the steady state, where partitions are registered and nothing crawls.
      for (const r of [rt, rtGlue])
        for (const warm of [join(REAL, 'json', 'GB_category_id.json'), join(REAL, 'csv', 'GBvideos.csv')])
          await r.execute(await r.land(warm));
      for (const [path, file] of runs) {
        const on = path === 'small' ? rt : rtGlue;
        const { summary, s3 } = await countingStorage(async (counts) => {
          const summary = await on.execute(await on.land(file));
          return { summary, s3: { ...counts } };
        });
        const events = await on.store.events(summary.name);
        const tasks = await on.store.tasks(summary.name);
        const expected = {
          reference: 'succeeded',
          happy: 'succeeded',
          small: 'succeeded',
          dq_failure: 'dq_failed',
          rejected: 'rejected',
        };
        if (summary.outcome !== expected[path])
          throw new Error(`cost model: the ${path} run ended ${summary.outcome}, not ${expected[path]}`);
        const kinds = tasks.map((t) => STEP_BY_STATE.get(t.statePath)?.kind);
        profiles.set(path, {
          path,
          count: countTransitions(events, POLL_STEP?.stateName ?? ''),
          statesPerPoll: statesPerPoll(),
          lambdas: tasks.flatMap((t) => {
            const step = STEP_BY_STATE.get(t.statePath);
            return step?.kind === 'lambda'
              ? [
                  {
                    fn: (step as LambdaStep).function.id,
                    memoryMb: (step as LambdaStep).function.memoryMb,
                    durationMs: t.durationMs,
                  },
                ]
              : [];
          }),
          glueRuns: kinds.filter((k) => k === 'glueJob').length,
          crawlerRuns: kinds.filter((k) => k === 'crawlerStart').length,
          athenaQueries: kinds.filter((k) => k === 'athenaQuery').length,
          s3,
        });
        if (path === 'happy') {
          const files = await on.storage.list(on.paths.buckets.cleansed, 'statistics/');
          const bytes = files.filter((f) => f.key.endsWith('.parquet')).reduce((s, f) => s + f.size, 0);
          parquetBytes = bytes;
        }
      }
    } finally {
      rt.close();
      rtGlue.close();
    }
    const happyObjectBytes = statSync(happy).size;
    return {
      profiles,
      happyObjectBytes,
      smallObjectBytes: statSync(daily).size,
      parquetBytesPerCsvByte: parquetBytes / happyObjectBytes,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
