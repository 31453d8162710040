/**
 * Section 2: what orchestration alone costs locally. The committed ASL runs on aws-local-stepfunctions
 * with no-op task handlers that return just the shapes the ResultSelectors and Choices read; the time
 * per billed state transition, and what building (validating) the StateMachine and a first run cost.
 */
import '../../local/polyfills';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { findTasks } from '../../local/bindings';
import { ASL_DIR, localSubstitutions, substitute } from '../../local/definition';
import { countTransitions } from './cost-model';

type Json = Record<string, unknown>;

/** Events one no-op happy-path execution may take before it counts as looping. */
const MAX_EVENTS = 2000;

/** Sets `value` at a JSONPath like `$.Payload.status` in `target`. */
function setPath(target: Json, path: string, value: unknown): void {
  const parts = path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean);
  let at = target;
  for (const [i, p] of parts.entries()) {
    if (i === parts.length - 1) at[p] = value;
    else {
      at[p] ??= {};
      at = at[p] as Json;
    }
  }
}

/** Values the Choices branch on, for the happy path; every other selected field gets a placeholder. */
const HAPPY_VALUES: Record<string, unknown> = {
  '$.Payload.status': 'accepted',
  '$.Payload.dataset': 'statistics',
  // A daily file: the small-object path (the Lambda transform).
  '$.Payload.sizeBytes': 100 * 1024,
  '$.Payload.passed': true,
  // The happy path is admitted by the Glue gate at once.
  '$.Payload.acquired': true,
  // The happy path runs its region's MERGE itself (decision 0028).
  '$.Payload.action': 'run',
  // The happy path registers its partition: no crawl.
  '$.Payload.crawl': false,
  '$.Crawler.State': 'READY',
  '$.Crawler': { Name: 'c', State: 'READY', LastCrawl: { Status: 'SUCCEEDED' } },
  '$.JobRunState': 'SUCCEEDED',
  // Later states' Parameters read into the batch.
  '$.Payload.batch': {
    id: 'b',
    bronze: { bucket: 'bronze', key: 'k' },
    staging: { bucket: 'cleansed', prefix: 'p/' },
    ingestedAt: '2026-01-01T00:00:00.000Z',
  },
};

/** A task result carrying every field the state's ResultSelector selects. */
export function noOpResult(state: Json): Json {
  const result: Json = {};
  const walk = (sel: unknown) => {
    if (!sel || typeof sel !== 'object') return;
    for (const [k, v] of Object.entries(sel as Json)) {
      if (k.endsWith('.$') && typeof v === 'string' && v.startsWith('$.'))
        setPath(result, v, v in HAPPY_VALUES ? HAPPY_VALUES[v] : 'x');
      else walk(v);
    }
  };
  walk(state.ResultSelector);
  return result;
}

export interface OrchestrationReading {
  /** First StateMachine construction (parse + validation) in this process, and the mean of later ones. */
  constructFirstMs: number;
  constructMs: number;
  /** The same with validation off (`noValidate`): what a runtime pays per execution if it validates once. */
  constructUnvalidatedMs: number;
  /** First execution of a fresh machine, start to result. */
  firstRunMs: number;
  firstRunTransitions: number;
  executions: number;
  transitionsPerExecution: number;
  /** Mean time per billed transition over warm executions of one machine. */
  msPerTransition: number;
}

export async function measureOrchestration(executions: number): Promise<OrchestrationReading> {
  const raw = readFileSync(resolve(ASL_DIR, 'youtube-trending.asl.json'), 'utf8');
  const definition = JSON.parse(substitute(raw, localSubstitutions(raw)));
  const states = definition.States as Record<string, Json>;
  const handlers = Object.fromEntries(
    findTasks(JSON.parse(raw)).map((t) => {
      const result = noOpResult(states[t.stateName] as Json);
      return [t.stateName, async () => result];
    }),
  );
  const waits = Object.fromEntries(
    Object.entries(states)
      .filter(([, s]) => s.Type === 'Wait')
      .map(([n]) => [n, 0]),
  );
  const pollState = findTasks(JSON.parse(raw)).find((t) => t.kind === 'crawlerStatus')?.stateName ?? '';
  const build = () => new StateMachine(definition, { validationOptions: { checkArn: false } });
  const runOnce = async (machine: StateMachine) => {
    const execution = machine.run(
      { detail: { bucket: { name: 'landing' }, object: { key: 'k' } } } as never,
      {
        overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: waits },
        context: { Execution: { Name: 'bench' } } as never,
      },
    );
    const events: { type: string; stateName?: string }[] = [];
    let looping: string | null = null;
    const consume = (async () => {
      for await (const e of execution.eventLogs) {
        const ev = e as unknown as { type: string; state?: { name?: string } };
        events.push({ type: ev.type, stateName: ev.state?.name });
        // A happy path is a few dozen events: more means a Choice reads a value HAPPY_VALUES lacks and loops.
        if (events.length > MAX_EVENTS && looping === null) {
          looping = ev.state?.name ?? ev.type;
          execution.abort();
        }
      }
    })();
    await execution.result.catch((e: unknown) => {
      if (looping === null) throw e;
    });
    await consume;
    if (looping !== null)
      throw new Error(
        `orchestration bench: the no-op happy path loops (still running at "${looping}" after ${MAX_EVENTS} events): give the value its Choice reads in HAPPY_VALUES`,
      );
    return countTransitions(events, pollState).transitions;
  };

  let t = performance.now();
  const first = build();
  const constructFirstMs = performance.now() - t;
  t = performance.now();
  const firstRunTransitions = await runOnce(first);
  const firstRunMs = performance.now() - t;
  const constructs = Math.max(5, Math.round(executions / 5));
  t = performance.now();
  for (let i = 0; i < constructs; i++) build();
  const constructMs = (performance.now() - t) / constructs;
  t = performance.now();
  for (let i = 0; i < constructs; i++)
    new StateMachine(definition, { validationOptions: { noValidate: true } });
  const constructUnvalidatedMs = (performance.now() - t) / constructs;
  // One machine, many executions: the per-transition cost without the per-execution construction.
  let transitions = 0;
  t = performance.now();
  for (let i = 0; i < executions; i++) transitions += await runOnce(first);
  const elapsed = performance.now() - t;
  return {
    constructFirstMs,
    constructMs,
    constructUnvalidatedMs,
    firstRunMs,
    firstRunTransitions,
    executions,
    transitionsPerExecution: transitions / executions,
    msPerTransition: elapsed / transitions,
  };
}
