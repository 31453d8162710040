/**
 * The Glue security configuration the transform job and the crawler run under: their CloudWatch logs
 * and job bookmarks encrypted with the stack's key, their S3 writes with S3-managed keys (the lake's
 * choice, docs/decisions/0005). `grantRuntime` gives a Glue role what running under it needs.
 */
import * as cdk from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { addStatementWithWildcards } from './nag';

export interface GlueSecurityProps {
  readonly name: string;
  readonly key: kms.IKey;
}

export class GlueSecurity extends Construct {
  public readonly configuration: glue.SecurityConfiguration;
  private readonly key: kms.IKey;
  private readonly logGroupsArn: string;

  constructor(scope: Construct, id: string, props: GlueSecurityProps) {
    super(scope, id);
    this.key = props.key;
    this.configuration = new glue.SecurityConfiguration(this, 'Configuration', {
      securityConfigurationName: props.name,
      cloudWatchEncryption: glue.CloudWatchEncryption.kms(props.key),
      jobBookmarksEncryption: glue.JobBookmarksEncryption.clientSideKms(props.key),
      s3Encryption: glue.S3Encryption.s3Managed(),
    });
    const stack = cdk.Stack.of(this);
    this.logGroupsArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '/aws-glue/*',
      arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME,
    });
    // CloudWatch Logs encrypts Glue's log groups with the key on the roles' behalf.
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GlueLogGroupsEncryption',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': this.logGroupsArn } },
      }),
    );
  }

  /** What a job or crawler role needs to run under this configuration. */
  public grantRuntime(owner: Construct, role: iam.IRole): void {
    const why =
      "Glue creates its log groups under /aws-glue/ named after the security configuration and the role, and its streams per run; the names are Glue's, not ours";
    // Group actions on groups, stream actions on streams: IAM matches each action only against its own resource type.
    addStatementWithWildcards(
      owner,
      role,
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:AssociateKmsKey'],
        resources: [this.logGroupsArn],
      }),
      why,
    );
    addStatementWithWildcards(
      owner,
      role,
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${this.logGroupsArn}:log-stream:*`],
      }),
      why,
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
      }),
    );
  }
}
