import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTasks } from '../local/bindings';
import { localSubstitutions, substitute } from '../local/definition';
import {
  assertMaterializations,
  materializationProblems,
  sqlFunctionCalls,
} from '../workflows/check-materializations';
import { CATEGORIES, STATISTICS } from '../workflows/datasets';
import { WORKFLOWS } from '../workflows/project';
import { aslFileName, placeholdersIn, renderAsl, renderAslText } from '../workflows/render-asl';
import { CATEGORY_DAILY, YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

// asl-validator ships no types.
const validator: (
  definition: unknown,
  opts?: unknown,
) => { isValid: boolean; errors: unknown[] } = require('asl-validator');

const committed = (name: string) => readFileSync(join(__dirname, '..', 'asl', name), 'utf8');
type State = Record<string, unknown>;
const states = (): Record<string, State> => JSON.parse(committed(aslFileName(YOUTUBE_TRENDING))).States;

describe('committed ASL', () => {
  it.each(WORKFLOWS.map((w) => [w.name, w] as const))(
    '%s is up to date with workflows/ (else run `npm run asl`)',
    (_n, w) => {
      expect(committed(aslFileName(w))).toBe(renderAslText(w));
    },
  );

  it('passes asl-validator, as committed and with local substitutions', () => {
    const text = committed(aslFileName(YOUTUBE_TRENDING));
    for (const def of [JSON.parse(text), JSON.parse(substitute(text, localSubstitutions(text)))]) {
      const { isValid, errors } = validator(def);
      expect(errors).toEqual([]);
      expect(isValid).toBe(true);
    }
  });

  it('uses JSONPath only, and nothing the local engine lacks', () => {
    const text = committed(aslFileName(YOUTUBE_TRENDING));
    expect(text).not.toMatch(/QueryLanguage|JSONata|"Assign"|ItemReader|waitForTaskToken|\$\$\.State/);
  });

  it('has a placeholder for every resource name and no literal ARNs of deployed resources', () => {
    const text = committed(aslFileName(YOUTUBE_TRENDING));
    expect(placeholdersIn(text)).toEqual(
      [
        'AcquireTransformSlotFunctionArn',
        'AthenaWorkGroup',
        'CheckCrawlFunctionArn',
        'CheckDataQualityFunctionArn',
        'CleansedCrawlerName',
        'FinishRegionMergeFunctionArn',
        'IngestObjectFunctionArn',
        'PromoteBatchFunctionArn',
        'PublishRunSummaryFunctionArn',
        'QuarantineBatchFunctionArn',
        'RegisterPartitionFunctionArn',
        'ReleaseTransformSlotFunctionArn',
        'RequestRegionMergeFunctionArn',
        'TransformBatchJobName',
        'TransformSmallBatchFunctionArn',
        'analytics',
        'cleansed',
      ].sort(),
    );
    expect(text).not.toMatch(/arn:aws:(lambda|glue|athena):/);
  });

  it('gives every Task a Retry policy and a timeout, and no catch-all Catch', () => {
    const tasks = Object.entries(states()).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBe(findTasks({ States: states() }).length);
    for (const [name, s] of tasks) {
      const retry = s.Retry as { ErrorEquals: string[]; MaxAttempts: number }[];
      expect([name, retry.length > 0]).toEqual([name, true]);
      expect([name, typeof s.TimeoutSeconds]).toEqual([name, 'number']);
      for (const r of retry) expect(r.ErrorEquals).not.toContain('States.ALL');
      for (const c of (s.Catch as { ErrorEquals: string[] }[] | undefined) ?? []) {
        expect(c.ErrorEquals).not.toContain('States.ALL');
        expect(c.ErrorEquals).not.toContain('States.TaskFailed');
      }
    }
  });

  it('retries Glue concurrent-run limits and Athena throttling with backoff', () => {
    const s = states();
    const errorsOf = (name: string) =>
      ((s[name]?.Retry ?? []) as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
    expect(errorsOf('Transform batch')).toContain('Glue.ConcurrentRunsExceededException');
    expect(errorsOf('Materialize category_daily')).toContain('Athena.TooManyRequestsException');
    expect(errorsOf('Ingest object')).toContain('Lambda.TooManyRequestsException');
  });

  it('ends rejected objects and DQ failures in their named Fail states', () => {
    const s = states();
    expect(s['Object rejected']).toMatchObject({
      Type: 'Fail',
      Error: 'ObjectRejected',
      CausePath: '$.ingest.cause',
    });
    expect(s['Data quality failed']).toMatchObject({ Type: 'Fail', Error: 'DataQualityFailed' });
    expect(s['Quarantine batch']?.Next).toBe('Data quality failed');
    const fails = Object.values(s).filter((x) => x.Type === 'Fail');
    expect(fails).toHaveLength(2);
  });

  it('reads as sentences in the console', () => {
    for (const name of Object.keys(states())) expect(name).toMatch(/^[A-Z][a-z]/);
  });

  it('renders deterministically and rejects duplicate state names', () => {
    expect(renderAsl(YOUTUBE_TRENDING)).toEqual(renderAsl(YOUTUBE_TRENDING));
    const dup = {
      ...YOUTUBE_TRENDING,
      steps: [...YOUTUBE_TRENDING.steps, { id: 'x', kind: 'succeed' as const, stateName: 'Done' }],
    };
    expect(() => renderAsl(dup)).toThrow(/duplicate state name 'Done'/);
  });
});

describe('materialization SQL', () => {
  it('calls only functions both DuckDB and Athena document, divides nowhere, and reads only its tables', () => {
    expect(materializationProblems(YOUTUBE_TRENDING, [STATISTICS.name, CATEGORIES.name])).toEqual([]);
    expect(sqlFunctionCalls(CATEGORY_DAILY.select)).toEqual(
      expect.arrayContaining(['row_number', 'sum', 'coalesce']),
    );
  });

  it('is refused at definition time when it would not run alike on both engines, with the fix', () => {
    const bad = {
      ...CATEGORY_DAILY,
      select: CATEGORY_DAILY.select
        .replace(
          "coalesce(t.category_title, 'Unknown') AS category_title",
          "nvl(t.category_title, 'Unknown / none') AS category_title",
        )
        .replace('count(DISTINCT k.video_id) AS videos', 'count(DISTINCT k.video_id) / 2 AS videos')
        .replace('FROM ${cleansed}.categories', 'FROM ${cleansed}.category'),
      key: [...CATEGORY_DAILY.key, 'day'],
    };
    const problems = materializationProblems({ ...YOUTUBE_TRENDING, materializations: [bad] }, [
      STATISTICS.name,
      CATEGORIES.name,
    ]);
    expect(problems).toEqual([
      expect.stringMatching(
        /^workflow youtube-trending, materialization category_daily: select calls nvl\(\), which is not in the list both DuckDB and Athena document/,
      ),
      expect.stringContaining('select divides with "/"'),
      'workflow youtube-trending, materialization category_daily: select reads ${cleansed}.category, which is not a table of the workflow: use one of ${cleansed}.statistics, ${cleansed}.categories',
      'workflow youtube-trending, materialization category_daily: key names "day", which is not one of its columns: add the column or fix the key',
    ]);
    expect(() =>
      assertMaterializations(
        { ...YOUTUBE_TRENDING, materializations: [{ ...CATEGORY_DAILY, select: 'DELETE FROM x' }] },
        [],
      ),
    ).toThrow('select must be a query (start with SELECT or WITH)');
  });

  it('is sent as one States.Format call whose text is the generated MERGE with the region filled in', () => {
    const task = states()['Materialize category_daily'] as { Parameters: Record<string, string> };
    const call = task.Parameters['QueryString.$'] as string;
    expect(call).toMatch(/^States\.Format\('MERGE INTO \$\{analytics\}\.category_daily AS t /);
    // The SELECT's own filter, the upserts' scope and the deletes' scope.
    expect(call.match(/\$\.ingest\.regionLiteral/g)).toHaveLength(3);
  });
});
