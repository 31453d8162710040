/** Lambda: Promote batch. */
import { batchInputSchema } from './core/contracts';
import { promoteBatch } from './core/promote-batch';
import { lambdaHandler } from './lambda-runtime';

export const handler = lambdaHandler(batchInputSchema, promoteBatch);
