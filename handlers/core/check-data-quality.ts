/**
 * Check data quality: evaluates the batch DQ rules of workflows/ against the summary that the transform
 * (or the categories ingest) wrote beside the staged batch. Needs no query engine, so it runs in Lambda.
 */

import { dqRuleMetric, METRIC } from '../../workflows/alarms';
import { BATCH_DQ_RULES, type BatchDqRule } from '../../workflows/datasets';
import type { Batch, BatchSummary, QualityResult } from './contracts';
import { STAGED } from './contracts';
import { datasetOf } from './dataset-of';
import { ContractError } from './errors';
import { addDatasetDimensions } from './metrics';
import type { CorePorts } from './ports';
import { readBatchSummary } from './staged-batch';

export interface RuleOutcome {
  readonly rule: BatchDqRule['name'];
  readonly severity: BatchDqRule['severity'];
  readonly passed: boolean;
  readonly detail: string;
}

export function evaluateRules(
  summary: BatchSummary,
  rules: readonly BatchDqRule[] = BATCH_DQ_RULES,
): RuleOutcome[] {
  return rules.map((rule): RuleOutcome => {
    switch (rule.name) {
      case 'zero_rows':
        return {
          rule: rule.name,
          severity: rule.severity,
          passed: summary.cleansed > 0,
          detail: `${summary.cleansed} of ${summary.read} rows survive the row rules`,
        };
      case 'quarantined_share': {
        const limit = rule.threshold ?? 0;
        const share = summary.read === 0 ? 0 : summary.quarantined / summary.read;
        return {
          rule: rule.name,
          severity: rule.severity,
          passed: summary.quarantined <= limit * summary.read,
          detail: `${summary.quarantined} of ${summary.read} rows (${(share * 100).toFixed(1)}%) quarantined, ${(limit * 100).toFixed(0)}% allowed`,
        };
      }
      default:
        throw new Error(`Unknown batch DQ rule ${(rule as BatchDqRule).name}: add its evaluation here`);
    }
  });
}

export async function checkDataQuality(
  input: { batch: Batch; objectKey: string },
  ports: CorePorts,
): Promise<QualityResult> {
  const { batch } = input;
  const summary = await readBatchSummary(batch, input.objectKey, ports);
  if (summary.read !== summary.cleansed + summary.quarantined + summary.duplicates)
    throw new ContractError(
      `The batch summary of ${input.objectKey} does not reconcile: read ${summary.read} ≠ cleansed ${summary.cleansed} + quarantined ${summary.quarantined} + duplicates ${summary.duplicates}`,
    );

  const dataset = datasetOf(ports.datasets, batch.dataset, input.objectKey);
  const outcomes = evaluateRules(summary, dataset.batchRules ?? BATCH_DQ_RULES);
  const failed = outcomes.filter((o) => !o.passed && o.severity === 'error');
  const rows = {
    read: summary.read,
    cleansed: summary.cleansed,
    quarantined: summary.quarantined,
    duplicates: summary.duplicates,
  };
  const ruleCounts = Object.entries(summary.rules)
    .map(([rule, n]) => `${rule} ${n}`)
    .join(', ');
  const first = failed[0];
  const result: QualityResult = {
    passed: failed.length === 0,
    reason: first ? first.rule : null,
    cause: first
      ? `Batch of object ${input.objectKey} failed data quality (${first.rule}): ${first.detail}${ruleCounts ? `; quarantined by rule: ${ruleCounts}` : ''}. Fix the data or the rules, then rerun the object.`
      : null,
    failedRules: failed.map((o) => o.rule),
    rows,
  };
  await ports.storage.write(
    { bucket: batch.staging.bucket, key: `${batch.staging.prefix}${STAGED.dqReport}` },
    `${JSON.stringify({ batch: batch.id, object: input.objectKey, passed: result.passed, rows, rules: summary.rules, outcomes }, null, 2)}\n`,
    'application/json',
  );
  const { metrics } = ports;
  // Every batch that reaches data quality counts here, passed or not: the data row of the dashboard and
  // the quarantined-row share alarm see the failed batches too.
  addDatasetDimensions(metrics, batch.dataset, batch.region);
  for (const o of outcomes) metrics.addMetric(dqRuleMetric(o.rule, o.passed), 'Count', 1);
  metrics.addMetric(result.passed ? METRIC.batchesPassed : METRIC.batchesFailedDq, 'Count', 1);
  metrics.addMetric(METRIC.rowsRead, 'Count', rows.read);
  metrics.addMetric(METRIC.rowsCleansed, 'Count', rows.cleansed);
  metrics.addMetric(METRIC.rowsQuarantined, 'Count', rows.quarantined);
  metrics.addMetric(METRIC.rowsDuplicate, 'Count', rows.duplicates);
  metrics.addMetric(
    METRIC.quarantinedShare,
    'Percent',
    rows.read === 0 ? 0 : (100 * rows.quarantined) / rows.read,
  );
  ports.log.info('data quality evaluated', {
    batch: batch.id,
    passed: result.passed,
    rows,
    failed: result.failedRules,
  });
  return result;
}
