/**
 * Deployed names and ARNs read off the synthesized template (never retyped): buckets per lake stage,
 * the ASL's substitutions, the roles behind functions, jobs, crawlers and the state machine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineStack } from '../../infra/pipeline-stack';
import { ASL_DIR, localSubstitutions } from '../../local/definition';
import { STAGES, type Stage } from '../../workflows/datasets';
import { ACCOUNT, type CfnTemplate, type Json, logicalIdOf, PARTITION, REGION, Resolver } from './template';

export class Deployed {
  readonly resolver: Resolver;
  /** Local bucket name (stage directory) → deployed bucket name. */
  private readonly buckets = new Map<string, string>();
  /** Local placeholder value → deployed value (function ARNs, job/crawler/workgroup/database names). */
  private readonly names = new Map<string, string>();
  readonly substitutions: Readonly<Record<string, string>>;
  readonly stateMachineId: string;

  constructor(
    readonly stack: PipelineStack,
    readonly template: CfnTemplate,
  ) {
    this.resolver = new Resolver(template);
    for (const stage of STAGES)
      this.buckets.set(stage, this.resolver.ref(logicalIdOf(stack, stack.buckets.byStage[stage])));
    this.buckets.set('athenaResults', this.resolver.ref(logicalIdOf(stack, stack.buckets.athenaResults)));
    this.stateMachineId = logicalIdOf(stack, stack.stateMachine.stateMachine);
    const machine = this.resource(this.stateMachineId);
    this.substitutions = this.resolver.value(machine.DefinitionSubstitutions as Json) as Record<
      string,
      string
    >;
    const local = localSubstitutions(readFileSync(join(ASL_DIR, 'youtube-trending.asl.json'), 'utf8'));
    for (const [placeholder, value] of Object.entries(local)) {
      const deployed = this.substitutions[placeholder];
      if (deployed === undefined) throw new Error(`the stack has no substitution for \${${placeholder}}`);
      this.names.set(value, deployed);
    }
  }

  resource(id: string): Record<string, Json> {
    const r = this.template.Resources[id];
    if (!r) throw new Error(`template has no resource ${id}`);
    return r.Properties ?? {};
  }

  bucket(local: Stage | 'athenaResults' | string): string {
    const b = this.buckets.get(local);
    if (!b) throw new Error(`no deployed bucket for local bucket ${local}`);
    return b;
  }

  /** The deployed value of a name the local runtime substituted (function ARN, job name, …). */
  name(local: string): string {
    const n = this.names.get(local);
    if (!n) throw new Error(`no deployed name for local name ${local}`);
    return n;
  }

  arn(service: string, resource: string): string {
    return `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${resource}`;
  }

  get stateMachineArn(): string {
    return this.resolver.ref(this.stateMachineId);
  }

  /** Logical ids of the template's resources of a type whose property `prop` resolves to `value`. */
  find(type: string, prop: string, value: string): string {
    const hits = Object.entries(this.template.Resources).filter(
      ([, r]) =>
        r.Type === type &&
        r.Properties?.[prop] !== undefined &&
        this.resolver.string(r.Properties[prop] as Json) === value,
    );
    if (hits.length !== 1)
      throw new Error(`expected one ${type} with ${prop} = ${value}, found ${hits.length}`);
    return (hits[0] as [string, unknown])[0];
  }

  /** The role logical id a resource's `prop` (a role ARN GetAtt) names. */
  roleIn(id: string, prop: string): string {
    const v = this.resource(id)[prop] as { 'Fn::GetAtt'?: string[] };
    const role = v?.['Fn::GetAtt']?.[0];
    if (!role) throw new Error(`${id}.${prop} names no role of this stack`);
    return role;
  }

  functionId(functionName: string): string {
    return this.find('AWS::Lambda::Function', 'FunctionName', functionName);
  }

  /** Resolved environment variables of a deployed function. */
  environment(functionName: string): Record<string, string> {
    const env = this.resource(this.functionId(functionName)).Environment as { Variables?: Json } | undefined;
    return (this.resolver.value(env?.Variables ?? {}) as Record<string, string>) ?? {};
  }

  /** The stack's own key (logs, bookmarks, alert topics); other keys belong to their constructs. */
  keyArn(): string {
    return this.resolver.getAtt(logicalIdOf(this.stack, this.stack.node.findChild('Key')), 'Arn');
  }

  /** The KMS key a Secrets Manager secret (by ARN) is encrypted with. */
  keyOf(secretArn: string): string {
    const [id] = Object.entries(this.template.Resources).find(
      ([sid, r]) => r.Type === 'AWS::SecretsManager::Secret' && this.resolver.ref(sid) === secretArn,
    ) ?? [''];
    const key = this.resource(id).KmsKeyId as Json;
    return key ? this.resolver.string(key) : '';
  }

  /** `s3://bucket/key` → the object's ARN. */
  s3UrlArn(url: string): string {
    const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
    if (!m) throw new Error(`not an s3:// URL: ${url}`);
    return `arn:${PARTITION}:s3:::${m[1]}/${m[2]}`;
  }
}
