/** Lambda: Publish run summary. */
import { summaryInputSchema } from './core/contracts';
import { publishRunSummary } from './core/publish-run-summary';
import { lambdaHandler } from './lambda-runtime';

export const handler = lambdaHandler(summaryInputSchema, publishRunSummary);
