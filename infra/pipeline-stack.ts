/**
 * The workflow's state machine, deployed from the committed ASL file (the same text the local runtime
 * executes) with a substitution for every placeholder. The Lambdas, Glue job, crawler and Athena
 * workgroup it calls are referenced by their derived names and arrive with the data stack.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { aslFileName } from '../workflows/render-asl';
import type { Workflow } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending';
import {
  type ArnParts,
  checkSubstitutions,
  type NamingOptions,
  substitutionsFor,
  taskGrantsFor,
} from './substitutions';

export interface PipelineStackProps extends cdk.StackProps {
  /** Lowercase letters and digits: it becomes part of resource and Glue database names. */
  readonly stage: string;
  /** @default the built-in YouTube trending workflow */
  readonly workflow?: Workflow;
  /** Directory holding `<workflow>.asl.json`. @default the repository's `asl/` */
  readonly aslDir?: string;
}

export class PipelineStack extends cdk.Stack {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    // Validated here because the stage ends up in names with different charsets (`-` vs `_`).
    if (!/^[a-z][a-z0-9]{0,15}$/.test(props.stage)) {
      throw new Error(
        `stage '${props.stage}' must be 1-16 lowercase letters or digits, starting with a letter`,
      );
    }
    const workflow = props.workflow ?? YOUTUBE_TRENDING;
    const prefix = `lakestep-${props.stage}`;
    const naming: NamingOptions = {
      prefix,
      databasePrefix: `lakestep_${props.stage}`,
      arnFor: (parts: ArnParts) =>
        cdk.Stack.of(this).formatArn({
          service: parts.service,
          resource: parts.resource,
          resourceName: parts.resourceName,
          arnFormat:
            parts.separator === ':' ? cdk.ArnFormat.COLON_RESOURCE_NAME : cdk.ArnFormat.SLASH_RESOURCE_NAME,
        }),
    };

    const aslFile = path.join(props.aslDir ?? path.join(__dirname, '..', 'asl'), aslFileName(workflow));
    const substitutions = substitutionsFor(workflow, naming);
    // Fail the synth, not the deployment: an unsubstituted `${X}` would deploy as a literal string.
    checkSubstitutions(readFileSync(aslFile, 'utf8'), substitutions, aslFile);

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      // The /aws/vendedlogs/ prefix keeps the account's CloudWatch Logs resource policy from growing
      // with every state machine that logs.
      logGroupName: `/aws/vendedlogs/states/${prefix}-${workflow.name}`,
      retention: logs.RetentionDays.ONE_MONTH,
      // A retained log group with a fixed name would block re-creating the stack after a destroy.
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `${prefix}-${workflow.name}`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(aslFile),
      definitionSubstitutions: substitutions,
      // Execution data carries object keys and batch details; the events without it are enough to debug.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });

    // Only the task calls. Athena's Glue catalog and S3 result/data access are granted with the data
    // stack, next to the buckets and databases they name.
    for (const grant of taskGrantsFor(workflow, naming)) {
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          sid: grant.sid,
          actions: [...grant.actions],
          resources: [...grant.resources],
        }),
      );
    }
  }
}
