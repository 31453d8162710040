/**
 * CDK app: `cdk synth -c lakestep:stage=<stage>`. Stage settings come from cdk.json's `lakestep:stages`.
 * No account or region, so synth needs no credentials and the stack deploys to whatever environment the
 * deploying credentials select (the opt-in delivery stack names its own). cdk-nag's AWS Solutions checks run as a validation plugin on every synth.
 */
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageOverridesFrom } from './config';
import { resolveDeliverySettings } from './delivery-settings';
import { DeliveryStack } from './delivery-stack';
import { PipelineStack } from './pipeline-stack';
import { workflowStacks } from './workflow-stacks';

const app = new cdk.App();
const stage: unknown = app.node.tryGetContext('lakestep:stage') ?? 'dev';
if (typeof stage !== 'string') {
  throw new Error(`context lakestep:stage must be a string, got ${JSON.stringify(stage)}`);
}

// One stack per workflow of the project (workflows/*.workflow.ts): its own buckets, catalog, state
// machine, alarms and dashboard, so workflows never share tables or IAM (infra/workflow-stacks.ts).
const settings = stageOverridesFrom(app.node.tryGetContext('lakestep:stages'), stage);
for (const { id, workflow, namePrefix } of workflowStacks(
  stage,
  settings,
  app.node.tryGetContext('lakestep:pipelineStackWorkflow'),
))
  new PipelineStack(app, id, {
    stage,
    settings,
    workflow,
    ...(namePrefix ? { namePrefix } : {}),
    description: `lakestep ${stage}, workflow ${workflow.name}: event-driven data-lake pipeline (Step Functions, Glue, Athena)`,
  });
// The opt-in delivery pipeline (cdk.json `lakestep:delivery`): `cdk deploy lakestep-delivery` once, then
// every push to the branch tests, deploys the first stage, smoke-tests it and waits for approval.
const stages = (app.node.tryGetContext('lakestep:stages') ?? {}) as Record<string, unknown>;
const delivery = resolveDeliverySettings(app.node.tryGetContext('lakestep:delivery'), Object.keys(stages));
if (delivery.enabled)
  new DeliveryStack(app, 'lakestep-delivery', {
    delivery,
    stageSettings: stages,
    description: 'lakestep delivery: test, deploy, smoke-test and promote the pipeline (CDK Pipelines)',
  });
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
