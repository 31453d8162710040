/**
 * The synthesized stack as the permission proof reads it: CloudFormation intrinsics resolved to the
 * concrete names and ARNs a deployment in one account and region would have, and every policy
 * (identity policies per role, bucket, key, topic and queue policies per resource) by logical id.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { stageOverridesFrom } from '../../infra/config';
import { PipelineStack } from '../../infra/pipeline-stack';
import { workflowStacks } from '../../infra/workflow-stacks';
import type { Workflow } from '../../workflows/types';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const PARTITION = 'aws';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Json;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const CDK_CONTEXT = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8'))
  .context as Record<string, unknown>;
/** The stages cdk.json deploys: every one is a stack template of the app. */
export const STAGE_NAMES: readonly string[] = Object.keys(CDK_CONTEXT['lakestep:stages'] as object);

/**
 * Synthesizes one stage's stack as infra/app.ts does (same id and settings from cdk.json), in process;
 * bundling is skipped: Lambda assets do not change templates beyond their hashes.
 */
export function synthPipeline(
  stage = 'dev',
  workflow: Workflow = YOUTUBE_TRENDING,
): {
  stack: PipelineStack;
  template: CfnTemplate;
  /** The stack's file assets by S3 object key: what a deployment uploads (the ASL among them). */
  fileAssets: ReadonlyMap<string, string>;
} {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const settings = stageOverridesFrom(CDK_CONTEXT['lakestep:stages'], stage);
  const ours = workflowStacks(stage, settings, CDK_CONTEXT['lakestep:pipelineStackWorkflow'] as string).find(
    (s) => s.workflow.name === workflow.name,
  );
  if (!ours) throw new Error(`workflow ${workflow.name} is not one of the project's`);
  const stack = new PipelineStack(app, ours.id, {
    stage,
    settings,
    workflow,
    ...(ours.namePrefix ? { namePrefix: ours.namePrefix } : {}),
  });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const manifest = JSON.parse(
    readFileSync(join(assembly.directory, `${artifact.id}.assets.json`), 'utf8'),
  ) as {
    files?: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
  };
  const fileAssets = new Map<string, string>();
  for (const f of Object.values(manifest.files ?? {}))
    for (const d of Object.values(f.destinations))
      fileAssets.set(d.objectKey, join(assembly.directory, f.source.path));
  return { stack, template: artifact.template as CfnTemplate, fileAssets };
}

/** The logical id of a construct's CloudFormation resource (its default child for an L2). */
export function logicalIdOf(stack: PipelineStack, construct: IConstruct): string {
  const cfn = (construct.node.defaultChild ?? construct) as IConstruct;
  return stack.resolve(
    (stack as unknown as { getLogicalId(c: IConstruct): string }).getLogicalId(cfn as never),
  );
}

/** Resolves Ref / GetAtt / Join / Sub / Select / Split to the strings a deployment would see. */
export class Resolver {
  constructor(private readonly template: CfnTemplate) {}

  private resource(id: string): CfnResource {
    const r = this.template.Resources[id];
    if (!r) throw new Error(`template has no resource ${id}`);
    return r;
  }

  private prop(id: string, name: string): string | undefined {
    const v = this.resource(id).Properties?.[name];
    return v === undefined ? undefined : this.string(v);
  }

  ref(id: string): string {
    switch (id) {
      case 'AWS::Partition':
        return PARTITION;
      case 'AWS::Region':
        return REGION;
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'lakestep-pipeline';
    }
    const r = this.resource(id);
    const named = (prop: string) => this.prop(id, prop) ?? id.toLowerCase();
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        return named('BucketName');
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${PARTITION}:states:${REGION}:${ACCOUNT}:stateMachine:${named('StateMachineName')}`;
      case 'AWS::SNS::Topic':
        return `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${named('TopicName')}`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${named('QueueName')}`;
      case 'AWS::KMS::Key':
        return `key-${id.toLowerCase()}`;
      case 'AWS::Lambda::Function':
        return named('FunctionName');
      case 'AWS::IAM::Role':
        return named('RoleName');
      case 'AWS::DynamoDB::Table':
        return named('TableName');
      case 'AWS::Logs::LogGroup':
        return named('LogGroupName');
      case 'AWS::Glue::Job':
      case 'AWS::Glue::Crawler':
      case 'AWS::Athena::WorkGroup':
      case 'AWS::Glue::SecurityConfiguration':
        return named('Name');
      case 'AWS::SecretsManager::Secret':
        return `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${named('Name')}-AbCdEf`;
      case 'AWS::Glue::Database':
        return this.string((r.Properties?.DatabaseInput as Record<string, Json>)?.Name ?? id);
      default:
        return id.toLowerCase();
    }
  }

  getAtt(id: string, attr: string): string {
    const r = this.resource(id);
    const name = this.ref(id);
    const arn = (service: string, resource: string) =>
      `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${resource}`;
    if (attr === 'Arn' || attr === 'TopicArn') {
      switch (r.Type) {
        case 'AWS::S3::Bucket':
          return `arn:${PARTITION}:s3:::${name}`;
        case 'AWS::IAM::Role':
          return `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`;
        case 'AWS::Lambda::Function':
          return arn('lambda', `function:${name}`);
        case 'AWS::Logs::LogGroup':
          return arn('logs', `log-group:${name}:*`);
        case 'AWS::DynamoDB::Table':
          return arn('dynamodb', `table/${name}`);
        case 'AWS::KMS::Key':
          return arn('kms', `key/${name}`);
        case 'AWS::SQS::Queue':
          return arn('sqs', this.prop(id, 'QueueName') ?? id.toLowerCase());
        case 'AWS::StepFunctions::StateMachine':
        case 'AWS::SNS::Topic':
          return name;
        case 'AWS::Events::Rule':
          return arn('events', `rule/${id.toLowerCase()}`);
        case 'AWS::CloudWatch::Alarm':
          return arn('cloudwatch', `alarm:${this.prop(id, 'AlarmName') ?? id}`);
      }
    }
    if (r.Type === 'AWS::S3::Bucket' && attr === 'DomainName') return `${name}.s3.amazonaws.com`;
    if (r.Type === 'AWS::SQS::Queue' && attr === 'QueueName')
      return this.prop(id, 'QueueName') ?? id.toLowerCase();
    if (r.Type === 'AWS::StepFunctions::StateMachine' && attr === 'Name')
      return this.prop(id, 'StateMachineName') ?? id;
    throw new Error(`GetAtt ${id}.${attr} (${r.Type}) is unknown to the proof's resolver`);
  }

  /** Any template value with its intrinsics replaced. */
  value(v: Json): Json {
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const k = keys[0] as string;
      const arg = v[k] as Json;
      if (k === 'Ref') return this.ref(arg as string);
      if (k === 'Fn::GetAtt') {
        const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
        return this.getAtt(id as string, attr as string);
      }
      if (k === 'Fn::Join') {
        const [sep, parts] = arg as [string, Json[]];
        return (this.value(parts) as Json[]).map((p) => this.string(p)).join(sep);
      }
      if (k === 'Fn::Select') {
        const [i, list] = arg as [number, Json];
        return (this.value(list) as Json[])[Number(i)] ?? null;
      }
      if (k === 'Fn::Split') {
        const [sep, s] = arg as [string, Json];
        return this.string(s).split(sep);
      }
      if (k === 'Fn::Sub') {
        const [text, vars] = Array.isArray(arg)
          ? (arg as [string, Record<string, Json>])
          : [arg as string, {}];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (vars[name] !== undefined) return this.string(vars[name] as Json);
          const [id, attr] = name.split('.');
          return attr ? this.getAtt(id as string, attr) : this.ref(id as string);
        });
      }
    }
    return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, this.value(x)]));
  }

  string(v: Json): string {
    const r = this.value(v);
    if (typeof r !== 'string') throw new Error(`expected a string, got ${JSON.stringify(r)}`);
    return r;
  }
}

/** AWS managed policies the stack attaches (CDK's own helpers only), as AWS publishes them. */
const AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
};

/** The policies of the synthesized template, resolved. */
export interface StackPolicies {
  /** Identity policy documents attached to each role, by the role's logical id. */
  readonly identity: ReadonlyMap<string, readonly { name: string; policy: PolicyDocument }[]>;
  /** Resource policies by the resource ARN (bucket, key, topic, queue) they govern. */
  readonly resource: ReadonlyMap<string, PolicyDocument>;
  /** Role logical id → role ARN. */
  readonly roleArns: ReadonlyMap<string, string>;
}

export function policiesOf(template: CfnTemplate): StackPolicies {
  const res = new Resolver(template);
  const identity = new Map<string, { name: string; policy: PolicyDocument }[]>();
  const resource = new Map<string, PolicyDocument>();
  const roleArns = new Map<string, string>();
  const attach = (roleId: string, name: string, doc: Json) => {
    const list = identity.get(roleId) ?? [];
    list.push({ name, policy: res.value(doc) as unknown as PolicyDocument });
    identity.set(roleId, list);
  };
  const refId = (j: Json) =>
    (j as { Ref?: string }).Ref ?? (j as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0];
  for (const [id, r] of Object.entries(template.Resources)) {
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::IAM::Role': {
        roleArns.set(id, res.getAtt(id, 'Arn'));
        if (!identity.has(id)) identity.set(id, []);
        for (const inline of (p.Policies as { PolicyName: string; PolicyDocument: Json }[] | undefined) ?? [])
          attach(id, inline.PolicyName, inline.PolicyDocument);
        for (const arn of (p.ManagedPolicyArns as Json[] | undefined) ?? []) {
          const name = res.string(arn).replace(/^arn:aws:iam::aws:policy\//, '');
          const doc = AWS_MANAGED_POLICIES[name];
          if (!doc)
            throw new Error(
              `role ${id} has managed policy ${name}: add its document to AWS_MANAGED_POLICIES`,
            );
          attach(id, name, doc as unknown as Json);
        }
        break;
      }
      case 'AWS::IAM::Policy':
        for (const role of (p.Roles as Json[]) ?? [])
          attach(refId(role) as string, id, p.PolicyDocument as Json);
        break;
      case 'AWS::S3::BucketPolicy':
        resource.set(
          `arn:${PARTITION}:s3:::${res.string(p.Bucket as Json)}`,
          res.value(p.PolicyDocument as Json) as never,
        );
        break;
      case 'AWS::KMS::Key':
        resource.set(res.getAtt(id, 'Arn'), res.value(p.KeyPolicy as Json) as never);
        break;
      case 'AWS::SNS::TopicPolicy':
        for (const t of p.Topics as Json[])
          resource.set(res.string(t), res.value(p.PolicyDocument as Json) as never);
        break;
      case 'AWS::SQS::QueuePolicy':
        for (const q of p.Queues as Json[]) {
          const qid = refId(q) as string;
          resource.set(res.getAtt(qid, 'Arn'), res.value(p.PolicyDocument as Json) as never);
        }
        break;
    }
  }
  return { identity, resource, roleArns };
}

export const asList = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
