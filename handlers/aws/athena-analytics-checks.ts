/**
 * The analytics checks' query port on AWS: each check is one Athena query in the stage's workgroup
 * (the count beside a sample, handlers/core/check-analytics-query.ts). Athena's queue limits and 5xx
 * answers become Analytics.Unavailable, which the step's Retry absorbs; a query Athena ends FAILED is
 * Analytics.QueryFailed with its reason (a system fault: fix the SQL or the grants, then replay).
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import { ANALYTICS_UNAVAILABLE } from '../../workflows/analytics-checks';
import { violationsOf, violationsQuery } from '../core/check-analytics-query';
import { describe, LakeError } from '../core/errors';
import type { AnalyticsCheckPort } from '../core/ports';
import { AthenaQueryFailed, runAthenaQuery, type Sleep } from './athena-query';

const TRANSIENT = new Set(['TooManyRequestsException', 'InternalServerException', 'ThrottlingException']);

function isTransient(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return TRANSIENT.has(err?.name ?? '') || (err?.$metadata?.httpStatusCode ?? 0) >= 500;
}

export class AthenaAnalyticsChecks implements AnalyticsCheckPort {
  constructor(
    private readonly athena: AthenaClient,
    private readonly workGroup: string,
    private readonly sleep?: Sleep,
  ) {}

  async violations(sql: string, sampleSize: number) {
    try {
      const rows = await runAthenaQuery(
        this.athena,
        { sql: violationsQuery(sql, sampleSize), workGroup: this.workGroup, maxRows: sampleSize },
        this.sleep,
      );
      return violationsOf(rows);
    } catch (e) {
      if (e instanceof AthenaQueryFailed)
        throw new LakeError(
          'Analytics.QueryFailed',
          `A check's query failed in workgroup ${this.workGroup}: ${e.message}. Fix the check's SQL (it runs as written on DuckDB: lakestep run) or the function's grants, then replay the execution.`,
          { cause: e },
        );
      if (isTransient(e))
        throw new LakeError(
          ANALYTICS_UNAVAILABLE,
          `Athena did not take a check's query in workgroup ${this.workGroup} (${describe(e)}); the step retries it.`,
          { cause: e },
        );
      throw e;
    }
  }
}
