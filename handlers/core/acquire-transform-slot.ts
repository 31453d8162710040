/**
 * Acquire transform slot: before an execution starts its Glue run, it takes one of the gate's slots
 * (as many as the job's MaxConcurrentRuns). A full gate is an answer, not an error: `acquired: false`
 * with the seconds to wait, and the workflow's Wait loop asks again, without an attempt limit, so a
 * burst of uploads waits for capacity instead of exhausting Glue's retries.
 */
import { z } from 'zod';
import { METRIC } from '../../workflows/alarms';
import { ContractError } from './errors';
import type { CorePorts } from './ports';
import { acquireSlot, waitBeforeAskingAgain, waitWindow } from './slot-gate';

export const acquireSlotInputSchema = z.object({
  gate: z.string().min(1),
  /** The execution's name: the slot's holder, the same in every retry and redrive of the execution. */
  holder: z.string().min(1).max(80),
  objectKey: z.string(),
  /** How long a slot is held at most; a lease not released by then is freed by the next acquire. */
  leaseSeconds: z.number().int().positive(),
  /**
   * The jitter window of the wait before asking again, in seconds, and the longest wait: an object that
   * has waited long asks less often (slot-gate.ts waitWindow).
   */
  waitSeconds: z.object({
    min: z.number().int().positive(),
    max: z.number().int().positive(),
    longest: z.number().int().positive().optional(),
  }),
  /** When the object started waiting (the ingest's time): how long it has waited is a metric. */
  waitingSince: z.string().datetime({ offset: true }),
});
export type AcquireSlotInput = z.infer<typeof acquireSlotInputSchema>;

export interface AcquireSlotResult {
  acquired: boolean;
  slotsInUse: number;
  maxSlots: number;
  /** Seconds the workflow waits before asking again (0 when acquired). */
  waitSeconds: number;
  /** Seconds since the object started waiting. */
  waitedSeconds: number;
}

export async function acquireTransformSlot(
  input: AcquireSlotInput,
  ports: CorePorts,
): Promise<AcquireSlotResult> {
  const admission = ports.admission;
  if (!admission)
    throw new ContractError(
      `${input.gate}: acquiring a slot needs the slot table: the function is misconfigured`,
    );
  if (input.waitSeconds.min > input.waitSeconds.max)
    throw new ContractError(
      `${input.gate}: waitSeconds.min ${input.waitSeconds.min} is above max ${input.waitSeconds.max}`,
    );
  if (input.waitSeconds.longest !== undefined && input.waitSeconds.longest < input.waitSeconds.max)
    throw new ContractError(
      `${input.gate}: waitSeconds.longest ${input.waitSeconds.longest} is below max ${input.waitSeconds.max}`,
    );
  const now = ports.clock.now();
  const maxSlots = admission.maxSlots(input.gate);
  const outcome = await acquireSlot(admission.table, {
    gate: input.gate,
    holder: input.holder,
    max: maxSlots,
    leaseSeconds: input.leaseSeconds,
    now,
  });
  const waitedSeconds = Math.max(0, Math.round((now.getTime() - Date.parse(input.waitingSince)) / 1000));
  const fields = {
    gate: input.gate,
    holder: input.holder,
    object: input.objectKey,
    slotsInUse: outcome.slotsInUse,
    maxSlots,
  };
  if (outcome.reaped.length)
    ports.log.warn('freed slots whose lease ended without a release', { ...fields, reaped: outcome.reaped });
  ports.metrics.addDimensions({ gate: input.gate });
  ports.metrics.addMetric(METRIC.slotWaitSeconds, 'Seconds', waitedSeconds);
  if (outcome.acquired) {
    ports.metrics.addMetric(METRIC.slotsAcquired, 'Count', 1);
    ports.log.info(outcome.how === 'held' ? 'slot held already: lease renewed' : 'slot acquired', fields);
    return { acquired: true, slotsInUse: outcome.slotsInUse, maxSlots, waitSeconds: 0, waitedSeconds };
  }
  const window = waitWindow(waitedSeconds, input.waitSeconds);
  const waitSeconds = waitBeforeAskingAgain(input.holder, now, window.min, window.max);
  ports.metrics.addMetric(METRIC.slotWaits, 'Count', 1);
  ports.log.info('gate full: waiting for a slot', { ...fields, waitSeconds, waitedSeconds });
  return { acquired: false, slotsInUse: outcome.slotsInUse, maxSlots, waitSeconds, waitedSeconds };
}
