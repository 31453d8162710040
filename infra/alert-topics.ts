/**
 * The two alert topics: `pages` (a system fault: someone acts now) and `notices` (a data outcome the
 * pipeline handled: read when convenient). KMS-encrypted, TLS-only, with the stage's alert e-mail.
 */
import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertTopicsProps {
  readonly namePrefix: string;
  readonly key: kms.IKey;
  /** '' for no subscription. */
  readonly alertEmail: string;
}

export class AlertTopics extends Construct {
  public readonly pages: sns.Topic;
  public readonly notices: sns.Topic;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: AlertTopicsProps) {
    super(scope, id);
    this.key = props.key;
    const topic = (name: string, displayName: string) => {
      const t = new sns.Topic(this, name, {
        topicName: `${props.namePrefix}-${name.toLowerCase()}`,
        displayName,
        masterKey: props.key,
        enforceSSL: true,
      });
      if (props.alertEmail) t.addSubscription(new subscriptions.EmailSubscription(props.alertEmail));
      return t;
    };
    this.pages = topic(
      'Pages',
      'lakestep: the pipeline is unhealthy or an execution failed with a system fault',
    );
    this.notices = topic(
      'Notices',
      'lakestep: an alarm, a rejected object or a batch that failed data quality',
    );
    // CloudWatch alarms publish to these topics as the CloudWatch service: without the key's consent an
    // encrypted topic drops their notifications silently.
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToAlertTopics',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // Only this account's alarms: the CloudWatch service acts for every account (confused deputy).
        conditions: { StringEquals: { 'aws:SourceAccount': cdk.Stack.of(this).account } },
      }),
    );
  }

  /** sns:Publish on both topics, with the key use publishing to an encrypted topic needs. */
  public grantPublish(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        resources: [this.pages.topicArn, this.notices.topicArn],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
      }),
    );
  }
}
