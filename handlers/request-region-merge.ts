/** Lambda: Request region merge / Ask again for the region merge (the admission table from ADMISSION_TABLE). */
import { regionMergesFromEnv } from './aws/region-merge-env';
import { requestMergeInputSchema, requestRegionMerge } from './core/request-region-merge';
import { lambdaHandler } from './lambda-runtime';

export const handler = lambdaHandler(requestMergeInputSchema, (input, ports) =>
  requestRegionMerge(input, { ...ports, regionMerges: regionMergesFromEnv(process.env) }),
);
