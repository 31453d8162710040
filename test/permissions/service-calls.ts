import { type AwsCall, s3Bucket, s3Object, stamp } from './calls';
import type { Deployed } from './deployed';
import type { ProofInput } from './principal';
import { ACCOUNT, type Json } from './template';

/** CloudWatch alarms publish to the encrypted alert topics as the CloudWatch service. */
export function cloudWatchAlarmCalls({ deployed: d }: ProofInput): AwsCall[] {
  const alarms = Object.entries(d.template.Resources).filter(
    ([, r]) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties?.AlarmActions,
  );
  return stamp(
    alarms.flatMap(([id, r]) =>
      ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
        action,
        resource: d.keyArn(),
        context: {
          'aws:SourceAccount': ACCOUNT,
          'aws:SourceArn': d.arn(
            'cloudwatch',
            `alarm:${d.resolver.string((r.Properties?.AlarmName as Json) ?? id)}`,
          ),
        },
        because: `alarm ${id} notifies an encrypted topic`,
      })),
    ),
  );
}

/** CloudWatch Logs encrypts the Glue log groups with the key, naming the group in the encryption context. */
export function cloudWatchLogsCalls({ deployed: d }: ProofInput): AwsCall[] {
  const job = d.resource(d.find('AWS::Glue::Job', 'Name', d.substitutions.TransformBatchJobName ?? ''));
  const group = d.arn(
    'logs',
    `log-group:/aws-glue/jobs/logs-v2-${d.resolver.string(job.SecurityConfiguration as Json)}`,
  );
  return stamp(
    ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'].map((action) => ({
      action,
      resource: d.keyArn(),
      context: { 'kms:EncryptionContext:aws:logs:arn': group, 'aws:SourceAccount': ACCOUNT },
      because: 'CloudWatch Logs encrypts a Glue log group',
    })),
  );
}

/** S3 server access logging delivers each lake bucket's log to the log bucket, naming the source bucket. */
export function accessLogCalls({ deployed: d }: ProofInput): AwsCall[] {
  const calls: AwsCall[] = [];
  for (const [id, r] of Object.entries(d.template.Resources)) {
    const logging =
      r.Type === 'AWS::S3::Bucket'
        ? (r.Properties?.LoggingConfiguration as
            | { DestinationBucketName: Json; LogFilePrefix?: string }
            | undefined)
        : undefined;
    if (!logging) continue;
    const target = d.resolver.string(logging.DestinationBucketName);
    calls.push({
      action: 's3:PutObject',
      resource: s3Object(target, `${logging.LogFilePrefix ?? ''}2026-12-01-00-00-00-0123456789ABCDEF`),
      context: { 'aws:SourceArn': s3Bucket(d.resolver.ref(id)), 'aws:SourceAccount': ACCOUNT },
      because: `server access log of ${id}`,
    });
  }
  return stamp(calls);
}

/** EventBridge sends an event its target did not take to the target's dead-letter queue. */
export function eventBridgeCalls({ deployed: d }: ProofInput): AwsCall[] {
  const calls: AwsCall[] = [];
  for (const [id, r] of Object.entries(d.template.Resources)) {
    if (r.Type !== 'AWS::Events::Rule') continue;
    for (const t of (r.Properties?.Targets as { DeadLetterConfig?: { Arn: Json } }[]) ?? [])
      if (t.DeadLetterConfig)
        calls.push({
          action: 'sqs:SendMessage',
          resource: d.resolver.string(t.DeadLetterConfig.Arn),
          context: { 'aws:SourceArn': d.resolver.getAtt(id, 'Arn') },
          because: `rule ${id}: an event its target did not take`,
        });
  }
  return stamp(calls);
}

/** The function behind CDK's Custom::S3AutoDeleteObjects (stages with removal `destroy`), if any. */
export function autoDeleteProvider(d: Deployed): string | null {
  const custom = Object.values(d.template.Resources).find((r) => r.Type === 'Custom::S3AutoDeleteObjects');
  const token = custom?.Properties?.ServiceToken as { 'Fn::GetAtt'?: string[] } | undefined;
  return token?.['Fn::GetAtt']?.[0] ?? null;
}

/**
 * CDK's auto-delete handler, on stack deletion, per bucket it is attached to: reads the bucket's tags,
 * puts a policy that stops new writes, lists the object versions and deletes them (CDK's
 * aws-s3/lib/auto-delete-objects-handler); the Lambda service writes its log (AWSLambdaBasicExecutionRole).
 */
export function autoDeleteCalls({ deployed: d }: ProofInput): AwsCall[] {
  const provider = autoDeleteProvider(d);
  if (!provider) return [];
  const calls: AwsCall[] = [];
  for (const [id, r] of Object.entries(d.template.Resources)) {
    if (r.Type !== 'Custom::S3AutoDeleteObjects') continue;
    const bucket = d.resolver.string(r.Properties?.BucketName as Json);
    const why = `stack deletion empties ${bucket} (${id})`;
    calls.push(
      { action: 's3:GetBucketTagging', resource: s3Bucket(bucket), because: why },
      { action: 's3:PutBucketPolicy', resource: s3Bucket(bucket), because: why },
      { action: 's3:ListBucketVersions', resource: s3Bucket(bucket), because: why },
      { action: 's3:DeleteObject', resource: s3Object(bucket, 'any/key'), because: why },
      { action: 's3:DeleteObjectVersion', resource: s3Object(bucket, 'any/key'), because: why },
    );
  }
  const group = `/aws/lambda/${d.resolver.ref(provider)}`;
  calls.push(
    {
      action: 'logs:CreateLogGroup',
      resource: d.arn('logs', `log-group:${group}`),
      because: 'the provider function logs',
    },
    {
      action: 'logs:CreateLogStream',
      resource: d.arn('logs', `log-group:${group}:log-stream:x`),
      because: 'the provider function logs',
    },
    {
      action: 'logs:PutLogEvents',
      resource: d.arn('logs', `log-group:${group}:log-stream:x`),
      because: 'the provider function logs',
    },
  );
  return stamp(calls);
}
