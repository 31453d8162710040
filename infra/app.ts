/**
 * CDK app: `cdk synth -c lakestep:stage=<stage>`. No account or region, so synth needs no credentials
 * and the stack deploys to whatever environment the deploying credentials select.
 */
import * as cdk from 'aws-cdk-lib';
import { PipelineStack } from './pipeline-stack';

const app = new cdk.App();
const stage: unknown = app.node.tryGetContext('lakestep:stage') ?? 'dev';
if (typeof stage !== 'string') {
  throw new Error(`context lakestep:stage must be a string, got ${JSON.stringify(stage)}`);
}

new PipelineStack(app, `lakestep-${stage}-pipeline`, {
  stage,
  description: `lakestep ${stage}: the pipeline state machine`,
});
