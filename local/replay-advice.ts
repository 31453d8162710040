/**
 * What to do about a finished execution that did not succeed: the one command `lakestep status`, the
 * inspector, the runbooks and `lakestep replay` all print. A system fault is redriven; a data outcome
 * (a Fail state the workflow reached on purpose) is not, since redriving a Fail state only fails again:
 * the data or the rules are fixed and the object is rerun.
 */

import { expectedNames } from '../handlers/core/classify';
import { DATA_OUTCOME_ERRORS } from '../handlers/core/record-failure';
import { type Dataset, UNKNOWN_PREFIX } from '../workflows/datasets';
import type { ExecutionRecord } from './execution-store';
import { DEFAULT_LAKE } from './lake';

export interface ReplayAdvice {
  /** `land`: an object whose name matches no dataset; a rerun of it would only be rejected again. */
  readonly kind: 'redrive' | 'rerun' | 'land';
  readonly command: string;
  readonly why: string;
}

/** Quotes an argument for a POSIX shell when it needs it (keys may hold spaces or `=`). */
export function shellArg(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `--lake DIR` when the lake is not the default one, so a printed command works as printed. */
export function lakeFlag(lake: string | undefined): string {
  return lake && lake !== DEFAULT_LAKE ? ` --lake ${shellArg(lake)}` : '';
}

/** The command that starts a fresh execution of a landed object. */
export function rerunCommandFor(objectKey: string, lake?: string): string {
  return `npx lakestep rerun --object ${shellArg(objectKey)}${lakeFlag(lake)}`;
}

/** The command that redrives one execution. */
export function redriveCommandFor(name: string, lake?: string): string {
  return `npx lakestep replay ${shellArg(name)}${lakeFlag(lake)}`;
}

export function isDataOutcome(record: Pick<ExecutionRecord, 'status' | 'error'>): boolean {
  return record.status === 'FAILED' && record.error !== null && DATA_OUTCOME_ERRORS.has(record.error);
}

export function replayAdviceFor(
  record: Pick<ExecutionRecord, 'name' | 'status' | 'error' | 'objectKey'>,
  lake?: string,
  /** The workflow's datasets, whose routes the advice for an unknown name spells out. */
  datasets?: readonly Dataset[],
): ReplayAdvice | null {
  if (record.status === 'SUCCEEDED' || record.status === 'RUNNING') return null;
  if (record.error === 'ObjectRejected' && record.objectKey.startsWith(`${UNKNOWN_PREFIX}/`))
    return {
      kind: 'land',
      command: `npx lakestep run --data RENAMED_FILE${lakeFlag(lake)}`,
      why: `its name matches no dataset (unknown_dataset), so a rerun would be rejected again: rename the file to ${datasets ? expectedNames(datasets) : "a name one of the workflow's routes takes (its rejection cause lists them)"} and land it`,
    };
  if (isDataOutcome(record))
    return {
      kind: 'rerun',
      command: rerunCommandFor(record.objectKey, lake),
      why: `${record.error} is a data outcome: fix the data (land a corrected file) or the rules, then rerun the object; redriving its Fail state would only fail again`,
    };
  return {
    kind: 'redrive',
    command: redriveCommandFor(record.name, lake),
    why:
      record.status === 'ABORTED'
        ? 'ABORTED (interrupted, or its process ended): redrive resumes at the state it stopped in'
        : record.status === 'TIMED_OUT'
          ? "TIMED_OUT (the workflow's TimeoutSeconds): after the fix, redrive resumes at the state that was running"
          : `FAILED with ${record.error ?? 'no error'}: a system fault; after the fix, redrive resumes from the state that did not succeed`,
  };
}
