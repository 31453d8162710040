/**
 * Real local executions of every path of the workflow (statistics, categories, rejected, DQ failure,
 * crawler already running, a newer version of a promoted object, a failed execution and its redrive),
 * with each Lambda step's storage wrapped in a recorder: what the proof derives every principal's calls from.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CorePorts } from '../../handlers/core/ports';
import { findTasks, type Handler, named } from '../../local/bindings';
import { ASL_DIR } from '../../local/definition';
import type { ExecutionRecord, TaskRecord } from '../../local/execution-store';
import type { ExecutionSummary } from '../../local/execution-summary';
import { LOCAL_FUNCTIONS } from '../../local/lambdas';
import type { LandedObject } from '../../local/landing';
import { LocalRuntime } from '../../local/runtime';
import { writeSample } from '../../local/sample-data';
import { YOUTUBE_DATASETS } from '../../workflows/datasets';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';
import { ALWAYS_GLUE, definitionWithSmallObjectBytes } from '../helpers/transform-paths';
import { RecordingRegionMergeTable, RecordingSlotTable } from './admission-calls';
import { type AwsCall, RecordingStorage, stamp } from './calls';
import { RecordingCatalog } from './catalog-calls';

export interface ObservedExecution {
  readonly record: ExecutionRecord;
  readonly summary: ExecutionSummary;
  readonly tasks: readonly TaskRecord[];
}

export interface LocalObservations {
  /** S3 requests of each Lambda step's function, by function id, in recording order (local bucket names). */
  readonly functionCalls: ReadonlyMap<string, AwsCall[]>;
  readonly executions: readonly ObservedExecution[];
  readonly landed: readonly LandedObject[];
  /** Keys in the local cleansed bucket after all runs (what a crawl reads). */
  readonly cleansedKeys: readonly string[];
  /** The paths the runs went through, for the test to check they are all there. */
  readonly paths: ReadonlySet<string>;
}

const NOOP_LOG = { info() {}, warn() {}, error() {} };
const NOOP_METRICS = { addDimensions() {}, addMetric() {}, publishStoredMetrics() {} };

/**
 * Replaces each Lambda state's implementation with the same core the local binding runs (schema, core,
 * AWS response shape), its storage wrapped in a recorder for the function the state invokes.
 */
function recordingLambdas(
  runtime: () => LocalRuntime,
  deployedBucket: (local: string) => string,
  functionCalls: Map<string, AwsCall[]>,
): Record<string, Handler> {
  const asl = JSON.parse(readFileSync(join(ASL_DIR, 'youtube-trending.asl.json'), 'utf8'));
  const out: Record<string, Handler> = {};
  for (const task of findTasks(asl)) {
    if (task.kind !== 'lambda') continue;
    const id = task.placeholder?.replace(/FunctionArn$/, '') ?? '';
    const fn = LOCAL_FUNCTIONS[id];
    if (!fn) throw new Error(`state ${task.stateName}: no local function ${id}`);
    out[task.stateName] = async (params) => {
      const parsed = fn.schema.safeParse((params as { Payload: unknown }).Payload);
      if (!parsed.success) throw named('Lake.ContractViolation', parsed.error.message);
      const rt = runtime();
      const calls = functionCalls.get(id) ?? [];
      functionCalls.set(id, calls);
      const ports: CorePorts = {
        storage: new RecordingStorage(rt.storage, deployedBucket, (c) => calls.push(...stamp(c))),
        catalog: new RecordingCatalog(rt.catalog, (c) => calls.push(...stamp(c))),
        admission: {
          table: new RecordingSlotTable(rt.slots, (c) => calls.push(...stamp(c))),
          maxSlots: () => 10,
        },
        regionMerges: new RecordingRegionMergeTable(rt.regionMerges, (c) => calls.push(...stamp(c))),
        buckets: rt.paths.buckets,
        log: NOOP_LOG,
        metrics: NOOP_METRICS,
        clock: { now: () => new Date() },
        datasets: YOUTUBE_DATASETS,
      };
      const payload = await fn.core(parsed.data as never, ports);
      return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: payload };
    };
  }
  return out;
}

/** Runs every path once in a fresh lake under `dir`; a few seconds on the small sample. */
export async function observeLocalRuns(dir: string): Promise<LocalObservations> {
  const lake = join(dir, 'lake');
  const files = await writeSample(join(dir, 'sample'), { rowsPerRegion: 40, regions: ['CA', 'GB'] });
  const file = (name: string) => {
    const f = files.find((p) => basename(p) === name);
    if (!f) throw new Error(`the sample has no ${name}`);
    return f;
  };
  const functionCalls = new Map<string, AwsCall[]>();
  const executions: ObservedExecution[] = [];
  const landed: LandedObject[] = [];
  const paths = new Set<string>();
  let current: LocalRuntime | null = null;
  // Calls are recorded with local bucket names (stage directories); principals.ts maps them per stack.
  const overrides = recordingLambdas(
    () => current as LocalRuntime,
    (local) => local,
    functionCalls,
  );
  const open = async (faults: { state: string; mode: 'permanent' }[] = [], definitionFile?: string) => {
    current = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake,
      taskOverrides: overrides,
      faults,
      retryDelayMs: 0,
      ...(definitionFile ? { definitionFile } : {}),
    });
    return current;
  };
  const observe = async (rt: LocalRuntime, summary: ExecutionSummary, path: string) => {
    const record = await rt.store.get(summary.name);
    if (!record) throw new Error(`no record of ${summary.name}`);
    const e = { record, summary, tasks: await rt.store.tasks(summary.name) };
    executions.push(e);
    paths.add(path);
    return summary;
  };
  const run = async (rt: LocalRuntime, path: string, source: string) => {
    const obj = await rt.land(source);
    landed.push(obj);
    return observe(rt, await rt.execute(obj), path);
  };
  const expectOutcome = (s: ExecutionSummary, outcome: ExecutionSummary['outcome'], path: string) => {
    if (s.outcome !== outcome)
      throw new Error(`path "${path}" ended ${s.outcome} (${s.error}: ${s.cause}), expected ${outcome}`);
  };

  let rt = await open();
  try {
    expectOutcome(
      await run(rt, 'statistics, first promotion', file('CAvideos.csv')),
      'succeeded',
      'statistics',
    );
    expectOutcome(await run(rt, 'categories', file('CA_category_id.json')), 'succeeded', 'categories');
    expectOutcome(await run(rt, 'DQ failure', file('FRvideos.csv')), 'dq_failed', 'DQ failure');
    expectOutcome(await run(rt, 'rejected', file('notes.txt')), 'rejected', 'rejected');
    const [crawler] = rt.crawlers.values();
    await crawler?.start(); // another execution's crawl is running when this one starts its own
    expectOutcome(
      await run(rt, 'crawler already running', file('GBvideos.csv')),
      'succeeded',
      'crawler busy',
    );
    // Newer versions of promoted objects: the promotion marker exists and is read, the old files are
    // replaced (deleted); a version with a bad row quarantines it, the next clean one removes that again.
    const lines = readFileSync(file('CAvideos.csv'), 'utf8').trimEnd().split('\n');
    const badRow = [...lines];
    badRow[1] = `not-an-id${(badRow[1] as string).slice((badRow[1] as string).indexOf(','))}`;
    const versions: [string, string, string][] = [
      ['CAvideos.csv', `${badRow.join('\n')}\n`, 'newer version with a quarantined row'],
      ['CAvideos.csv', `${lines.slice(0, -1).join('\n')}\n`, 'newer version without quarantined rows'],
      [
        'CA_category_id.json',
        `${JSON.stringify({ ...JSON.parse(readFileSync(file('CA_category_id.json'), 'utf8')), etag: 'v2' })}\n`,
        'newer categories',
      ],
    ];
    for (const [i, [name, content, path]] of versions.entries()) {
      const source = join(dir, `v${i + 2}`, name);
      mkdirSync(dirname(source), { recursive: true });
      writeFileSync(source, content);
      expectOutcome(await run(rt, path, source), 'succeeded', path);
    }
  } finally {
    rt.close();
  }

  // A large object: the same workflow with a threshold of 0 sends it to the Glue job (DuckDB here).
  rt = await open([], definitionWithSmallObjectBytes(dir, ALWAYS_GLUE));
  try {
    const source = join(dir, 'large', 'GBvideos.csv');
    mkdirSync(dirname(source), { recursive: true });
    writeFileSync(
      source,
      `${readFileSync(file('GBvideos.csv'), 'utf8').trimEnd().split('\n').slice(0, -1).join('\n')}\n`,
    );
    const s = await run(rt, 'large object through the Glue job', source);
    expectOutcome(s, 'succeeded', 'large object');
    if (!s.states.some((x) => x.name === 'Transform batch'))
      throw new Error('the large object did not go through "Transform batch"');
  } finally {
    rt.close();
  }

  // A system fault, then its redrive (lakestep replay NAME): resumes at the failed state.
  rt = await open([{ state: 'Promote batch', mode: 'permanent' }]);
  let failed: ExecutionSummary;
  try {
    failed = await run(rt, 'system fault', file('GB_category_id.json'));
    expectOutcome(failed, 'failed', 'system fault');
  } finally {
    rt.close();
  }
  rt = await open();
  try {
    expectOutcome(await observe(rt, await rt.redrive(failed.name), 'redrive'), 'succeeded', 'redrive');
    const cleansedKeys = (await rt.storage.list(rt.paths.buckets.cleansed, ''))
      .map((o) => o.key)
      .filter((k) => !k.startsWith('_staging/'));
    return { functionCalls, executions, landed, cleansedKeys, paths };
  } finally {
    rt.close();
  }
}
