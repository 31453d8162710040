/** Lambda: Release transform slot (the slot table from ADMISSION_TABLE). */
import { admissionFromEnv } from './aws/admission-env';
import { releaseSlotInputSchema, releaseTransformSlot } from './core/release-transform-slot';
import { lambdaHandler } from './lambda-runtime';

export const handler = lambdaHandler(releaseSlotInputSchema, (input, ports) =>
  releaseTransformSlot(input, { ...ports, admission: admissionFromEnv(process.env) }),
);
