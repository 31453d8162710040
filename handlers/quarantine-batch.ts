/** Lambda: Quarantine batch. */
import { quarantineInputSchema } from './core/contracts';
import { quarantineBatch } from './core/quarantine-batch';
import { lambdaHandler } from './lambda-runtime';

export const handler = lambdaHandler(quarantineInputSchema, quarantineBatch);
