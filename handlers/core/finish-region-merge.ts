/**
 * Finish region merge: after this execution's MERGE succeeded, every ticket its claim covers is done,
 * and the region is free for the next run. A claim no longer held (the lease ended and another run took
 * over, or a redrive that resumed at the MERGE after the failure recorder released it) records nothing:
 * `recorded: false`; this execution is done all the same (its own MERGE ran after its batch was
 * registered), and the waiters are covered by the run that holds the region now.
 */

import { z } from 'zod';
import { PARTITION_VALUE } from '../../workflows/datasets';
import { ContractError } from './errors';
import type { CorePorts } from './ports';
import { regionMergeKey } from './region-merge';

export const finishMergeInputSchema = z.object({
  materialization: z.string().min(1),
  region: z.string().regex(PARTITION_VALUE),
  holder: z.string().min(1).max(80),
  objectKey: z.string(),
  /** The last ticket the run covers, as its claim answered (0: an item recreated since the ticket). */
  covers: z.number().int().nonnegative(),
});
export type FinishMergeInput = z.infer<typeof finishMergeInputSchema>;

export interface FinishMergeResult {
  recorded: boolean;
}

export async function finishRegionMerge(
  input: FinishMergeInput,
  ports: CorePorts,
): Promise<FinishMergeResult> {
  if (!ports.regionMerges)
    throw new ContractError(
      `${input.objectKey}: finishing the region's MERGE needs the admission table: the function is misconfigured`,
    );
  const key = regionMergeKey(input.materialization, input.region);
  const recorded = await ports.regionMerges.finish(key, input.holder, input.covers);
  const fields = { key, holder: input.holder, object: input.objectKey, covers: input.covers };
  if (recorded) ports.log.info("region's MERGE recorded: the executions it covers are done", fields);
  else
    ports.log.warn(
      'the claim was no longer held: nothing recorded; the current run covers the waiters',
      fields,
    );
  return { recorded };
}
