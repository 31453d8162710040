/** Lambda: Acquire transform slot (slot table and slots from ADMISSION_TABLE / ADMISSION_MAX_SLOTS). */
import { admissionFromEnv } from './aws/admission-env';
import { acquireSlotInputSchema, acquireTransformSlot } from './core/acquire-transform-slot';
import { lambdaHandler } from './lambda-runtime';

export const handler = lambdaHandler(acquireSlotInputSchema, (input, ports) =>
  acquireTransformSlot(input, { ...ports, admission: admissionFromEnv(process.env) }),
);
