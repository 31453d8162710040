/**
 * One lakestep Lambda: a handler file under handlers/, bundled by the local esbuild, on Node.js 24 and
 * arm64, with its own role (no managed policies), its own log group and Powertools settings. What it may
 * touch is granted by the construct that uses it.
 */
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { PowertoolsLogLevel } from './config';
import { acknowledge } from './nag';

/** Repository root: handlers/ and the lockfile esbuild resolves dependencies against. */
export const REPO_ROOT = path.join(__dirname, '..');

export interface PipelineFunctionProps {
  /** Physical name: what the ASL substitution's ARN names. */
  readonly functionName: string;
  /** File under handlers/ that exports `handler`. */
  readonly handlerFile: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly logLevel: PowertoolsLogLevel;
  readonly logRetentionDays: number;
  readonly removal: 'destroy' | 'retain';
  /** POWERTOOLS_METRICS_NAMESPACE. */
  readonly metricsNamespace: string;
}

export const POWERTOOLS_SERVICE_NAME = 'lakestep';

export class PipelineFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removal === 'destroy' ? cdk.RemovalPolicy.DESTROY : cdk.RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.functionName}: ${props.description}`,
    });
    // The log group's Arn attribute already covers its streams (`…:log-group:<name>:*`).
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      entry: path.join(REPO_ROOT, 'handlers', props.handlerFile),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: cdk.Duration.seconds(props.timeoutSeconds),
      role: this.role,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        // esbuild is a devDependency: no Docker on the build machines.
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        // The Node.js 24 runtime ships AWS SDK v3; the bundle carries only lakestep's own code.
        externalModules: ['@aws-sdk/*'],
      },
    });
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions.',
    );
  }
}
