/**
 * THE REGISTRY: every principal of the stack and the AWS calls it makes, one entry each. A role in the
 * template without an entry fails the proof. To add one (a fetch or API Lambda, a new job), append an
 * entry: `lambdaPrincipal(...)` for a function whose core runs on the recording ports, or
 * `{ name, identity, calls }` with calls derived from real local runs or a declared I/O.
 */
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';
import { checkAnalyticsCalls, checkAnalyticsRole } from './analytics-check-calls';
import { apiCalls, apiName } from './api-calls';
import { fetchCalls, fetchFunctionName, schedulerCalls, schedulerRole } from './fetch-calls';
import { crawlerCalls, glueJobCalls } from './glue-calls';
import { lambdaPrincipal, recorderCalls, recorderName, starterCalls, starterName } from './lambda-calls';
import type { PrincipalEntry } from './principal';
import {
  accessLogCalls,
  autoDeleteCalls,
  autoDeleteProvider,
  cloudWatchAlarmCalls,
  cloudWatchLogsCalls,
  eventBridgeCalls,
} from './service-calls';
import { stateMachineCalls } from './state-machine-calls';
import { REGION } from './template';

export type { Identity, PrincipalEntry, ProofInput } from './principal';

const LAMBDA_STEP_FUNCTIONS = [
  ...new Set(YOUTUBE_TRENDING.steps.flatMap((s) => (s.kind === 'lambda' ? [s.function.id] : []))),
];

export const PRINCIPALS: readonly PrincipalEntry[] = [
  ...LAMBDA_STEP_FUNCTIONS.map(lambdaPrincipal),
  {
    // Only a workflow with materialization checks deploys it (test/permissions-analytics-checks.test.ts).
    name: 'CheckAnalytics Lambda',
    identity: (d) => {
      const role = checkAnalyticsRole(d);
      return role ? { role } : null;
    },
    calls: checkAnalyticsCalls,
  },
  {
    name: 'state machine',
    identity: (d) => ({ role: d.roleIn(d.stateMachineId, 'RoleArn') }),
    calls: stateMachineCalls,
  },
  {
    name: 'TransformBatch Glue job',
    identity: (d) => ({
      role: d.roleIn(d.find('AWS::Glue::Job', 'Name', d.substitutions.TransformBatchJobName ?? ''), 'Role'),
    }),
    calls: glueJobCalls,
  },
  {
    name: 'Cleansed crawler',
    identity: (d) => ({
      role: d.roleIn(d.find('AWS::Glue::Crawler', 'Name', d.substitutions.CleansedCrawlerName ?? ''), 'Role'),
    }),
    calls: crawlerCalls,
  },
  {
    name: 'StartExecution Lambda',
    identity: (d) => ({ role: d.roleIn(d.functionId(starterName(d)), 'Role') }),
    calls: starterCalls,
  },
  {
    name: 'RecordFailure Lambda',
    identity: (d) => ({ role: d.roleIn(d.functionId(recorderName(d)), 'Role') }),
    calls: recorderCalls,
  },
  {
    name: 'fetch Lambda (youtube-trending)',
    identity: (d) => {
      const name = fetchFunctionName(d);
      return name ? { role: d.roleIn(d.functionId(name), 'Role') } : null;
    },
    calls: fetchCalls,
  },
  {
    name: 'EventBridge Scheduler (fetch schedules)',
    identity: (d) => {
      const role = schedulerRole(d);
      return role ? { role } : null;
    },
    calls: schedulerCalls,
  },
  {
    name: 'analytics API Lambda',
    identity: (d) => ({ role: d.roleIn(d.functionId(apiName(d)), 'Role') }),
    calls: apiCalls,
  },
  {
    name: 'CloudWatch alarms',
    identity: () => ({ service: 'cloudwatch.amazonaws.com' }),
    calls: cloudWatchAlarmCalls,
  },
  {
    name: 'CDK auto-delete-objects provider',
    identity: (d) => {
      const provider = autoDeleteProvider(d);
      return provider ? { role: d.roleIn(provider, 'Role') } : null;
    },
    calls: autoDeleteCalls,
  },
  {
    name: 'S3 server access logging',
    identity: () => ({ service: 'logging.s3.amazonaws.com' }),
    calls: accessLogCalls,
  },
  { name: 'EventBridge', identity: () => ({ service: 'events.amazonaws.com' }), calls: eventBridgeCalls },
  {
    name: 'CloudWatch Logs',
    identity: () => ({ service: `logs.${REGION}.amazonaws.com` }),
    calls: cloudWatchLogsCalls,
  },
];
