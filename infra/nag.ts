/**
 * cdk-nag acknowledgements, one finding id at a time and each with its reason. Wildcard resources are
 * acknowledged by the exact finding id cdk-nag reports for them (`AwsSolutions-IAM5[Resource::…]`),
 * computed from the statement itself, so a new or widened wildcard is never silently covered.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** The IAM5 finding ids of a statement's wildcard resources, as cdk-nag formats them. */
export function wildcardResourceFindings(scope: IConstruct, statement: iam.PolicyStatement): string[] {
  const stack = Stack.of(scope);
  return statement.resources
    .map((r) => flattenCfnReference(stack.resolve(r)))
    .filter((flat) => flat.includes('*'))
    .map((flat) => `AwsSolutions-IAM5[Resource::${flat}]`);
}

/** Adds the statement to the grantee's policy and acknowledges each of its wildcard resources. */
export function addStatementWithWildcards(
  owner: IConstruct,
  grantee: iam.IGrantable,
  statement: iam.PolicyStatement,
  reason: string,
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(statement);
  for (const id of wildcardResourceFindings(owner, statement)) acknowledge(owner, id, reason);
}
