/**
 * The Lambda functions the local runtime can invoke: each function id of workflows/ mapped to the same
 * zod schema and core its Lambda adapter uses. A function in the ASL without an entry here is an error.
 */
import type { z } from 'zod';
import { acquireSlotInputSchema, acquireTransformSlot } from '../handlers/core/acquire-transform-slot';
import { checkAnalytics, checkAnalyticsInputSchema } from '../handlers/core/check-analytics';
import { checkCrawl, checkCrawlInputSchema } from '../handlers/core/check-crawl';
import { checkDataQuality } from '../handlers/core/check-data-quality';
import {
  batchInputSchema,
  ingestInputSchema,
  quarantineInputSchema,
  summaryInputSchema,
} from '../handlers/core/contracts';
import { finishMergeInputSchema, finishRegionMerge } from '../handlers/core/finish-region-merge';
import { ingestObject } from '../handlers/core/ingest-object';
import type { CorePorts } from '../handlers/core/ports';
import { promoteBatch } from '../handlers/core/promote-batch';
import { publishRunSummary } from '../handlers/core/publish-run-summary';
import { quarantineBatch } from '../handlers/core/quarantine-batch';
import { registerPartition, registerPartitionInputSchema } from '../handlers/core/register-partition';
import { releaseSlotInputSchema, releaseTransformSlot } from '../handlers/core/release-transform-slot';
import { requestMergeInputSchema, requestRegionMerge } from '../handlers/core/request-region-merge';
import { transformSmallBatch } from '../handlers/core/transform-small-batch';

export interface LocalFunction {
  readonly schema: z.ZodTypeAny;
  readonly core: (input: never, ports: CorePorts) => Promise<unknown>;
}

export const LOCAL_FUNCTIONS: Readonly<Record<string, LocalFunction>> = {
  IngestObject: { schema: ingestInputSchema, core: ingestObject },
  AcquireTransformSlot: { schema: acquireSlotInputSchema, core: acquireTransformSlot },
  ReleaseTransformSlot: { schema: releaseSlotInputSchema, core: releaseTransformSlot },
  TransformSmallBatch: { schema: batchInputSchema, core: transformSmallBatch },
  CheckDataQuality: { schema: batchInputSchema, core: checkDataQuality },
  PromoteBatch: { schema: batchInputSchema, core: promoteBatch },
  RegisterPartition: { schema: registerPartitionInputSchema, core: registerPartition },
  CheckCrawl: { schema: checkCrawlInputSchema, core: checkCrawl },
  RequestRegionMerge: { schema: requestMergeInputSchema, core: requestRegionMerge },
  FinishRegionMerge: { schema: finishMergeInputSchema, core: finishRegionMerge },
  CheckAnalytics: { schema: checkAnalyticsInputSchema, core: checkAnalytics },
  QuarantineBatch: { schema: quarantineInputSchema, core: quarantineBatch },
  PublishRunSummary: { schema: summaryInputSchema, core: publishRunSummary },
};
