/**
 * A test workflow: YOUTUBE_TRENDING with one warn and one fail check on category_daily, its "Check
 * analytics" step inserted after "Finish region merge" by the function the coordinator's derivation
 * uses, and its ASL rendered to a file beside the test's lake.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyticsCheckSteps } from '../../workflows/analytics-checks';
import { renderAslText } from '../../workflows/render-asl';
import type { AnalyticsCheck, Materialization, Step, Workflow } from '../../workflows/types';
import { CATEGORY_DAILY, YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';

export const UNKNOWN_CATEGORY: AnalyticsCheck = {
  name: 'unknown_category',
  description: 'Rows whose category has no title in the region yet (its categories file may land later)',
  severity: 'warn',
  sql: "SELECT region, trending_date, category_id FROM ${analytics}.category_daily WHERE region = :region AND category_title = 'Unknown'",
};

export const CATEGORY_MISSING_FROM_REFERENCE: AnalyticsCheck = {
  name: 'category_missing_from_reference',
  description: "Rows whose category the region's categories lack, although the region has categories",
  severity: 'fail',
  sql: [
    'SELECT d.region, d.trending_date, d.category_id FROM ${analytics}.category_daily d',
    "WHERE d.region = :region AND d.category_title = 'Unknown'",
    '  AND EXISTS (SELECT 1 FROM ${cleansed}.categories c WHERE c.region = d.region)',
  ].join('\n'),
};

export const CHECKED_CATEGORY_DAILY: Materialization = {
  ...CATEGORY_DAILY,
  checks: [UNKNOWN_CATEGORY, CATEGORY_MISSING_FROM_REFERENCE],
};

export function checkedWorkflow(): Workflow {
  const checks = analyticsCheckSteps([CHECKED_CATEGORY_DAILY], 'publishRunSummary');
  const steps: Step[] = YOUTUBE_TRENDING.steps.flatMap((s) =>
    s.id === 'finishRegionMerge' ? [{ ...s, next: checks.next }, ...checks.steps] : [s],
  );
  return { ...YOUTUBE_TRENDING, materializations: [CHECKED_CATEGORY_DAILY], steps };
}

/** Writes the test workflow's ASL into `dir`; the runtime's `definitionFile`. */
export function writeCheckedAsl(dir: string): string {
  const file = join(dir, 'checked.asl.json');
  writeFileSync(file, renderAslText(checkedWorkflow()));
  return file;
}
