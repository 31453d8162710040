/** Lambda: Ingest object. */
import { ingestInputSchema } from './core/contracts';
import { ingestObject } from './core/ingest-object';
import { lambdaHandler } from './lambda-runtime';

export const handler = lambdaHandler(ingestInputSchema, ingestObject);
