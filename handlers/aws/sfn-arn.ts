/**
 * Step Functions ARNs: read an execution or state machine ARN into its parts, and build one from the
 * other (the state machine of an execution; the execution ARN a given name will have).
 */

export interface StateMachineRef {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

export interface ExecutionRef extends StateMachineRef {
  /** Express executions have ARNs of their own kind (…:express:SM:name:id) and cannot be redriven. */
  readonly kind: 'execution' | 'express';
  readonly executionName: string;
}

const PREFIX = String.raw`^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):`;
const EXECUTION = new RegExp(`${PREFIX}(execution|express):([^:]+):([^:]+)(?::[^:]+)?$`);
// A state machine ARN, possibly qualified by a version number or an alias name.
const STATE_MACHINE = new RegExp(`${PREFIX}stateMachine:([^:]+)(?::[^:]+)?$`);

export function parseExecutionArn(arn: string): ExecutionRef | null {
  const m = EXECUTION.exec(arn);
  if (!m) return null;
  const [, partition, region, account, kind, machine, executionName] = m as unknown as string[];
  // Child executions of a Distributed Map carry "<state machine>/<map run label>".
  const name = (machine ?? '').split('/')[0] ?? '';
  return {
    partition: partition ?? '',
    region: region ?? '',
    account: account ?? '',
    name,
    kind: kind as ExecutionRef['kind'],
    executionName: executionName ?? '',
  };
}

export function parseStateMachineArn(arn: string): StateMachineRef | null {
  const m = STATE_MACHINE.exec(arn);
  if (!m) return null;
  const [, partition, region, account, name] = m as unknown as string[];
  return { partition: partition ?? '', region: region ?? '', account: account ?? '', name: name ?? '' };
}

export const stateMachineArnOf = (r: StateMachineRef) =>
  `arn:${r.partition}:states:${r.region}:${r.account}:stateMachine:${r.name}`;

export const executionArnOf = (r: StateMachineRef, executionName: string) =>
  `arn:${r.partition}:states:${r.region}:${r.account}:execution:${r.name}:${executionName}`;
