/**
 * Request region merge (and Ask again for the region merge): once an execution's batch is promoted and
 * registered, it asks for its region's MERGE. The answer is the next state: `run` (this execution runs
 * the MERGE now), `covered` (a run that claimed after this execution's ticket succeeded: nothing left
 * to do) or `wait` (another execution's run holds the region), with the jittered seconds to wait. A
 * wait is an answer, not an error: no retry is spent while waiting.
 */

import { z } from 'zod';
import { METRIC } from '../../workflows/alarms';
import { PARTITION_VALUE } from '../../workflows/datasets';
import { ContractError } from './errors';
import type { CorePorts } from './ports';
import { regionMergeKey, requestMerge } from './region-merge';
import { waitBeforeAskingAgain } from './slot-gate';

export const requestMergeInputSchema = z.object({
  materialization: z.string().min(1),
  region: z.string().regex(PARTITION_VALUE),
  /** The execution's name: the run's holder, the same in every retry and redrive of the execution. */
  holder: z.string().min(1).max(80),
  objectKey: z.string(),
  /** How long a claim holds at most; a claim not finished or released by then is taken over. */
  leaseSeconds: z.number().int().positive(),
  /** The jitter window of the wait before asking again, in seconds. */
  waitSeconds: z.object({ min: z.number().int().positive(), max: z.number().int().positive() }),
  /** The ticket and time of the first request (absent in the first request itself). */
  ticket: z.number().int().positive().optional(),
  askedAt: z.string().datetime({ offset: true }).optional(),
});
export type RequestMergeInput = z.infer<typeof requestMergeInputSchema>;

export interface RequestMergeResult {
  action: 'run' | 'covered' | 'wait';
  ticket: number;
  /** The last ticket this execution's run covers (0 unless `run`). */
  covers: number;
  /** The last ticket a succeeded run has covered. */
  covered: number;
  /** Whose run holds the region (only with `wait`). */
  runner: string | null;
  askedAt: string;
  /** Seconds to wait before asking again (0 unless `wait`). */
  waitSeconds: number;
  waitedSeconds: number;
}

export async function requestRegionMerge(
  input: RequestMergeInput,
  ports: CorePorts,
): Promise<RequestMergeResult> {
  const table = ports.regionMerges;
  if (!table)
    throw new ContractError(
      `${input.objectKey}: requesting the region's MERGE needs the admission table: the function is misconfigured`,
    );
  if (input.waitSeconds.min > input.waitSeconds.max)
    throw new ContractError(
      `${input.objectKey}: waitSeconds.min ${input.waitSeconds.min} is above max ${input.waitSeconds.max}`,
    );
  if ((input.ticket === undefined) !== (input.askedAt === undefined))
    throw new ContractError(
      `${input.objectKey}: ticket and askedAt come together (a repeated request carries both), got ticket ${input.ticket} and askedAt ${input.askedAt}`,
    );
  const now = ports.clock.now();
  const key = regionMergeKey(input.materialization, input.region);
  const answer = await requestMerge(table, {
    key,
    holder: input.holder,
    ticket: input.ticket ?? null,
    leaseSeconds: input.leaseSeconds,
    now,
  });
  const askedAt = input.askedAt ?? now.toISOString();
  const waitedSeconds = Math.max(0, Math.round((now.getTime() - Date.parse(askedAt)) / 1000));
  const fields = { key, holder: input.holder, object: input.objectKey, ticket: answer.ticket, waitedSeconds };
  ports.metrics.addDimensions({ materialization: input.materialization });
  const base = { ticket: answer.ticket, askedAt, waitedSeconds, covers: 0, runner: null, waitSeconds: 0 };
  switch (answer.action) {
    case 'run':
      ports.metrics.addMetric(METRIC.regionMergesRun, 'Count', 1);
      if (answer.tookOverFrom)
        ports.log.warn("took over a region's MERGE whose claim's lease ended without a release", {
          ...fields,
          previous: answer.tookOverFrom,
        });
      ports.log.info("running the region's MERGE", { ...fields, covers: answer.covers });
      return { ...base, action: 'run', covers: answer.covers, covered: answer.covered };
    case 'covered':
      ports.metrics.addMetric(METRIC.regionMergesCovered, 'Count', 1);
      ports.log.info("covered by another execution's MERGE of the region", {
        ...fields,
        covered: answer.covered,
      });
      return { ...base, action: 'covered', covered: answer.covered };
    case 'wait': {
      const waitSeconds = waitBeforeAskingAgain(
        input.holder,
        now,
        input.waitSeconds.min,
        input.waitSeconds.max,
      );
      ports.metrics.addMetric(METRIC.regionMergeWaits, 'Count', 1);
      ports.log.info("waiting for another execution's MERGE of the region", {
        ...fields,
        runner: answer.runner,
        waitSeconds,
      });
      return { ...base, action: 'wait', covered: answer.covered, runner: answer.runner, waitSeconds };
    }
  }
}
