/**
 * The Check analytics core on a fake query port: warn violations are reported and the step succeeds;
 * a fail violation throws DataQualityFailed naming the materialization, the check, the count and the
 * sample keys; no violation passes; `:region` becomes the execution's value as a SQL literal. And the
 * step a workflow gets: none without checks.
 */
import {
  AnalyticsCheckFailed,
  type CheckAnalyticsInput,
  checkAnalytics,
} from '../handlers/core/check-analytics';
import { violationsOf, violationsQuery } from '../handlers/core/check-analytics-query';
import type { AnalyticsCheckPort, CorePorts } from '../handlers/core/ports';
import { ANALYTICS_CHECK_METRIC, analyticsCheckSteps, checksOf } from '../workflows/analytics-checks';
import { renderAsl } from '../workflows/render-asl';
import { CATEGORY_DAILY, YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { CHECKED_CATEGORY_DAILY, checkedWorkflow } from './helpers/checked-workflow';

type Answer = { count: number; sample: Record<string, unknown>[] };

/** A port that answers each query by the first pattern it matches, and records what it was asked. */
function fakeEngine(answers: [RegExp, Answer][]) {
  const asked: string[] = [];
  const engine: AnalyticsCheckPort = {
    async violations(sql) {
      asked.push(sql);
      return answers.find(([re]) => re.test(sql))?.[1] ?? { count: 0, sample: [] };
    },
  };
  return { engine, asked };
}

function ports(engine: AnalyticsCheckPort) {
  const metrics: { dims: Record<string, string>[]; values: [string, number][] }[] = [];
  let current = { dims: [] as Record<string, string>[], values: [] as [string, number][] };
  const logs: [string, string][] = [];
  const p = {
    analyticsChecks: engine,
    log: {
      info: (m: string) => logs.push(['info', m]),
      warn: (m: string) => logs.push(['warn', m]),
      error: (m: string) => logs.push(['error', m]),
    },
    metrics: {
      addDimensions: (d: Record<string, string>) => current.dims.push(d),
      addMetric: (name: string, _unit: string, value: number) => current.values.push([name, value]),
      publishStoredMetrics: () => {
        metrics.push(current);
        current = { dims: [], values: [] };
      },
    },
  } as unknown as CorePorts;
  return { ports: p, metrics, logs };
}

const input = (): CheckAnalyticsInput => ({
  objectKey: 'raw_statistics_reference_data/region=us/US_category_id.json',
  region: 'us',
  checks: checksOf([CHECKED_CATEGORY_DAILY]),
});

describe('Check analytics (core)', () => {
  it('passes with a report of zero violations when no check finds a row', async () => {
    const { engine, asked } = fakeEngine([]);
    const { ports: p, metrics } = ports(engine);
    const result = await checkAnalytics(input(), p);
    expect(result).toEqual({
      passed: true,
      warnings: 0,
      checks: [
        {
          materialization: 'category_daily',
          name: 'unknown_category',
          severity: 'warn',
          violations: 0,
          sample: [],
        },
        {
          materialization: 'category_daily',
          name: 'category_missing_from_reference',
          severity: 'fail',
          violations: 0,
          sample: [],
        },
      ],
    });
    // Each :region is the execution's value as a literal; every check is asked once.
    expect(asked).toHaveLength(2);
    for (const sql of asked) {
      expect(sql).toContain("region = 'us'");
      expect(sql).not.toContain(':region');
    }
    expect(metrics.map((m) => [m.dims, m.values])).toEqual([
      [
        [{ materialization: 'category_daily', check: 'unknown_category' }],
        [[ANALYTICS_CHECK_METRIC.warnings, 0]],
      ],
      [
        [{ materialization: 'category_daily', check: 'category_missing_from_reference' }],
        [[ANALYTICS_CHECK_METRIC.failures, 0]],
      ],
    ]);
  });

  it('reports warn violations with their sample keys, and succeeds', async () => {
    const row = { region: 'us', trending_date: '2017-11-14', category_id: '29' };
    const { engine } = fakeEngine([[/category_title = 'Unknown'$/, { count: 3, sample: [row] }]]);
    const { ports: p, metrics, logs } = ports(engine);
    const result = await checkAnalytics(input(), p);
    expect(result.passed).toBe(true);
    expect(result.warnings).toBe(1);
    expect(result.checks[0]).toEqual({
      materialization: 'category_daily',
      name: 'unknown_category',
      severity: 'warn',
      violations: 3,
      sample: [row],
    });
    expect(metrics[0]?.values).toEqual([[ANALYTICS_CHECK_METRIC.warnings, 3]]);
    expect(logs).toContainEqual(['warn', 'analytics check found violations (warn)']);
  });

  it('fails with DataQualityFailed naming the materialization, the check, the count and sample keys', async () => {
    const rows = [
      { region: 'us', trending_date: '2017-11-14', category_id: '29', extra: 'not a key' },
      { region: 'us', trending_date: '2017-11-15', category_id: '43', extra: 'x' },
    ];
    const { engine } = fakeEngine([[/EXISTS/, { count: 7, sample: rows }]]);
    const { ports: p, metrics } = ports(engine);
    const failure = checkAnalytics(input(), p);
    await expect(failure).rejects.toBeInstanceOf(AnalyticsCheckFailed);
    const error = (await failure.catch((e) => e)) as Error;
    expect(error.name).toBe('DataQualityFailed');
    expect(error.message).toContain(
      'analytics check category_daily.category_missing_from_reference (fail) found 7 violating rows, e.g. region=us trending_date=2017-11-14 category_id=29, region=us trending_date=2017-11-15 category_id=43',
    );
    expect(error.message).not.toContain('not a key');
    expect(error.message).toContain(input().objectKey);
    // Every check was evaluated and counted before the failure.
    expect(metrics.map((m) => m.values)).toEqual([
      [[ANALYTICS_CHECK_METRIC.warnings, 0]],
      [[ANALYTICS_CHECK_METRIC.failures, 7]],
    ]);
  });

  it('quotes the partition value, and refuses to run without its query engine', async () => {
    const { engine, asked } = fakeEngine([]);
    await checkAnalytics({ ...input(), region: "o'k" }, ports(engine).ports);
    expect(asked[0]).toContain("region = 'o''k'");
    await expect(
      checkAnalytics(input(), { ...ports(engine).ports, analyticsChecks: undefined }),
    ).rejects.toThrow(/needs the query engine: the function is misconfigured/);
  });
});

describe('the query a check costs', () => {
  it('counts beside a sample in one statement, and reads an empty answer as no violation', () => {
    expect(violationsQuery('SELECT 1 AS x', 5)).toBe(
      'SELECT *, count(*) OVER () AS lakestep_violations FROM (\nSELECT 1 AS x\n) AS violations LIMIT 5',
    );
    expect(violationsOf([])).toEqual({ count: 0, sample: [] });
    expect(violationsOf([{ x: '1', lakestep_violations: '12' }])).toEqual({
      count: 12,
      sample: [{ x: '1' }],
    });
  });
});

describe('the Check analytics step', () => {
  it('is not added for materializations without checks: the YouTube workflow keeps no such state', () => {
    expect(analyticsCheckSteps([CATEGORY_DAILY], 'publishRunSummary')).toEqual({
      steps: [],
      next: 'publishRunSummary',
    });
    expect(Object.keys(renderAsl(YOUTUBE_TRENDING).States)).not.toContain('Check analytics');
  });

  it('follows Finish region merge and leads to Publish run summary; covered executions skip it', () => {
    const states = renderAsl(checkedWorkflow()).States;
    expect(states['Finish region merge']?.Next).toBe('Check analytics');
    expect(states['Check analytics']).toMatchObject({
      Type: 'Task',
      Next: 'Publish run summary',
      ResultPath: '$.analyticsChecks',
      Parameters: { Payload: { 'region.$': '$.ingest.region', checks: checksOf([CHECKED_CATEGORY_DAILY]) } },
    });
    const turn = states['Region merge turn?'] as { Choices: { StringEquals: string; Next: string }[] };
    expect(turn.Choices.find((c) => c.StringEquals === 'covered')?.Next).toBe('Publish run summary');
    // No retry absorbs the data's own outcome.
    const retried = ((states['Check analytics']?.Retry ?? []) as { ErrorEquals: string[] }[]).flatMap(
      (r) => r.ErrorEquals,
    );
    expect(retried).not.toContain('DataQualityFailed');
    expect(retried).not.toContain('States.ALL');
  });
});
