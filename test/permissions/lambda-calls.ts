import { ADMISSION_ENV } from '../../handlers/aws/slot-table-schema';
import { recordFailure } from '../../handlers/core/record-failure';
import { startExecutionForObject } from '../../handlers/core/start-execution';
import { RECORDER_FUNCTION, STARTER_FUNCTION } from '../../infra/pipeline-functions';
import { resourceNames } from '../../infra/substitutions';
import { YOUTUBE_DATASETS } from '../../workflows/datasets';
import { REGION_MERGE_MATERIALIZATION } from '../../workflows/region-merge';
import { withDeployedSlotTable } from './admission-calls';
import { type AwsCall, stamp } from './calls';
import { withDeployedCatalog } from './catalog-calls';
import type { Deployed } from './deployed';
import type { ProofInput } from './principal';
import { NOOP_LOG, NOOP_METRICS, type PrincipalEntry } from './principal';
import type { Json } from './template';
/** What the Lambda service does with a function's role: its log group, and X-Ray with active tracing. */
export function lambdaRuntimeCalls(d: Deployed, functionName: string): AwsCall[] {
  const props = d.resource(d.functionId(functionName));
  const group = props.LoggingConfig
    ? d.resolver.string((props.LoggingConfig as { LogGroup: Json }).LogGroup)
    : `/aws/lambda/${functionName}`;
  const stream = d.arn('logs', `log-group:${group}:log-stream:2026/12/01/[$LATEST]0123456789abcdef`);
  const calls: AwsCall[] = [
    { action: 'logs:CreateLogStream', resource: stream, because: 'Lambda opens a log stream per instance' },
    { action: 'logs:PutLogEvents', resource: stream, because: 'Lambda writes the function log' },
  ];
  // An asynchronous invocation that still fails goes to the on-failure destination, sent with the role.
  for (const [, r] of Object.entries(d.template.Resources)) {
    if (
      r.Type !== 'AWS::Lambda::EventInvokeConfig' ||
      d.resolver.string(r.Properties?.FunctionName as Json) !== functionName
    )
      continue;
    const target = (r.Properties?.DestinationConfig as { OnFailure?: { Destination: Json } })?.OnFailure
      ?.Destination;
    if (target)
      calls.push({
        action: 'sqs:SendMessage',
        resource: d.resolver.string(target),
        because: 'a failed asynchronous invocation goes to its on-failure queue',
      });
  }
  if ((props.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active')
    for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'])
      calls.push({ action, resource: '*', because: 'active tracing: the Lambda runtime sends segments' });
  return stamp(calls);
}

/** A call recorded on the local lake, its bucket (a stage directory) replaced by the stack's bucket. */
export function withDeployedBucket(d: Deployed, c: AwsCall): AwsCall {
  const m = /^arn:aws:s3:::([^/]+)(.*)$/.exec(c.resource);
  return m ? { ...c, resource: `arn:aws:s3:::${d.bucket(m[1] as string)}${m[2]}` } : c;
}

/** The deployed function name of a Lambda step, from the ASL substitution `${<id>FunctionArn}`. */
export function stepFunctionName(d: Deployed, functionId: string): string {
  const arn = d.substitutions[`${functionId}FunctionArn`];
  if (!arn) throw new Error(`no substitution for \${${functionId}FunctionArn}`);
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** A Lambda step's function: its core ran on the recording storage in every local execution. */
export function lambdaPrincipal(functionId: string): PrincipalEntry {
  return {
    name: `${functionId} Lambda`,
    identity: (d) => ({ role: d.roleIn(d.functionId(stepFunctionName(d, functionId)), 'Role') }),
    calls: ({ deployed, observed }) => [
      ...(observed.functionCalls.get(functionId) ?? []).flatMap((c) =>
        withDeployedCatalog(
          deployed,
          stepFunctionName(deployed, functionId),
          withDeployedBucket(deployed, c),
        ).flatMap((call) => withDeployedSlotTable(deployed, stepFunctionName(deployed, functionId), call)),
      ),
      ...lambdaRuntimeCalls(deployed, stepFunctionName(deployed, functionId)),
    ],
  };
}

export const starterName = (d: Deployed) =>
  resourceNames.function(d.stack.settings.namePrefix, STARTER_FUNCTION.id);
export const recorderName = (d: Deployed) =>
  resourceNames.function(d.stack.settings.namePrefix, RECORDER_FUNCTION.id);

/** The starter's core, driven by the Object Created event of every object the local runs landed (twice: a duplicate). */
export async function starterCalls({ deployed, observed }: ProofInput): Promise<AwsCall[]> {
  const env = deployed.environment(starterName(deployed));
  const calls: AwsCall[] = [];
  const starter = {
    async start(name: string) {
      calls.push(
        ...stamp([
          {
            action: 'states:StartExecution',
            resource: env.STATE_MACHINE_ARN ?? '',
            because: `StartExecution ${name}`,
          },
        ]),
      );
      return calls.length % 2
        ? ({ status: 'started', executionArn: `${env.STATE_MACHINE_ARN}:${name}` } as const)
        : ({ status: 'duplicate' } as const);
    },
  };
  for (const o of observed.landed) {
    const event = {
      source: 'aws.s3' as const,
      'detail-type': 'Object Created' as const,
      detail: {
        bucket: { name: deployed.bucket('landing') },
        object: { key: o.key, etag: o.md5, sequencer: o.sequencer },
      },
    };
    for (let i = 0; i < 2; i++)
      await startExecutionForObject(event, { starter, log: NOOP_LOG, metrics: NOOP_METRICS });
  }
  return [...calls, ...lambdaRuntimeCalls(deployed, starterName(deployed))];
}

/** The recorder's core, driven by the status-change event of every execution that ended unsuccessfully. */
export async function recorderCalls({ deployed, observed }: ProofInput): Promise<AwsCall[]> {
  const env = deployed.environment(recorderName(deployed));
  const calls: AwsCall[] = [];
  const record = (c: AwsCall[]) => calls.push(...stamp(c));
  const key = deployed.keyArn();
  const machine = deployed.stateMachineArn;
  const failed = observed.executions.filter(
    (e) => e.record.status !== 'SUCCEEDED' && e.record.status !== 'RUNNING',
  );
  for (const [i, { record: r, summary }] of failed.entries()) {
    const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${r.name}`;
    const failedState = summary.states.find((s) => s.status === 'FAILED')?.name;
    const history = {
      async *newestFirst(arn: string) {
        record([{ action: 'states:GetExecutionHistory', resource: arn, because: 'finds the failed state' }]);
        yield [
          {
            id: 2,
            previousEventId: 1,
            type: 'ExecutionFailed',
            error: r.error ?? undefined,
            cause: r.cause ?? undefined,
          },
          { id: 1, type: 'TaskStateEntered', stateName: failedState },
        ];
      },
      async input(arn: string) {
        record([
          {
            action: 'states:GetExecutionHistory',
            resource: arn,
            because: "reads the execution's input (event without it)",
          },
        ]);
        return JSON.stringify(r.input);
      },
    };
    await recordFailure(
      {
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        region: 'eu-west-1',
        detail: {
          executionArn,
          stateMachineArn: machine,
          name: r.name,
          status: r.status as 'FAILED',
          error: r.error,
          cause: r.cause,
          // Every other event arrives without its input (EventBridge drops inputs over its size limit).
          input: i % 2 ? JSON.stringify(r.input) : undefined,
        },
      },
      {
        history,
        store: {
          async put() {
            record([
              {
                action: 'dynamodb:PutItem',
                resource: deployed.arn('dynamodb', `table/${env.FAILURES_TABLE}`),
                because: 'PutItem keyed by execution ARN',
              },
            ]);
          },
        },
        alerts: {
          async publish(topicArn: string) {
            record([
              { action: 'sns:Publish', resource: topicArn, because: 'pages or notifies' },
              // A KMS-encrypted topic: the publisher's own permission on the key (SNS SSE docs).
              { action: 'kms:GenerateDataKey', resource: key, because: 'Publish to a KMS-encrypted topic' },
              { action: 'kms:Decrypt', resource: key, because: 'Publish to a KMS-encrypted topic' },
            ]);
          },
        },
        topics: { page: env.PAGE_TOPIC_ARN ?? '', notice: env.NOTICE_TOPIC_ARN ?? '' },
        // The stopped execution gives back the slot it may hold: one UpdateItem per gate.
        slots: {
          gates: Object.keys(JSON.parse(env[ADMISSION_ENV.maxSlots] ?? '{}')),
          table: {
            take: async () => ({ taken: false, item: { slots: 0, holders: {} } }),
            renew: async () => false,
            reap: async () => false,
            async release(gate: string, holder: string) {
              record([
                {
                  action: 'dynamodb:UpdateItem',
                  resource: deployed.arn('dynamodb', `table/${env[ADMISSION_ENV.table]}`),
                  because: `UpdateItem REMOVE ${holder} from ${gate} (a stopped execution's slot)`,
                },
              ]);
              return i % 2 === 0;
            },
          },
        },
        // And frees the region whose MERGE it may be running: one UpdateItem per materialization.
        regionMerges: {
          materializations: [REGION_MERGE_MATERIALIZATION],
          datasets: YOUTUBE_DATASETS,
          table: {
            ask: async () => 1,
            claim: async () => ({ claimed: false, item: { asked: 0, covered: 0, runner: null } }),
            finish: async () => false,
            async release(key: string, holder: string) {
              record([
                {
                  action: 'dynamodb:UpdateItem',
                  resource: deployed.arn('dynamodb', `table/${env[ADMISSION_ENV.table]}`),
                  because: `UpdateItem REMOVE runner ${holder} of ${key} (a stopped execution's MERGE)`,
                },
              ]);
              return i % 2 === 0;
            },
          },
        },
        log: NOOP_LOG,
        metrics: NOOP_METRICS,
        clock: { now: () => new Date() },
      },
    );
  }
  return [...calls, ...lambdaRuntimeCalls(deployed, recorderName(deployed))];
}
