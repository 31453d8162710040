/**
 * Step Functions in moto for the tests: executions that really run (moto's ASL interpreter), and the
 * workarounds for moto's gaps, each named where it is used (docs/replay-aws.md lists them).
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { MOTO_ACCOUNT, type Moto } from './helpers/moto';

export const ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT}:role/lakestep-state-machine`;

/**
 * moto gap: GetExecutionHistory ignores reverseOrder (always oldest first). Step Functions honours it and
 * our reader asks for newest first, so this client middleware turns a page that came oldest first around.
 * (moto also ignores maxResults and nextToken: the whole history is one page; paging is covered by the
 * aws-sdk-client-mock tests in test/aws-logic.test.ts and test/replay-aws.test.ts.)
 */
export function withNewestFirstHistory(client: SFNClient): SFNClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as { reverseOrder?: boolean };
      const events = (result.output as { events?: { id?: number }[] } | undefined)?.events;
      if (
        context.commandName === 'GetExecutionHistoryCommand' &&
        input.reverseOrder &&
        events &&
        events.length > 1 &&
        (events[0]?.id ?? 0) < (events[events.length - 1]?.id ?? 0)
      )
        events.reverse();
      return result;
    },
    { step: 'initialize', name: 'motoNewestFirstHistory' },
  );
  return client;
}

export const sfnClient = (moto: Moto) => new SFNClient(moto.clientConfig);

/**
 * moto gap (execute_state_machine mode): StartExecution deep-copies the whole backend, and an execution's
 * worker threads cannot be copied, so a server runs ONE execution until it is reset
 * (POST /moto-api/reset, which also empties every other service). Tests of real runs reset first.
 */
export async function resetMoto(moto: Moto): Promise<void> {
  const res = await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
}

export async function createStateMachine(
  client: SFNClient,
  name: string,
  definition: unknown,
): Promise<string> {
  const out = await client.send(
    new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
  );
  if (!out.stateMachineArn) throw new Error('moto returned no state machine ARN');
  return out.stateMachineArn;
}

export async function startExecution(
  client: SFNClient,
  stateMachineArn: string,
  name: string,
  input: unknown,
): Promise<string> {
  const out = await client.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
  );
  if (!out.executionArn) throw new Error('moto returned no execution ARN');
  return out.executionArn;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls DescribeExecution until the execution is no longer RUNNING (moto runs it on a thread). */
export async function settled(
  client: SFNClient,
  executionArn: string,
  withinMs = 60_000,
): Promise<DescribeExecutionOutput> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after ${withinMs} ms`);
    await sleep(100);
  }
}

/** The EventBridge "Execution Status Change" event Step Functions sends when an execution stops. */
export function statusChangeEvent(d: DescribeExecutionOutput, options: { withInput: boolean }) {
  return {
    version: '0',
    id: `event-${d.name}`,
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    account: MOTO_ACCOUNT,
    time: (d.stopDate ?? new Date()).toISOString(),
    region: d.executionArn?.split(':')[3] ?? 'eu-west-1',
    resources: [d.executionArn],
    detail: {
      executionArn: d.executionArn,
      stateMachineArn: d.stateMachineArn,
      name: d.name,
      status: d.status,
      startDate: d.startDate?.getTime(),
      stopDate: d.stopDate?.getTime() ?? null,
      // Inputs over EventBridge's size limit arrive without it: the recorder reads it from the history.
      input: options.withInput ? d.input : null,
      error: d.error ?? null,
      cause: d.cause ?? null,
    },
  };
}
