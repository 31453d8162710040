/**
 * Release transform slot: after the Glue run, the execution gives its slot back. Releasing a slot not
 * held (a redrive that resumed at the Glue run after the failure recorder released it, a retry of this
 * step) is success: `released: false` says so.
 */
import { z } from 'zod';
import { ContractError } from './errors';
import type { CorePorts } from './ports';

export const releaseSlotInputSchema = z.object({
  gate: z.string().min(1),
  holder: z.string().min(1).max(80),
  objectKey: z.string(),
});
export type ReleaseSlotInput = z.infer<typeof releaseSlotInputSchema>;

export interface ReleaseSlotResult {
  released: boolean;
}

export async function releaseTransformSlot(
  input: ReleaseSlotInput,
  ports: CorePorts,
): Promise<ReleaseSlotResult> {
  if (!ports.admission)
    throw new ContractError(
      `${input.gate}: releasing a slot needs the slot table: the function is misconfigured`,
    );
  const released = await ports.admission.table.release(input.gate, input.holder);
  ports.log.info(released ? 'slot released' : 'no slot held: nothing to release', {
    gate: input.gate,
    holder: input.holder,
    object: input.objectKey,
  });
  return { released };
}
