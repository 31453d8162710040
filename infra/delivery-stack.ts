/**
 * The opt-in delivery pipeline (`lakestep-delivery`, CDK Pipelines): source from a CodeConnections
 * repository, a synth step that runs the README's install and test commands and `cdk synth`, then each
 * stage in order — the first followed by `lakestep smoke --aws` against its landing bucket, every later
 * one behind a manual approval. The pipeline updates itself when its own definition changes.
 */
import * as cdk from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipelines from 'aws-cdk-lib/pipelines';
import type { Construct } from 'constructs';
import type { DeliverySettings } from './delivery-settings';
import { acknowledge } from './nag';
import { PipelineStack } from './pipeline-stack';

export interface DeliveryStackProps extends cdk.StackProps {
  readonly delivery: DeliverySettings;
  /** `lakestep:stages` of cdk.json: each deployed stage's settings. */
  readonly stageSettings: Readonly<Record<string, unknown>>;
}

/** The README's two commands' test half, and what its tests need outside npm (they fail without them). */
export const SYNTH_INSTALL = [
  'pip install --quiet "moto[server]==5.2.*" "cfn-lint==1.51.*"',
  'npm install --no-audit --no-fund',
];
export const SYNTH_COMMANDS = ['npm test', 'npx cdk synth --quiet'];

/** One stage of the pipeline: the same stack `cdk deploy -c lakestep:stage=<stage>` deploys by hand. */
class LakestepStage extends cdk.Stage {
  public readonly stack: PipelineStack;
  constructor(scope: Construct, id: string, stage: string, settings: unknown, props: cdk.StageProps) {
    super(scope, id, props);
    this.stack = new PipelineStack(this, 'Pipeline', {
      stackName: `lakestep-${stage}-pipeline`,
      stage,
      settings,
      description: `lakestep ${stage}: event-driven data-lake pipeline (Step Functions, Glue, Athena)`,
    });
  }
}

const output = (stack: cdk.Stack, id: string) => stack.node.findChild(id) as cdk.CfnOutput;
const capitalized = (s: string) => `${s[0]?.toUpperCase()}${s.slice(1)}`;

export class DeliveryStack extends cdk.Stack {
  public readonly pipeline: pipelines.CodePipeline;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id, {
      ...props,
      env: { account: props.delivery.account, region: props.delivery.region },
    });
    const { delivery } = props;
    const source = pipelines.CodePipelineSource.connection(delivery.repository, delivery.branch, {
      connectionArn: delivery.connectionArn,
      triggerOnPush: true,
    });
    this.pipeline = new pipelines.CodePipeline(this, 'Delivery', {
      pipelineName: 'lakestep-delivery',
      synth: new pipelines.ShellStep('Synth', {
        input: source,
        installCommands: SYNTH_INSTALL,
        commands: SYNTH_COMMANDS,
        env: { CI: 'true', CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: '1' },
      }),
      // One account: no cross-account KMS keys needed for the artifacts.
      crossAccountKeys: false,
      codeBuildDefaults: { buildEnvironment: { computeType: codebuild.ComputeType.MEDIUM } },
    });

    let smokePrefix = '';
    delivery.stages.forEach((stage, i) => {
      const settings = props.stageSettings[stage] ?? {};
      const lakestepStage = new LakestepStage(this, capitalized(stage), stage, settings, {
        env: { account: delivery.account, region: delivery.region },
      });
      const deployed = lakestepStage.stack;
      const pre = i === 0 ? [] : [new pipelines.ManualApprovalStep(`Promote to ${stage}`)];
      const post =
        i === 0
          ? [
              new pipelines.CodeBuildStep('Smoke', {
                installCommands: ['npm install --no-audit --no-fund'],
                commands: ['npx lakestep smoke --aws --timeout 20m'],
                envFromCfnOutputs: {
                  LAKESTEP_LANDING_BUCKET: output(deployed, 'LandingBucketName'),
                  LAKESTEP_STATE_MACHINE_ARN: output(deployed, 'StateMachineArn'),
                },
                rolePolicyStatements: smokeGrants(this, deployed.settings.namePrefix),
              }),
            ]
          : [];
      if (i === 0) smokePrefix = deployed.settings.namePrefix;
      this.pipeline.addStage(lakestepStage, { pre, post });
    });
    this.pipeline.buildPipeline();
    acknowledgeFindings(this, smokePrefix);
  }
}

/** What the smoke step may do: land its one object in the stage's landing bucket and read its execution. */
function smokeGrants(stack: cdk.Stack, namePrefix: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      // The bucket's physical name is generated (`<stack name>-lakelanding<…>`), known only after deploy.
      resources: [
        `arn:${stack.partition}:s3:::${namePrefix}-pipeline-lakelanding*/raw_statistics/region=zz/*`,
      ],
    }),
    new iam.PolicyStatement({
      actions: ['states:DescribeExecution'],
      resources: [
        stack.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${namePrefix}-*`,
          arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  ];
}

/**
 * cdk-nag findings of what CDK Pipelines itself generates (artifact bucket, CodeBuild projects, the
 * self-mutation and asset roles), one finding id at a time with its reason; the smoke step's own two
 * grants are acknowledged for what they are.
 */
function acknowledgeFindings(stack: DeliveryStack, smokePrefix: string): void {
  const partition = '<AWS::Partition>';
  const { account, region } = stack;
  // The synth, smoke and self-mutation projects, by the logical ids cdk-nag prints them with.
  const projects = stack.node
    .findAll()
    .filter((c): c is codebuild.CfnProject => c instanceof codebuild.CfnProject)
    .map((p) => stack.getLogicalId(p))
    .filter((id) => !/Assets/.test(id));
  const findings: [string, string][] = [
    [
      'AwsSolutions-S1',
      "The pipeline's artifact bucket is written and read only by the pipeline's own roles; CodePipeline's execution history records every access.",
    ],
    [
      'AwsSolutions-CB4',
      "CDK Pipelines' build projects encrypt their artifacts with the artifact bucket's encryption; no customer key in a single-account pipeline (crossAccountKeys: false).",
    ],
    ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map(
      (a): [string, string] => [
        `AwsSolutions-IAM5[Action::${a}]`,
        "CDK Pipelines grants its roles read/write on the pipeline's artifact bucket only, with these action groups.",
      ],
    ),
    [
      'AwsSolutions-IAM5[Resource::<DeliveryPipelineArtifactsBucket36390225.Arn>/*]',
      'Every artifact of the pipeline is an object of its artifact bucket.',
    ],
    ...projects.flatMap((p): [string, string][] => [
      [
        `AwsSolutions-IAM5[Resource::arn:${partition}:logs:${region}:${account}:log-group:/aws/codebuild/<${p}>:*]`,
        'A CodeBuild project writes the log streams of its own log group.',
      ],
      [
        `AwsSolutions-IAM5[Resource::arn:${partition}:codebuild:${region}:${account}:report-group/<${p}>-*]`,
        "A CodeBuild project writes its own report groups' test reports.",
      ],
    ]),
    [
      `AwsSolutions-IAM5[Resource::arn:*:iam::${account}:role/*]`,
      'The self-mutation step assumes the CDK bootstrap roles (cdk-*-deploy-role-*, cdk-*-file-publishing-role-*) by their generated names.',
    ],
    [
      'AwsSolutions-IAM5[Resource::*]',
      'Self-mutation and asset publishing read CloudFormation stack state and call STS, which take no resource; CDK Pipelines scopes the rest to the bootstrap roles.',
    ],
    [
      `AwsSolutions-IAM5[Resource::arn:${partition}:logs:${region}:${account}:log-group:/aws/codebuild/*]`,
      'The asset-publishing projects are created per asset; their shared role writes their log groups.',
    ],
    [
      `AwsSolutions-IAM5[Resource::arn:${partition}:codebuild:${region}:${account}:report-group/*]`,
      'The asset-publishing projects are created per asset; their shared role writes their report groups.',
    ],
    [
      `AwsSolutions-IAM5[Resource::arn:${partition}:s3:::${smokePrefix}-pipeline-lakelanding*/raw_statistics/region=zz/*]`,
      'The smoke step lands one object of region zz in the dev landing bucket, whose generated name is known only after deployment.',
    ],
    [
      `AwsSolutions-IAM5[Resource::arn:${partition}:states:${region}:${account}:execution:${smokePrefix}-*]`,
      "The smoke step reads the execution its upload started; the execution's name is known only after the upload.",
    ],
  ];
  for (const [finding, reason] of findings) acknowledge(stack, finding, reason);
}
