/** Retry policies per integration, each fitted to that service's transient failure modes. */
import type { RetryPolicy } from './types';

export const LAMBDA_SERVICE_RETRY: RetryPolicy = {
  errors: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
    'Lambda.ClientExecutionTimeoutException',
  ],
  intervalSeconds: 2,
  maxAttempts: 6,
  backoffRate: 2,
  maxDelaySeconds: 60,
  jitter: 'FULL',
  why: 'Lambda service errors and throttling (concurrency limits during bursts of uploads)',
};

/** Raised by the lake storage port for S3 5xx / SlowDown / network resets. */
export const LAKE_TRANSIENT_RETRY: RetryPolicy = {
  errors: ['Lake.Unavailable'],
  intervalSeconds: 1,
  maxAttempts: 5,
  backoffRate: 2,
  maxDelaySeconds: 30,
  jitter: 'FULL',
  why: 'S3 throttling (SlowDown) and 5xx answers surfaced by the storage port',
};

export const GLUE_CAPACITY_RETRY: RetryPolicy = {
  errors: [
    'Glue.ConcurrentRunsExceededException',
    'Glue.ThrottlingException',
    'Glue.ResourceNumberLimitExceededException',
  ],
  intervalSeconds: 30,
  maxAttempts: 10,
  backoffRate: 2,
  maxDelaySeconds: 600,
  jitter: 'FULL',
  why: 'Glue concurrent-run and account limits when many objects land at once: wait for capacity',
};

export const GLUE_SERVICE_RETRY: RetryPolicy = {
  errors: ['Glue.InternalServiceException', 'Glue.OperationTimeoutException', 'Glue.AWSGlueException'],
  intervalSeconds: 15,
  maxAttempts: 4,
  backoffRate: 2,
  maxDelaySeconds: 300,
  jitter: 'FULL',
  why: 'Glue service-side errors',
};

export const CRAWLER_API_RETRY: RetryPolicy = {
  errors: ['Glue.ThrottlingException', 'Glue.InternalServiceException', 'Glue.OperationTimeoutException'],
  intervalSeconds: 5,
  maxAttempts: 6,
  backoffRate: 2,
  maxDelaySeconds: 120,
  jitter: 'FULL',
  why: 'Glue API throttling while many executions poll the crawler',
};

/** Raised by the catalog port (handlers/aws/glue-catalog.ts) for Glue throttling and 5xx answers. */
export const CATALOG_API_RETRY: RetryPolicy = {
  errors: ['Catalog.Unavailable'],
  intervalSeconds: 2,
  maxAttempts: 6,
  backoffRate: 2,
  maxDelaySeconds: 60,
  jitter: 'FULL',
  why: 'Glue catalog API throttling (GetTable, BatchCreatePartition) while many objects register partitions at once',
};

export const ATHENA_API_RETRY: RetryPolicy = {
  errors: ['Athena.TooManyRequestsException', 'Athena.InternalServerException'],
  intervalSeconds: 5,
  maxAttempts: 8,
  backoffRate: 2,
  maxDelaySeconds: 120,
  jitter: 'FULL',
  why: 'Athena query-queue limits (TooManyRequests) and service errors',
};

/** A FAILED query (`States.TaskFailed`): most often an Iceberg commit conflict between regions. */
export const ATHENA_QUERY_FAILED_RETRY: RetryPolicy = {
  errors: ['States.TaskFailed'],
  intervalSeconds: 10,
  maxAttempts: 3,
  backoffRate: 2,
  maxDelaySeconds: 120,
  jitter: 'FULL',
  why: 'Iceberg commit conflicts when executions of several regions MERGE into the same table at once; the MERGE is atomic and recomputes the region, so a retry converges',
};

/** Raised by the slot table port (handlers/aws/dynamo-slot-table.ts) for DynamoDB throttling and 5xx answers. */
export const ADMISSION_TABLE_RETRY: RetryPolicy = {
  errors: ['Admission.Unavailable'],
  intervalSeconds: 1,
  maxAttempts: 6,
  backoffRate: 2,
  maxDelaySeconds: 30,
  jitter: 'FULL',
  why: 'DynamoDB throttling and 5xx answers on the slot table while a burst of executions asks for slots',
};
