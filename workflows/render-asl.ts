/**
 * Pure renderer: Workflow → Amazon States Language (JSONPath), with `${Placeholder}` for every
 * resource name. The same text is executed locally and deployed with definitionSubstitutions.
 */
import { mergeSqlOf } from './materialize-sql';
import type { CatchRule, Condition, Materialization, RetryPolicy, Step, TaskStep, Workflow } from './types';
import { isTask } from './types';

export type AslState = Record<string, unknown>;
export interface AslDefinition {
  Comment: string;
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<string, AslState>;
}

export const RESOURCES = {
  lambdaInvoke: 'arn:aws:states:::lambda:invoke',
  glueStartJobRunSync: 'arn:aws:states:::glue:startJobRun.sync',
  glueStartCrawler: 'arn:aws:states:::aws-sdk:glue:startCrawler',
  glueGetCrawler: 'arn:aws:states:::aws-sdk:glue:getCrawler',
  athenaStartQueryExecutionSync: 'arn:aws:states:::athena:startQueryExecution.sync',
} as const;

/** Placeholder names, derived from ids so that infra and the local runtime never retype them. */
export const placeholders = {
  lambda: (functionId: string) => `${functionId}FunctionArn`,
  glueJob: (jobId: string) => `${jobId}JobName`,
  crawler: (crawlerId: string) => `${crawlerId}CrawlerName`,
  athenaWorkGroup: 'AthenaWorkGroup',
  /** Database names inside SQL text. */
  cleansedDatabase: 'cleansed',
  analyticsDatabase: 'analytics',
} as const;

const ph = (name: string) => `\${${name}}`;

export function stateNameOf(workflow: Workflow, id: string): string {
  const step = workflow.steps.find((s) => s.id === id);
  if (!step) throw new Error(`workflow ${workflow.name}: no step with id '${id}'`);
  return step.stateName;
}

function renderRetry(policy: RetryPolicy): Record<string, unknown> {
  return {
    ErrorEquals: [...policy.errors],
    IntervalSeconds: policy.intervalSeconds,
    MaxAttempts: policy.maxAttempts,
    BackoffRate: policy.backoffRate,
    ...(policy.maxDelaySeconds !== undefined ? { MaxDelaySeconds: policy.maxDelaySeconds } : {}),
    ...(policy.jitter ? { JitterStrategy: policy.jitter } : {}),
  };
}

function renderCatch(workflow: Workflow, rule: CatchRule): Record<string, unknown> {
  return {
    ErrorEquals: [...rule.errors],
    Next: stateNameOf(workflow, rule.next),
    ResultPath: rule.resultPath,
  };
}

function renderCondition(c: Condition): Record<string, unknown> {
  if ('and' in c) return { And: c.and.map(renderCondition) };
  if ('stringEquals' in c) return { Variable: c.variable, StringEquals: c.stringEquals };
  if ('isPresent' in c) return { Variable: c.variable, IsPresent: c.isPresent };
  if ('numericLessThan' in c) return { Variable: c.variable, NumericLessThan: c.numericLessThan };
  return { Variable: c.variable, BooleanEquals: c.booleanEquals };
}

/**
 * A string literal for an intrinsic function: `'`, `{`, `}` and `\` are escaped with a backslash,
 * except inside `${Placeholder}` tokens, which definitionSubstitutions replace before anything parses.
 */
export function intrinsicString(text: string): string {
  const escaped = text
    .split(/(\$\{[A-Za-z][A-Za-z0-9]*\})/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\'{}]/g, (ch) => `\\${ch}`)))
    .join('');
  return `'${escaped}'`;
}

/**
 * A SQL text with `:region` in it as a States.Format call: on one line, escaped, each `:region` turned
 * into `{}` and filled with the region literal the ingest step validated (PARTITION_VALUE). (Athena takes no
 * execution parameters on MERGE, so the literal is formatted in.)
 */
export function regionFormatted(sql: string): string {
  const oneLine = sql.replace(/\s*\n\s*/g, ' ').trim();
  const parts = oneLine.split(':region');
  const template = parts.map((p) => intrinsicString(p).slice(1, -1)).join('{}');
  const args = Array.from({ length: parts.length - 1 }, () => '$.ingest.regionLiteral');
  return `States.Format('${template}', ${args.join(', ')})`;
}

/** The materialization's generated MERGE (workflows/materialize-sql.ts) as a States.Format call. */
export function materializationQuery(m: Materialization): string {
  return regionFormatted(mergeSqlOf(m));
}

/**
 * The Athena task's query parameter: formatted when the MERGE names the execution's partition value,
 * the plain text for a whole-table MERGE (States.Format needs at least one value).
 */
export function materializationQueryParameter(m: Materialization): Record<string, string> {
  const sql = mergeSqlOf(m);
  return sql.includes(':region')
    ? { 'QueryString.$': regionFormatted(sql) }
    : { QueryString: sql.replace(/\s*\n\s*/g, ' ').trim() };
}

function taskSpecific(workflow: Workflow, step: TaskStep): AslState {
  switch (step.kind) {
    case 'lambda':
      return {
        Resource: RESOURCES.lambdaInvoke,
        Parameters: { FunctionName: ph(placeholders.lambda(step.function.id)), Payload: step.payload },
        ResultSelector: Object.fromEntries(step.resultFields.map((f) => [`${f}.$`, `$.Payload.${f}`])),
      };
    case 'glueJob':
      return {
        Resource: RESOURCES.glueStartJobRunSync,
        Parameters: { JobName: ph(placeholders.glueJob(step.jobId)), Arguments: step.arguments },
        ResultSelector: step.resultSelector,
      };
    case 'crawlerStart':
    case 'crawlerStatus':
      return {
        Resource: step.kind === 'crawlerStart' ? RESOURCES.glueStartCrawler : RESOURCES.glueGetCrawler,
        Parameters: { Name: ph(placeholders.crawler(step.crawlerId)) },
        ...(step.resultSelector ? { ResultSelector: step.resultSelector } : {}),
      };
    case 'athenaQuery': {
      const m = workflow.materializations.find((x) => x.name === step.materialization);
      if (!m) throw new Error(`step ${step.id}: no materialization '${step.materialization}'`);
      return {
        Resource: RESOURCES.athenaStartQueryExecutionSync,
        Parameters: { ...materializationQueryParameter(m), WorkGroup: ph(placeholders.athenaWorkGroup) },
        ResultSelector: step.resultSelector,
      };
    }
  }
}

function renderStep(workflow: Workflow, step: Step): AslState {
  const comment = step.comment ? { Comment: step.comment } : {};
  if (isTask(step)) {
    const flow = step.end ? { End: true } : { Next: stateNameOf(workflow, requireNext(step)) };
    return {
      Type: 'Task',
      ...comment,
      ...taskSpecific(workflow, step),
      ResultPath: step.resultPath,
      TimeoutSeconds: step.timeoutSeconds,
      Retry: step.retry.map(renderRetry),
      ...(step.catch?.length ? { Catch: step.catch.map((c) => renderCatch(workflow, c)) } : {}),
      ...flow,
    };
  }
  switch (step.kind) {
    case 'choice':
      return {
        Type: 'Choice',
        ...comment,
        Choices: step.rules.map((r) => ({ ...renderCondition(r.when), Next: stateNameOf(workflow, r.next) })),
        ...(step.default ? { Default: stateNameOf(workflow, step.default) } : {}),
      };
    case 'wait':
      return {
        Type: 'Wait',
        ...comment,
        ...(typeof step.seconds === 'number'
          ? { Seconds: step.seconds }
          : { SecondsPath: step.seconds.path }),
        Next: stateNameOf(workflow, step.next),
      };
    case 'fail':
      return { Type: 'Fail', ...comment, Error: step.error, CausePath: step.causePath };
    case 'succeed':
      return { Type: 'Succeed', ...comment };
  }
}

function requireNext(step: TaskStep): string {
  if (!step.next) throw new Error(`step ${step.id} has neither next nor end`);
  return step.next;
}

export function renderAsl(workflow: Workflow): AslDefinition {
  const names = new Set<string>();
  for (const s of workflow.steps) {
    if (names.has(s.stateName))
      throw new Error(`workflow ${workflow.name}: duplicate state name '${s.stateName}'`);
    names.add(s.stateName);
  }
  return {
    Comment: workflow.comment,
    StartAt: stateNameOf(workflow, workflow.startAt),
    TimeoutSeconds: workflow.timeoutSeconds,
    States: Object.fromEntries(workflow.steps.map((s) => [s.stateName, renderStep(workflow, s)])),
  };
}

/** The committed file's text: stable key order, two-space indent, trailing newline. */
export function renderAslText(workflow: Workflow): string {
  return `${JSON.stringify(renderAsl(workflow), null, 2)}\n`;
}

export const aslFileName = (workflow: Workflow) => `${workflow.name}.asl.json`;

/** Every `${Name}` placeholder in a definition text. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z][A-Za-z0-9]*)\}/g)].map((m) => m[1] as string))].sort();
}
