/**
 * Errors that cross the task boundary. Their `name` is what Step Functions matches in Retry/Catch and
 * what alarms count, so names are stable API; messages say what was wrong, with which object, and what to do.
 */
export class LakeError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/** The object an event or a batch points at is not there (deleted, or never written). Not retried. */
export class ObjectNotFoundError extends LakeError {
  constructor(bucket: string, key: string, what: string) {
    super(
      'Lake.ObjectNotFound',
      `${what} s3://${bucket}/${key} does not exist. If it was deleted after landing, land it again; if it is a batch file, rerun the object.`,
    );
  }
}

/** Storage throttled or unavailable: transient, retried by the workflow's Lake.Unavailable rule. */
export class StorageUnavailableError extends LakeError {
  constructor(operation: string, bucket: string, key: string, cause: unknown) {
    super(
      'Lake.Unavailable',
      `${operation} s3://${bucket}/${key} failed transiently (${describe(cause)}); the step retries it.`,
      { cause },
    );
  }
}

/** An input that breaks the contract between two steps: a bug or a hand-edited batch. Not retried. */
export class ContractError extends LakeError {
  constructor(message: string) {
    super('Lake.ContractViolation', message);
  }
}

/** An error as a message may quote it: name and message, capped (a driver may echo a whole value). */
/**
 * An object too large for a step that must hold it whole (a JSON document is parsed in memory):
 * a system fault naming the object and the bound, never a RangeError. Not retried: it would fail again.
 */
export class ObjectTooLargeError extends LakeError {
  constructor(bucket: string, key: string, what: string, limit: string) {
    super(
      'Lake.ObjectTooLarge',
      `${what} s3://${bucket}/${key} is larger than ${limit}, which this step holds whole in memory; the landed original is untouched. Check the file (a JSON document dataset is meant for reference lists and API pages; declare a large one as jsonLines) and land a corrected one.`,
    );
  }
}

export function describe(e: unknown): string {
  return capText(e instanceof Error ? `${e.name}: ${e.message}` : String(e), 1000);
}

/** How many characters of an outside value an error, log line or event shows. */
export const SHOWN_CHARACTERS = 120;

/**
 * An outside value (a header, a field, a name, an id) as it may appear in a message: whole when short,
 * else a short prefix and its length, so a 600 MB field never grows a cause, a log line or an event.
 */
export function capText(value: string, shown = SHOWN_CHARACTERS): string {
  if (value.length <= shown) return value;
  let cut = shown;
  const last = value.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--; // never split a surrogate pair
  return `${value.slice(0, cut)}… (${value.length} characters)`;
}
