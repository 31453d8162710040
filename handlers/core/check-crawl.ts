/**
 * Check crawl result: a crawl that ended READY is not a crawl that worked. The crawler's LastCrawl
 * says whether it SUCCEEDED; a FAILED or CANCELLED crawl fails the execution here (Catalog.CrawlFailed),
 * so it is replayable. A redrive that resumes here after such a failure answers `recrawl`: the
 * workflow starts the crawler again rather than failing on the old crawl's result once more.
 */
import { z } from 'zod';
import { LakeError } from './errors';
import type { CorePorts } from './ports';

export const checkCrawlInputSchema = z.object({
  /** The crawler as Glue GetCrawler answers it (`Crawler`). */
  crawler: z
    .object({
      Name: z.string(),
      State: z.string(),
      LastCrawl: z
        .object({ Status: z.string(), ErrorMessage: z.string().optional(), LogGroup: z.string().optional() })
        .passthrough()
        .optional(),
    })
    .passthrough(),
  /** The execution's attempt (its redrive count) in which the crawl was started. */
  crawlAttempt: z.number().int().nonnegative(),
  /** The execution's redrive count now. */
  redriveCount: z.number().int().nonnegative(),
});
export type CheckCrawlInput = z.infer<typeof checkCrawlInputSchema>;

export interface CheckCrawlResult {
  /** True when a redrive should crawl again: the crawl it finds failed in an earlier attempt. */
  recrawl: boolean;
  status: string;
}

/** Longest part of a crawler's error message that goes into a cause (a message can be long). */
const MESSAGE_LIMIT = 1000;

export async function checkCrawl(input: CheckCrawlInput, ports: CorePorts): Promise<CheckCrawlResult> {
  const { crawler } = input;
  const status = crawler.LastCrawl?.Status ?? 'NONE';
  if (status === 'SUCCEEDED') return { recrawl: false, status };
  if (input.crawlAttempt < input.redriveCount) {
    ports.log.warn('the crawl failed in an earlier attempt: crawling again', {
      crawler: crawler.Name,
      status,
    });
    return { recrawl: true, status };
  }
  const message = crawler.LastCrawl?.ErrorMessage ?? 'no error message';
  const shown =
    message.length > MESSAGE_LIMIT
      ? `${message.slice(0, MESSAGE_LIMIT)}… (${message.length} characters)`
      : message;
  throw new LakeError(
    'Catalog.CrawlFailed',
    `The crawl of crawler ${crawler.Name} ended ${status}: ${shown}. The batch's table is not (re)defined in the catalog. Fix the cause (runbook: cleansed crawler failed), then replay this execution: it crawls again.`,
  );
}
