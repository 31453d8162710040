/** Lambda: Finish region merge (the admission table from ADMISSION_TABLE). */
import { regionMergesFromEnv } from './aws/region-merge-env';
import { finishMergeInputSchema, finishRegionMerge } from './core/finish-region-merge';
import { lambdaHandler } from './lambda-runtime';

export const handler = lambdaHandler(finishMergeInputSchema, (input, ports) =>
  finishRegionMerge(input, { ...ports, regionMerges: regionMergesFromEnv(process.env) }),
);
