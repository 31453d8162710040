/**
 * The Lambdas: one per Lambda step of the workflow (named as the ASL's `${<id>FunctionArn}` substitution
 * names it, sized by the step's function spec, granted its functionLakeAccess) and the two that work
 * around the state machine: the starter and the failure recorder.
 */
import { Construct } from 'constructs';
import { WORKFLOW_ENV } from '../handlers/workflow-env';
import { CHECK_ANALYTICS_FUNCTION } from '../workflows/analytics-checks';
import type { LambdaFunctionSpec, LambdaStep, Workflow } from '../workflows/types';
import { grantAnalyticsCheckAccess } from './analytics-check-access';
import { grantCatalogAccess } from './catalog-access';
import { databasePrefixOf, type PowertoolsLogLevel } from './config';
import { grantLakeAccess, lakeAccessOf } from './lake-access';
import type { LakeBuckets } from './lake-buckets';
import { PipelineFunction } from './pipeline-function';
import { resourceNames } from './substitutions';

/** Starts one execution per landed object (handlers/start-execution.ts). */
export const STARTER_FUNCTION: LambdaFunctionSpec = {
  id: 'StartExecution',
  handlerFile: 'start-execution.ts',
  memoryMb: 256,
  timeoutSeconds: 30,
  description: 'Starts one execution per landed object, named after its key and content',
};

/** Records a failed execution and alerts (handlers/record-failure.ts). */
export const RECORDER_FUNCTION: LambdaFunctionSpec = {
  id: 'RecordFailure',
  handlerFile: 'record-failure.ts',
  memoryMb: 256,
  timeoutSeconds: 60,
  description: 'Records a failed, timed-out or aborted execution and pages or notifies',
};

export interface PipelineFunctionsProps {
  readonly workflow: Workflow;
  readonly namePrefix: string;
  readonly buckets: LakeBuckets;
  readonly logLevel: PowertoolsLogLevel;
  readonly logRetentionDays: number;
  readonly removal: 'destroy' | 'retain';
  /** The cleansed Glue database, for the functions that register partitions (infra/catalog-access.ts). */
  readonly cleansedDatabase: string;
}

export class PipelineFunctions extends Construct {
  /** The Lambda steps' functions, by function id. */
  public readonly steps: ReadonlyMap<string, PipelineFunction>;
  public readonly starter: PipelineFunction;
  public readonly recorder: PipelineFunction;

  constructor(scope: Construct, id: string, props: PipelineFunctionsProps) {
    super(scope, id);
    const make = (spec: LambdaFunctionSpec, environment: Record<string, string>) =>
      new PipelineFunction(this, spec.id, {
        functionName: resourceNames.function(props.namePrefix, spec.id),
        handlerFile: spec.handlerFile,
        description: spec.description,
        memoryMb: spec.memoryMb,
        timeoutSeconds: spec.timeoutSeconds,
        // Every function serves one workflow: its datasets route and check what it handles.
        environment: { ...environment, [WORKFLOW_ENV]: props.workflow.name },
        logLevel: props.logLevel,
        logRetentionDays: props.logRetentionDays,
        removal: props.removal,
        metricsNamespace: props.namePrefix,
      });

    const steps = new Map<string, PipelineFunction>();
    const lambdaSteps = props.workflow.steps.filter((s): s is LambdaStep => s.kind === 'lambda');
    for (const step of lambdaSteps) {
      // Two steps may share a function (the ASL then names it twice); it is deployed once.
      if (steps.has(step.function.id)) continue;
      const fn = make(step.function, props.buckets.environment());
      grantLakeAccess(fn, fn.role, props.buckets, lakeAccessOf(step.function.id, props.workflow.datasets));
      grantCatalogAccess(fn, step.function.id, props.cleansedDatabase, props.workflow.datasets);
      if (step.function.id === CHECK_ANALYTICS_FUNCTION.id)
        grantAnalyticsCheckAccess(fn, {
          materializations: props.workflow.materializations,
          namePrefix: props.namePrefix,
          databasePrefix: databasePrefixOf(props.namePrefix),
          buckets: props.buckets,
        });
      steps.set(step.function.id, fn);
    }
    this.steps = steps;
    this.starter = make(STARTER_FUNCTION, {});
    this.recorder = make(RECORDER_FUNCTION, {});
  }
}
