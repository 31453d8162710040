/**
 * The admission gate's AWS resources, with the dev and prod settings of cdk.json: the slot table
 * (on-demand, encrypted, removal like the other stateful resources), its slots from the same setting
 * as the Glue job's MaxConcurrentRuns, and exactly dynamodb:UpdateItem on it for the functions that
 * acquire, release and free slots, and those that request and finish a region's MERGE (its items live
 * in the same table, decision 0028). (test/permissions.test.ts proves every call against the policies.)
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ADMISSION_ENV } from '../handlers/aws/slot-table-schema';
import { stageOverridesFrom } from '../infra/config';
import { PipelineStack } from '../infra/pipeline-stack';
import { TRANSFORM_GATE } from '../workflows/transform-admission';

const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'));
type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

describe.each(['dev', 'prod'])('admission on %s', (stage) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PipelineStack(app, `Admission-${stage}`, {
    stage,
    settings: stageOverridesFrom(cdkJson.context['lakestep:stages'], stage),
  });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const prefix = stack.settings.namePrefix;
  const [tableId, table] = of('AWS::DynamoDB::Table').find(
    ([, r]) => r.Properties.TableName === `${prefix}-admission`,
  ) ?? ['', undefined];

  it('has one on-demand, encrypted slot table keyed by gate, kept or destroyed as the stage says', () => {
    expect(table?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'gate', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true },
    });
    expect(table?.DeletionPolicy).toBe(stack.settings.removal === 'destroy' ? 'Delete' : 'Retain');
  });

  it('gives the gate as many slots as the Glue job has concurrent runs', () => {
    const job = of('AWS::Glue::Job')[0]?.[1];
    const runs = (job?.Properties.ExecutionProperty as { MaxConcurrentRuns: number } | undefined)
      ?.MaxConcurrentRuns;
    expect(runs).toBe(stack.settings.transformMaxConcurrentRuns);
    const users = of('AWS::Lambda::Function').filter(([, f]) =>
      JSON.stringify(f.Properties.Environment ?? {}).includes(ADMISSION_ENV.table),
    );
    const names = users.map(([, f]) => String(f.Properties.FunctionName)).sort();
    expect(names).toEqual(
      [
        `${prefix}-acquire-transform-slot`,
        `${prefix}-finish-region-merge`,
        `${prefix}-record-failure`,
        `${prefix}-release-transform-slot`,
        `${prefix}-request-region-merge`,
      ].sort(),
    );
    for (const [, f] of users) {
      const env = (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(JSON.parse(String(env[ADMISSION_ENV.maxSlots]))).toEqual({ [TRANSFORM_GATE]: runs });
      expect(env[ADMISSION_ENV.table]).toEqual({ Ref: tableId });
    }
  });

  it('grants dynamodb:UpdateItem on the table, and nothing else of it, to those functions only', () => {
    const statements = of('AWS::IAM::Policy').flatMap(([, p]) =>
      (
        p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }
      ).Statement.map((s) => ({ roles: p.Properties.Roles, ...s })),
    );
    const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(tableId));
    expect(onTable).toHaveLength(5);
    for (const s of onTable) {
      expect(s.Action).toBe('dynamodb:UpdateItem');
      expect(s.Resource).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
    }
  });
});
