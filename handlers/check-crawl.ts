/** Lambda: Check crawl result. */
import { checkCrawl, checkCrawlInputSchema } from './core/check-crawl';
import { lambdaHandler } from './lambda-runtime';

export const handler = lambdaHandler(checkCrawlInputSchema, checkCrawl);
