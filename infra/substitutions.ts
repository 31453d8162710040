/**
 * Pure derivation of what the deployed ASL needs from the stack: a value for every `${Placeholder}`
 * and the IAM grants for every task, both read off the workflow's steps so that no name is retyped.
 * No aws-cdk-lib import: the stack passes `arnFor`, tests pass a plain function.
 */
import { CHECK_ANALYTICS_STEP_ID } from '../workflows/analytics-checks';
import { mergeSqlOf } from '../workflows/materialize-sql';
import { placeholders, placeholdersIn } from '../workflows/render-asl';
import type { TaskStep, Workflow } from '../workflows/types';
import { isTask } from '../workflows/types';

/** The ARN parts that differ per resource; the stack fills in partition, region and account. */
export interface ArnParts {
  readonly service: 'lambda' | 'glue' | 'athena';
  readonly resource: string;
  readonly resourceName: string;
  /** ':' for Lambda's `function:<name>`, '/' for Glue's `job/<name>` and Athena's `workgroup/<name>`. */
  readonly separator: ':' | '/';
}

export interface NamingOptions {
  /** Prefix of physical resource names, e.g. `lakestep-dev`. */
  readonly prefix: string;
  /** Prefix of Glue database names; underscores, because Athena SQL cannot use `-` unquoted. */
  readonly databasePrefix: string;
  readonly arnFor: (parts: ArnParts) => string;
}

/** One resource a task step calls, before its ARN is formatted. */
export interface TaskResource {
  readonly kind: TaskStep['kind'];
  readonly placeholder: string;
  readonly name: string;
  readonly arn: ArnParts;
  /** Lambda tasks take the function ARN; Glue and Athena tasks take the name. */
  readonly substituteArn: boolean;
}

export interface TaskGrant {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/**
 * IAM actions of each task integration (Step Functions service-integration docs). Keyed by the step
 * kind so that a new kind fails type-checking here until its grant is written down.
 */
export const TASK_ACTIONS: Readonly<Record<TaskStep['kind'], readonly string[]>> = {
  lambda: ['lambda:InvokeFunction'],
  // `.sync` polls the run and stops it when the execution is stopped.
  glueJob: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'],
  crawlerStart: ['glue:StartCrawler'],
  crawlerStatus: ['glue:GetCrawler'],
  athenaQuery: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
};

const SIDS: Readonly<Record<TaskStep['kind'], string>> = {
  lambda: 'InvokeTaskFunctions',
  glueJob: 'RunTaskGlueJobs',
  crawlerStart: 'StartTaskCrawlers',
  crawlerStatus: 'ReadTaskCrawlers',
  athenaQuery: 'RunTaskAthenaQueries',
};

/** PascalCase id → kebab-case name part (`TransformBatch` → `transform-batch`). */
export function kebab(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** Physical names of the resources behind the placeholders; the stack's constructs are named with these. */
export const resourceNames = {
  function: (prefix: string, functionId: string) => `${prefix}-${kebab(functionId)}`,
  glueJob: (prefix: string, jobId: string) => `${prefix}-${kebab(jobId)}`,
  crawler: (prefix: string, crawlerId: string) => `${prefix}-${kebab(crawlerId)}-crawler`,
  athenaWorkGroup: (prefix: string) => `${prefix}-workgroup`,
  database: (databasePrefix: string, placeholder: string) => `${databasePrefix}_${placeholder}`,
} as const;

function resourceOf(step: TaskStep, prefix: string): TaskResource {
  switch (step.kind) {
    case 'lambda': {
      const name = resourceNames.function(prefix, step.function.id);
      return {
        kind: step.kind,
        placeholder: placeholders.lambda(step.function.id),
        name,
        arn: { service: 'lambda', resource: 'function', resourceName: name, separator: ':' },
        substituteArn: true,
      };
    }
    case 'glueJob': {
      const name = resourceNames.glueJob(prefix, step.jobId);
      return {
        kind: step.kind,
        placeholder: placeholders.glueJob(step.jobId),
        name,
        arn: { service: 'glue', resource: 'job', resourceName: name, separator: '/' },
        substituteArn: false,
      };
    }
    case 'crawlerStart':
    case 'crawlerStatus': {
      const name = resourceNames.crawler(prefix, step.crawlerId);
      return {
        kind: step.kind,
        placeholder: placeholders.crawler(step.crawlerId),
        name,
        arn: { service: 'glue', resource: 'crawler', resourceName: name, separator: '/' },
        substituteArn: false,
      };
    }
    case 'athenaQuery': {
      const name = resourceNames.athenaWorkGroup(prefix);
      return {
        kind: step.kind,
        placeholder: placeholders.athenaWorkGroup,
        name,
        arn: { service: 'athena', resource: 'workgroup', resourceName: name, separator: '/' },
        substituteArn: false,
      };
    }
  }
}

/** One entry per task step, in step order. */
export function taskResourcesOf(workflow: Workflow, prefix: string): TaskResource[] {
  return workflow.steps.filter(isTask).map((step) => resourceOf(step, prefix));
}

const DATABASE_PLACEHOLDERS: readonly string[] = [
  placeholders.cleansedDatabase,
  placeholders.analyticsDatabase,
];

/** Database placeholders the SQL of the workflow's Athena steps uses. */
function databasePlaceholdersOf(workflow: Workflow): string[] {
  const used = new Set<string>();
  for (const step of workflow.steps) {
    if (step.kind !== 'athenaQuery') continue;
    const m = workflow.materializations.find((x) => x.name === step.materialization);
    if (!m) throw new Error(`step ${step.id}: no materialization '${step.materialization}'`);
    const sql = mergeSqlOf(m);
    // Anything else in the SQL is left unsubstituted, so checkSubstitutions names it.
    for (const p of placeholdersIn(sql)) if (DATABASE_PLACEHOLDERS.includes(p)) used.add(p);
  }
  // The "Check analytics" payload carries its checks' SQL, with the same placeholders.
  for (const step of workflow.steps)
    if (step.kind === 'lambda' && step.id === CHECK_ANALYTICS_STEP_ID)
      for (const p of placeholdersIn(JSON.stringify(step.payload)))
        if (DATABASE_PLACEHOLDERS.includes(p)) used.add(p);
  return [...used].sort();
}

/** definitionSubstitutions for the workflow's ASL: one entry per placeholder its steps render. */
export function substitutionsFor(workflow: Workflow, naming: NamingOptions): Record<string, string> {
  const result: Record<string, string> = {};
  for (const r of taskResourcesOf(workflow, naming.prefix)) {
    // One arnFor call per placeholder: in the stack each call mints a new token.
    if (Object.hasOwn(result, r.placeholder)) continue;
    result[r.placeholder] = r.substituteArn ? naming.arnFor(r.arn) : r.name;
  }
  for (const p of databasePlaceholdersOf(workflow)) {
    result[p] = resourceNames.database(naming.databasePrefix, p);
  }
  return result;
}

/**
 * Throws, naming each one, when a placeholder of the definition has no substitution or a substitution
 * matches no placeholder: either would deploy a definition that differs from what runs locally.
 */
export function checkSubstitutions(
  definitionText: string,
  substitutions: Readonly<Record<string, string>>,
  source: string,
): void {
  const inDefinition = placeholdersIn(definitionText);
  const missing = inDefinition.filter((p) => !Object.hasOwn(substitutions, p));
  const unused = Object.keys(substitutions)
    .filter((k) => !inDefinition.includes(k))
    .sort();
  if (missing.length === 0 && unused.length === 0) return;
  const problems = [
    ...(missing.length
      ? [`placeholders without a substitution: ${missing.map((p) => `\${${p}}`).join(', ')}`]
      : []),
    ...(unused.length ? [`substitutions no placeholder uses: ${unused.join(', ')}`] : []),
  ];
  throw new Error(`${source}: ${problems.join('; ')} (is the committed ASL stale? run \`npm run asl\`)`);
}

/**
 * One statement per task kind with exactly the actions that integration calls, on the resources the
 * workflow's steps of that kind name.
 */
export function taskGrantsFor(workflow: Workflow, naming: NamingOptions): TaskGrant[] {
  const byKind = new Map<TaskStep['kind'], Map<string, ArnParts>>();
  for (const r of taskResourcesOf(workflow, naming.prefix)) {
    const resources = byKind.get(r.kind) ?? new Map<string, ArnParts>();
    resources.set(r.name, r.arn);
    byKind.set(r.kind, resources);
  }
  return [...byKind].map(([kind, resources]) => ({
    sid: SIDS[kind],
    actions: TASK_ACTIONS[kind],
    resources: [...resources.values()].map((parts) => naming.arnFor(parts)),
  }));
}

/** A table the workflow's SQL names, and whether its statements write it. */
export interface TableAccess {
  /** The database placeholder (`cleansed`, `analytics`); also the lake stage holding its data. */
  readonly database: string;
  readonly table: string;
  readonly write: boolean;
}

/**
 * Every `${database}.table` the SQL of the workflow's Athena steps names: the materialization's own table
 * is written (Iceberg commit), every other table is read. This is what the state machine's role needs in
 * the catalog and in S3 beyond the task calls themselves.
 */
export function tablesQueriedBy(workflow: Workflow): TableAccess[] {
  const found = new Map<string, TableAccess>();
  for (const step of workflow.steps) {
    if (step.kind !== 'athenaQuery') continue;
    const m = workflow.materializations.find((x) => x.name === step.materialization);
    if (!m) throw new Error(`step ${step.id}: no materialization '${step.materialization}'`);
    const sql = mergeSqlOf(m);
    for (const [, database, table] of sql.matchAll(
      /\$\{([A-Za-z][A-Za-z0-9]*)\}\.([A-Za-z_][A-Za-z0-9_]*)/g,
    )) {
      if (!database || !table || !DATABASE_PLACEHOLDERS.includes(database)) continue;
      const write = database === placeholders.analyticsDatabase && table === m.table;
      const key = `${database}.${table}`;
      const seen = found.get(key);
      found.set(key, { database, table, write: write || (seen?.write ?? false) });
    }
  }
  return [...found.values()].sort((a, b) =>
    `${a.database}.${a.table}`.localeCompare(`${b.database}.${b.table}`),
  );
}
