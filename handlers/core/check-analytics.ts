/**
 * Check analytics: after the MERGE, every check of the workflow's materializations counts its violating
 * rows. `warn` violations are reported (the result, a metric and a log line per check) and the
 * execution goes on; any `fail` violation throws DataQualityFailed naming the materialization, the
 * check, the count and sample keys. The tables are left as the MERGE wrote them: the data says so.
 */
import { z } from 'zod';
import { ANALYTICS_CHECK_METRIC } from '../../workflows/analytics-checks';
import { ContractError, capText, LakeError } from './errors';
import type { CorePorts } from './ports';

const checkSchema = z.object({
  materialization: z.string().min(1),
  table: z.string().min(1),
  key: z.array(z.string().min(1)),
  name: z.string().min(1),
  description: z.string(),
  severity: z.enum(['fail', 'warn']),
  sql: z.string().min(1),
});

export const checkAnalyticsInputSchema = z.object({
  objectKey: z.string(),
  /** The execution's partition value: each `:region` of a check's SQL stands for it as a literal. */
  region: z.string().min(1),
  checks: z.array(checkSchema).min(1),
});
export type CheckAnalyticsInput = z.infer<typeof checkAnalyticsInputSchema>;

/** Violating rows a report (and a failure's cause) shows per check. */
export const SAMPLE_ROWS = 5;

export interface CheckReport {
  materialization: string;
  name: string;
  severity: 'fail' | 'warn';
  violations: number;
  /** The key columns of the first violating rows (the whole row when it lacks the key), as text. */
  sample: Record<string, string | null>[];
}

export interface CheckAnalyticsResult {
  /** No `fail` check found a violation (always true in a result: a failure throws). */
  passed: boolean;
  /** Checks of severity warn that found violations. */
  warnings: number;
  checks: CheckReport[];
}

/** The error Step Functions sees when a `fail` check finds violations (the workflow's data outcome). */
export class AnalyticsCheckFailed extends LakeError {
  constructor(objectKey: string, failed: readonly CheckReport[]) {
    super(
      'DataQualityFailed',
      `${objectKey}: ${failed.map(describeFailure).join('; ')}. The table holds what the data says; fix the source data (land a corrected file) and replay this execution, or change the check.`,
    );
  }
}

function describeFailure(r: CheckReport): string {
  const keys = r.sample.map((row) =>
    Object.entries(row)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' '),
  );
  return capText(
    `analytics check ${r.materialization}.${r.name} (fail) found ${r.violations} violating row${r.violations === 1 ? '' : 's'}${keys.length ? `, e.g. ${keys.join(', ')}` : ''}`,
    1000,
  );
}

const sqlLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * A row's key columns, when it has them all (otherwise the row as the check selected it), each value as
 * SQL text: DuckDB and Athena answer the same check with the same sample.
 */
function keyOf(row: Record<string, unknown>, key: readonly string[]): Record<string, string | null> {
  const columns = key.every((k) => k in row) ? key : Object.keys(row);
  return Object.fromEntries(
    columns.map((k) => [k, row[k] === null || row[k] === undefined ? null : String(row[k])]),
  );
}

export async function checkAnalytics(
  input: CheckAnalyticsInput,
  ports: CorePorts,
): Promise<CheckAnalyticsResult> {
  const engine = ports.analyticsChecks;
  if (!engine)
    throw new ContractError(
      `${input.objectKey}: checking analytics needs the query engine: the function is misconfigured`,
    );
  const reports: CheckReport[] = [];
  for (const check of input.checks) {
    const sql = check.sql.replaceAll(':region', sqlLiteral(input.region));
    const found = await engine.violations(sql, SAMPLE_ROWS);
    const report: CheckReport = {
      materialization: check.materialization,
      name: check.name,
      severity: check.severity,
      violations: found.count,
      sample: found.sample.map((row) => keyOf(row, check.key)),
    };
    reports.push(report);
    // One metric document per check: its dimensions are the check's own.
    ports.metrics.addDimensions({ materialization: check.materialization, check: check.name });
    ports.metrics.addMetric(
      check.severity === 'warn' ? ANALYTICS_CHECK_METRIC.warnings : ANALYTICS_CHECK_METRIC.failures,
      'Count',
      found.count,
    );
    ports.metrics.publishStoredMetrics();
    const fields = { object: input.objectKey, ...report, description: check.description };
    if (found.count === 0) ports.log.info('analytics check passed', fields);
    else if (check.severity === 'warn') ports.log.warn('analytics check found violations (warn)', fields);
    else ports.log.error('analytics check failed', fields);
  }
  const failed = reports.filter((r) => r.severity === 'fail' && r.violations > 0);
  if (failed.length) throw new AnalyticsCheckFailed(input.objectKey, failed);
  return {
    passed: true,
    warnings: reports.filter((r) => r.severity === 'warn' && r.violations > 0).length,
    checks: reports,
  };
}
