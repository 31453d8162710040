/** Lambda: Check data quality. */
import { checkDataQuality } from './core/check-data-quality';
import { batchInputSchema } from './core/contracts';
import { lambdaHandler } from './lambda-runtime';

export const handler = lambdaHandler(batchInputSchema, checkDataQuality);
