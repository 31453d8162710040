/**
 * Which statistics objects skip Spark (decision 0026): below SMALL_OBJECT_BYTES the transform runs in a
 * Lambda ("Transform small batch"), from there on in the Glue job ("Transform batch"). The threshold is
 * data of the workflow (the "Small object?" Choice compares `$.ingest.sizeBytes` with it), so a workflow
 * may set its own; `withSmallObjectBytes` makes such a variant (tests force either path with it).
 */
import type { ChoiceStep, Step, Workflow } from './types';

/**
 * 20 MB: a daily trending file (~100 KB) and every real region file of the dataset (1–4 MB) are far
 * below it, a year of one region (~55 MB) is above. The Lambda holds a batch's rows until the dedupe
 * ends (~6x the object's size in V8, measured in docs/decisions/0026); at 20 MB that stays well inside
 * its 1,024 MB, and the work takes seconds where Glue bills a minute at least.
 */
export const SMALL_OBJECT_BYTES = 20 * 1024 * 1024;

/** The most the Lambda transform accepts whatever a workflow's threshold says: its memory bound. */
export const SMALL_OBJECT_MAX_BYTES = 64 * 1024 * 1024;

/** The step id of the Choice that picks the path. */
export const TRANSFORM_PATH_STEP = 'transformPath';

/** The Choice that sends a statistics object to the Lambda transform or the Glue job, by its size. */
export function transformPathStep(smallObjectBytes: number, small: string, large: string): ChoiceStep {
  if (
    !Number.isInteger(smallObjectBytes) ||
    smallObjectBytes < 0 ||
    smallObjectBytes > SMALL_OBJECT_MAX_BYTES
  )
    throw new Error(
      `small-object threshold ${smallObjectBytes}: use a whole number of bytes from 0 (always Glue) to ${SMALL_OBJECT_MAX_BYTES} (the Lambda transform's memory bound)`,
    );
  return {
    id: TRANSFORM_PATH_STEP,
    kind: 'choice',
    stateName: 'Small object?',
    comment: `Objects under ${smallObjectBytes} bytes are transformed in a Lambda: Spark's minimum bill is for large ones.`,
    rules: [
      {
        when: { variable: '$.ingest.sizeBytes', numericLessThan: smallObjectBytes },
        next: small,
        label: `under ${formatBytes(smallObjectBytes)}`,
      },
    ],
    default: large,
  };
}

const formatBytes = (n: number) => (n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`);

/** The workflow with another small-object threshold (0: every object goes to Glue). */
export function withSmallObjectBytes(workflow: Workflow, smallObjectBytes: number): Workflow {
  let found = false;
  const steps = workflow.steps.map((s): Step => {
    if (s.id !== TRANSFORM_PATH_STEP || s.kind !== 'choice') return s;
    found = true;
    const [rule] = s.rules;
    return { ...transformPathStep(smallObjectBytes, rule?.next ?? '', s.default ?? '') };
  });
  if (!found) throw new Error(`workflow ${workflow.name} has no '${TRANSFORM_PATH_STEP}' choice`);
  return { ...workflow, steps };
}
