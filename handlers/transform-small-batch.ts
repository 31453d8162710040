/** Lambda: Transform small batch (a dataset's transform of an object below the size threshold). */
import { batchInputSchema } from './core/contracts';
import { transformSmallBatch } from './core/transform-small-batch';
import { lambdaHandler } from './lambda-runtime';

export const handler = lambdaHandler(batchInputSchema, transformSmallBatch);
