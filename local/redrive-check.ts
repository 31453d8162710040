/**
 * Decides whether an execution may be redriven, and where the redrive resumes with what input; a
 * refusal names the reason and the command that helps instead (if any).
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { LocalDefinition } from './definition';
import type { ExecutionRecord, ExecutionStore } from './execution-store';
import type { FsStorage } from './fs-storage';
import { type ResumePoint, resumePoint } from './redrive';
import { isDataOutcome, replayAdviceFor, rerunCommandFor } from './replay-advice';

/** Why an execution cannot be redriven, with the command that helps instead (if any). */
export class RedriveRefused extends Error {
  constructor(
    readonly code:
      | 'not_found'
      | 'not_unsuccessful'
      | 'data_outcome'
      | 'superseded'
      | 'definition_changed'
      | 'object_changed',
    message: string,
    readonly advice: string | null,
  ) {
    super(message);
    this.name = 'RedriveRefused';
  }
}

/** What a redrive of an execution would do: where it resumes, with what. */
export interface RedrivePlan {
  readonly record: ExecutionRecord;
  readonly resume: ResumePoint;
}

export interface RedriveContext {
  readonly store: ExecutionStore;
  readonly storage: FsStorage;
  readonly landingBucket: string;
  readonly definition: LocalDefinition;
  /** The latest execution of the record's object key. */
  readonly latestOf: (objectKey: string) => Promise<ExecutionRecord | undefined>;
  /** The `--lake` argument the advice's commands repeat. */
  readonly lakeArg: string | undefined;
}

/**
 * Refused (with what to do instead): a successful or running execution, a data outcome (its Fail state
 * would only fail again), an execution superseded by a later one of the same object, one whose
 * definition has changed since (a redrive runs the definition the execution started with, as on AWS),
 * and one to resume at its first state when the landed object is no longer the content it was started for.
 */
export async function planRedrive(ctx: RedriveContext, name: string): Promise<RedrivePlan> {
  const record = await ctx.store.get(name);
  if (!record)
    throw new RedriveRefused(
      'not_found',
      `No execution named ${name} in ${ctx.store.dir}`,
      'list executions with `lakestep status`',
    );
  if (record.status === 'SUCCEEDED' || record.status === 'RUNNING')
    throw new RedriveRefused(
      'not_unsuccessful',
      `Execution ${name} is ${record.status}: only FAILED, TIMED_OUT or ABORTED executions are redriven`,
      null,
    );
  const rerun = rerunCommandFor(record.objectKey, ctx.lakeArg);
  if (isDataOutcome(record))
    throw new RedriveRefused(
      'data_outcome',
      `Execution ${name} ended in ${record.error}, a data outcome: redriving its Fail state would only fail again; fix the data (land a corrected file) or the rules, then rerun the object`,
      rerun,
    );
  const latest = await ctx.latestOf(record.objectKey);
  if (latest && latest.name !== record.name)
    throw new RedriveRefused(
      'superseded',
      `Execution ${name} is superseded: ${latest.name} (${latest.status}) is a later execution of ${record.objectKey}`,
      latest.status === 'SUCCEEDED' || latest.status === 'RUNNING'
        ? null
        : (replayAdviceFor(latest, ctx.lakeArg)?.command ?? null),
    );
  const changed = record.definitionSha256
    ? record.definitionSha256 !== ctx.definition.sha256
    : resolve(record.definitionFile) !== ctx.definition.file;
  if (changed)
    throw new RedriveRefused(
      'definition_changed',
      `Execution ${name} started with another version of the workflow definition than ${ctx.definition.file}: a redrive runs the definition the execution started with (as Step Functions does), so start a fresh execution of the object instead`,
      rerun,
    );
  const definition = ctx.definition.definition();
  const resume = resumePoint(definition, await ctx.store.events(name), record.input);
  if (resume.state === definition.StartAt) {
    const landed = { bucket: ctx.landingBucket, key: record.objectKey };
    const now = (await ctx.storage.head(landed))
      ? createHash('sha256')
          .update(await ctx.storage.readBytes(landed))
          .digest('hex')
      : null;
    if (now !== record.contentSha256)
      throw new RedriveRefused(
        'object_changed',
        `Execution ${name} would resume at its first state, but ${record.objectKey} ${now ? 'holds other content' : 'is gone from the landing bucket'} since it started; rerun the object as it is now`,
        now ? rerun : null,
      );
  }
  return { record, resume };
}
