/**
 * The analytics API's cost per request on AWS, from list prices: API Gateway (REST), the Lambda's
 * invocation and duration (it waits for Athena), and Athena's scan (at least 10 MB per query) unless
 * the identical query's result is reused, plus the S3 requests of the result file.
 */
import { type CostLine, LIST_PRICES, type Prices } from './cost-model';

/** API Gateway REST API, first 333 million requests a month. */
export const API_GATEWAY_PER_MILLION = 3.5;

export interface ApiRequestAssumptions {
  /** Bytes one query of the route scans (the Parquet files of the region's rows, at most the table). */
  readonly bytesScanned: number;
  /** Share of requests Athena answers from a reused result (no scan, no new result file). */
  readonly reusedShare: number;
  readonly lambdaMemoryMb: number;
  /** The Lambda's duration per request: mostly waiting for Athena (≈1–2 s for a small query). */
  readonly lambdaSeconds: number;
}

export function costPerApiRequest(a: ApiRequestAssumptions, prices: Prices = LIST_PRICES): CostLine[] {
  const fresh = 1 - a.reusedShare;
  const billedBytes = Math.max(a.bytesScanned, prices.athenaMinimumBytes);
  return [
    { item: 'API Gateway request', usage: '1 request', usd: API_GATEWAY_PER_MILLION / 1e6 },
    { item: 'Lambda request', usage: '1 invocation', usd: prices.lambdaPerRequest },
    {
      item: 'Lambda GB-seconds',
      usage: `${a.lambdaMemoryMb} MB × ${a.lambdaSeconds} s`,
      usd: (a.lambdaMemoryMb / 1024) * a.lambdaSeconds * prices.lambdaPerGbSecond,
    },
    {
      item: 'Athena bytes billed (10 MB minimum per query)',
      usage: `${(billedBytes / 2 ** 20).toFixed(1)} MB × ${fresh} of requests`,
      usd: (billedBytes * fresh * prices.athenaPerTb) / 1024 ** 4,
    },
    // A fresh query writes its result (PUT) and the API reads it back (GET, HEAD).
    { item: 'S3 result write', usage: `${fresh} PUT`, usd: (fresh * prices.s3Tier1Per1000) / 1000 },
    { item: 'S3 result reads', usage: `${2 * fresh} GET`, usd: (2 * fresh * prices.s3Tier2Per1000) / 1000 },
  ];
}
