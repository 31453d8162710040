/**
 * THE ONE LIST of granted action/resource pairs that no recorded call uses, each with its reason. The
 * proof fails on any other unused grant: remove the grant, record the call that needs it, or add it here.
 */
import type { Acknowledged } from './evaluate';

const GLUE_CATALOG_TABLE = /:glue:[^:]+:\d+:table\//;

export const ACKNOWLEDGED_UNUSED: readonly Acknowledged[] = [
  {
    principal: 'state machine',
    action: 'glue:GetDatabase',
    resource: GLUE_CATALOG_TABLE,
    reason:
      'one statement per table set grants the catalog, database and table ARNs together; IAM matches GetDatabase only against the catalog and database, so the table ARNs grant nothing more',
  },
  {
    principal: 'CheckAnalytics Lambda',
    action: 'glue:GetDatabase',
    resource: GLUE_CATALOG_TABLE,
    reason:
      'as for the state machine: one statement grants the checked tables with their catalog and databases',
  },
  {
    principal: 'Cleansed crawler',
    action: 'glue:GetDatabase',
    resource: GLUE_CATALOG_TABLE,
    reason: 'as for the state machine: GetDatabase is never matched against a table ARN',
  },
  ...['glue:GetPartition', 'glue:CreatePartition', 'glue:UpdatePartition'].map((action) => ({
    principal: 'Cleansed crawler',
    action,
    resource: /:glue:/,
    reason:
      'Glue documents the single-partition APIs among a crawler role’s catalog permissions; whether a crawl calls them or the Batch* ones is Glue’s internal choice, which no local run can show',
  })),
  {
    principal: 'state machine',
    action: 's3:DeleteObject',
    resource: /\/category_daily\/\*$/,
    reason:
      'Athena’s documented permissions for Iceberg DML include s3:DeleteObject on the table location (a failed or retried commit removes its files); a MERGE that succeeds adds files only, so no local run shows it',
  },
  ...['s3:GetQueueAttributes', 's3:GetQueueUrl'].map((action) => ({
    principal: 'StartExecution Lambda',
    action: action.replace('s3:', 'sqs:'),
    resource: /:sqs:/,
    reason:
      'added by CDK’s SqsDestination (queue.grantSendMessages) beside sqs:SendMessage; Lambda’s on-failure delivery sends only, and these two read queue metadata',
  })),
  ...['kms:ReEncrypt*', 'kms:Describe*'].map((action) => ({
    principal: 'resource policy',
    action,
    resource: /^\*$/,
    reason:
      'AWS’s documented key policy for CloudWatch Logs encryption lists these; under the log-group encryption-context condition Logs only encrypts and decrypts, which no local run can show either way',
  })),
  ...[
    { action: 's3:PutBucketPolicy', resource: /^arn:aws:s3:::[^/]+\/\*$/ },
    { action: 's3:GetBucket*', resource: /^arn:aws:s3:::[^/]+\/\*$/ },
    { action: 's3:List*', resource: /^arn:aws:s3:::[^/]+\/\*$/ },
    { action: 's3:DeleteObject*', resource: /^arn:aws:s3:::[^/]+$/ },
  ].map(({ action, resource }) => ({
    principal: 'resource policy',
    action,
    resource,
    reason:
      "CDK's autoDeleteObjects statement (dev stage) grants its provider bucket and object actions on both the bucket and its objects; IAM matches each action only against its own resource type, so these pairs grant nothing",
  })),
  ...['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'].map((action) => ({
    principal: 'resource policy',
    action,
    resource: /^\*$/,
    reason:
      "CDK's Secret adds these to the fetch API key's customer key for the account through Secrets Manager (kms:ViaService): the operator's put-secret-value (docs/fetch.md) encrypts with them, and the operator is no principal of the stack",
  })),
];
