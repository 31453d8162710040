/**
 * What every Lambda adapter shares: Powertools Logger and Metrics built once per container, the S3
 * ports, typed event parsing, and the error names Step Functions matches. The core does the work.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { STAGES, type Stage } from '../workflows/datasets';
import { S3Storage } from './aws/s3-storage';
import { ContractError } from './core/errors';
import type { CorePorts, LakeBuckets } from './core/ports';
import { log, logger, metrics, metricsSink } from './powertools';
import { workflowFromEnv } from './workflow-env';

let storage: S3Storage | undefined;

/** Bucket names come from LAKE_BUCKET_<STAGE> variables, set by the CDK stack. */
export function bucketsFromEnv(env: NodeJS.ProcessEnv): LakeBuckets {
  const entries = STAGES.map((stage: Stage) => {
    const name = env[`LAKE_BUCKET_${stage.toUpperCase()}`];
    if (!name)
      throw new ContractError(`LAKE_BUCKET_${stage.toUpperCase()} is not set: the function is misconfigured`);
    return [stage, name] as const;
  });
  return Object.fromEntries(entries) as LakeBuckets;
}

function ports(): CorePorts {
  storage ??= new S3Storage(new S3Client({}));
  return {
    storage,
    buckets: bucketsFromEnv(process.env),
    log,
    metrics: metricsSink,
    clock: { now: () => new Date() },
    datasets: workflowFromEnv().datasets,
  };
}

export function lambdaHandler<S extends z.ZodTypeAny, R>(
  schema: S,
  core: (input: z.infer<S>, ports: CorePorts) => Promise<R>,
): (event: unknown, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    const parsed = schema.safeParse(event);
    if (!parsed.success)
      throw new ContractError(`The task input is not what this step expects: ${parsed.error.message}`);
    try {
      return await core(parsed.data, ports());
    } catch (e) {
      logger.error('step failed', e as Error);
      throw e;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
