/**
 * CDK app: `cdk synth -c lakestep:stage=<stage>`. Stage settings come from cdk.json's `lakestep:stages`.
 * No account or region, so synth needs no credentials and the stack deploys to whatever environment the
 * deploying credentials select. cdk-nag's AWS Solutions checks run as a validation plugin on every synth.
 */
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageOverridesFrom } from './config';
import { PipelineStack } from './pipeline-stack';

const app = new cdk.App();
const stage: unknown = app.node.tryGetContext('lakestep:stage') ?? 'dev';
if (typeof stage !== 'string') {
  throw new Error(`context lakestep:stage must be a string, got ${JSON.stringify(stage)}`);
}

new PipelineStack(app, `lakestep-${stage}-pipeline`, {
  stage,
  settings: stageOverridesFrom(app.node.tryGetContext('lakestep:stages'), stage),
  description: `lakestep ${stage}: event-driven data-lake pipeline (Step Functions, Glue, Athena)`,
});
cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
