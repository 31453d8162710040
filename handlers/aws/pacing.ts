/**
 * Pacing calls to an AWS API in bulk: retry throttled and transient failures with capped exponential
 * backoff and full jitter, and never have more than N calls in flight. Sleep and randomness are
 * injected so tests prove the backoff without waiting for it.
 */

export interface BackoffPolicy {
  /** Total attempts, the first included. */
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Step Functions' API quotas are token buckets that refill per second: a few seconds of backoff absorb a burst. */
export const DEFAULT_BACKOFF: BackoffPolicy = { attempts: 8, baseMs: 250, maxMs: 10_000 };

export interface PacingDeps {
  readonly sleep: (ms: number) => Promise<void>;
  /** In [0, 1). */
  readonly random: () => number;
  readonly backoff: BackoffPolicy;
  /** Told before each wait, e.g. to count throttles. */
  readonly onRetry?: (what: string, attempt: number, delayMs: number, error: unknown) => void;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KmsThrottlingException',
]);
const TRANSIENT = new Set([
  'ServiceUnavailable',
  'InternalServerError',
  'InternalFailure',
  'InternalError',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNREFUSED']);

interface AwsLikeError {
  name?: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

export function isThrottling(e: unknown): boolean {
  const err = e as AwsLikeError | undefined;
  return (
    THROTTLING.has(err?.name ?? '') ||
    err?.$metadata?.httpStatusCode === 429 ||
    err?.$retryable?.throttling === true
  );
}

/** Throttling, 5xx and network failures are worth another try; anything else is the answer. */
export function isRetryable(e: unknown): boolean {
  const err = e as AwsLikeError | undefined;
  if (isThrottling(e)) return true;
  if (TRANSIENT.has(err?.name ?? '') || NETWORK_CODES.has(err?.code ?? '')) return true;
  const status = err?.$metadata?.httpStatusCode;
  return err?.$fault === 'server' || (status !== undefined && status >= 500);
}

/** Full jitter: a random wait in [0, min(max, base·2^attempt)). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export async function withBackoff<T>(deps: PacingDeps, what: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!isRetryable(e) || attempt + 1 >= deps.backoff.attempts) throw e;
      const delay = backoffDelay(deps.backoff, attempt, deps.random);
      deps.onRetry?.(what, attempt + 1, delay, e);
      await deps.sleep(delay);
    }
  }
}

/**
 * Runs fn over items with at most `limit` calls in flight, results in the items' order. fn should not
 * throw (turn failures into results): a throw stops the other workers after their current item.
 */
export async function mapWithLimit<I, R>(
  items: readonly I[],
  limit: number,
  fn: (item: I, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as I, index);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
