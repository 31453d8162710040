/** ARNs of Glue catalog resources in this stack's account and region. */
import * as cdk from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export function glueArn(scope: Construct, resource: string, resourceName?: string): string {
  return cdk.Stack.of(scope).formatArn({
    service: 'glue',
    resource,
    resourceName,
    arnFormat: cdk.ArnFormat.SLASH_RESOURCE_NAME,
  });
}
