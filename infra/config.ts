/**
 * Per-stage settings of the deployment: the one place their defaults live. cdk.json's context
 * `lakestep:stages` overrides them per stage; `resolveStageSettings` validates the overrides at the edge
 * so that no construct ever sees a half-typed value. Pure: no aws-cdk-lib, no process.env.
 */

export type PowertoolsLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface StageSettings {
  /** Prefix of physical names (functions, job, crawler, workgroup, state machine): `lakestep-<stage>`. */
  readonly namePrefix: string;
  /** Subscribed to both alert topics; empty: no subscription (confirm the e-mail after deploying). */
  readonly alertEmail: string;
  /** CloudWatch Logs retention of every log group, in days (a value CloudWatch accepts). */
  readonly logRetentionDays: number;
  /** Days a replaced or deleted object version is kept before it expires. */
  readonly noncurrentVersionExpirationDays: number;
  /** POWERTOOLS_LOG_LEVEL of every function. */
  readonly logLevel: PowertoolsLogLevel;
  /** Whether the state machine's log events carry inputs and outputs (object keys, batch details). */
  readonly includeExecutionData: boolean;
  /** Athena cancels a query of the workgroup that scans more than this (Athena's minimum is 10 MB). */
  readonly bytesScannedCutoffMb: number;
  /** `destroy` empties and deletes buckets, table and key with the stack; `retain` keeps them. */
  readonly removal: 'destroy' | 'retain';
  /** How many transform job runs may run at once (one per landed statistics object). */
  readonly transformMaxConcurrentRuns: number;
  /**
   * Where alarm descriptions and the dashboard link the runbooks: an https URL ending in `/` under which
   * `<alarm>.md` is found (e.g. the repository's docs/runbooks/ on its web host); '' for the path in the repository.
   */
  readonly runbookBaseUrl: string;
  /** The analytics API's usage plan: steady requests per second, burst, and requests per day per key. */
  readonly apiThrottleRateLimit: number;
  readonly apiThrottleBurstLimit: number;
  readonly apiQuotaPerDay: number;
  /** QuickSight (opt-in: it needs an account subscription): the user or group ARN the dashboard is shared with; '' for none. */
  readonly quicksightPrincipalArn: string;
  /**
   * Regions whose trending chart the stage fetches daily from the YouTube Data API (uppercase codes of
   * workflows/sources.ts); [] deploys no fetch at all.
   */
  readonly fetchRegions: readonly string[];
  /** When the daily fetches run, `HH:MM` in UTC. */
  readonly fetchTimeUtc: string;
}

/** Production-safe defaults; a stage relaxes them in cdk.json. */
export const DEFAULT_STAGE_SETTINGS: Omit<StageSettings, 'namePrefix'> = {
  alertEmail: '',
  logRetentionDays: 90,
  noncurrentVersionExpirationDays: 30,
  logLevel: 'INFO',
  includeExecutionData: false,
  bytesScannedCutoffMb: 10_240,
  removal: 'retain',
  transformMaxConcurrentRuns: 10,
  runbookBaseUrl: '',
  apiThrottleRateLimit: 20,
  apiThrottleBurstLimit: 40,
  apiQuotaPerDay: 50_000,
  quicksightPrincipalArn: '',
  fetchRegions: [],
  fetchTimeUtc: '06:00',
};

/** Lifecycle and sizing constants that are the same in every stage. */
export const LAKE_DEFAULTS = {
  /** Staged batches are promoted or quarantined within one execution; what is left is debris. */
  stagingExpirationDays: 7,
  /** Raw objects (landing, bronze) are read again only by replays and backfills. */
  infrequentAccessAfterDays: 30,
  /** Glacier Instant Retrieval keeps millisecond reads, so a replay of an old object still works. */
  glacierInstantRetrievalAfterDays: 90,
  incompleteMultipartUploadDays: 7,
  accessLogExpirationDays: 365,
  athenaResultsExpirationDays: 30,
  /** Glue 5.0's smallest Spark job; a landed object is one CSV of at most a few hundred MB. */
  transformWorkers: 2,
  /** EventBridge → Lambda delivery: retried with back-off for up to this long, then dead-lettered. */
  eventRetryAttempts: 8,
  eventMaxAgeHours: 2,
  deadLetterRetentionDays: 14,
} as const;

/** CloudWatch Logs' accepted retention values. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
const LOG_LEVELS: readonly PowertoolsLogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Validated here because the stage ends up in names with different charsets (`-` vs `_`). */
export function checkStageName(stage: string): void {
  if (!/^[a-z][a-z0-9]{0,15}$/.test(stage)) {
    throw new Error(`stage '${stage}' must be 1-16 lowercase letters or digits, starting with a letter`);
  }
}

type Check = (value: unknown) => string | null;
const integer =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? null
      : `an integer from ${min} to ${max}`;
const CHECKS: Readonly<Record<keyof StageSettings, Check>> = {
  namePrefix: (v) =>
    typeof v === 'string' && /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/.test(v)
      ? null
      : 'lowercase letters, digits and inner hyphens, at most 24 characters',
  alertEmail: (v) =>
    typeof v === 'string' && (v === '' || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v))
      ? null
      : "an e-mail address, or '' for none",
  logRetentionDays: (v) =>
    typeof v === 'number' && RETENTION_DAYS.includes(v) ? null : `one of ${RETENTION_DAYS.join(', ')}`,
  noncurrentVersionExpirationDays: integer(1, 3650),
  logLevel: (v) => (LOG_LEVELS.includes(v as PowertoolsLogLevel) ? null : `one of ${LOG_LEVELS.join(', ')}`),
  includeExecutionData: (v) => (typeof v === 'boolean' ? null : 'true or false'),
  bytesScannedCutoffMb: integer(10, 1_048_576),
  removal: (v) => (v === 'destroy' || v === 'retain' ? null : "'destroy' or 'retain'"),
  transformMaxConcurrentRuns: integer(1, 1000),
  runbookBaseUrl: (v) =>
    typeof v === 'string' && (v === '' || /^https:\/\/[^\s]+\/$/.test(v))
      ? null
      : "an https URL ending in '/', or '' for the repository path",
  apiThrottleRateLimit: integer(1, 10_000),
  apiThrottleBurstLimit: integer(1, 5_000),
  apiQuotaPerDay: integer(1, 100_000_000),
  quicksightPrincipalArn: (v) =>
    typeof v === 'string' &&
    (v === '' || /^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:\d{12}:(user|group)\/.+$/.test(v))
      ? null
      : "a QuickSight user or group ARN, or '' for no QuickSight",
  fetchRegions: (v) =>
    Array.isArray(v) &&
    v.every((r) => typeof r === 'string' && /^[A-Z]{2}$/.test(r)) &&
    new Set(v).size === v.length
      ? null
      : 'a list of distinct uppercase two-letter region codes, e.g. ["US", "GB"]',
  fetchTimeUtc: (v) =>
    typeof v === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(v) ? null : "a time 'HH:MM' in UTC",
};

/**
 * The settings of a stage: defaults, then `overrides` (one stage's entry of `lakestep:stages`).
 * Throws, naming every bad key, on unknown keys or values of the wrong kind.
 */
export function resolveStageSettings(stage: string, overrides: unknown = {}): StageSettings {
  checkStageName(stage);
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new Error(`lakestep:stages.${stage} must be an object, got ${JSON.stringify(overrides)}`);
  }
  const settings: Record<string, unknown> = {
    namePrefix: `lakestep-${stage}`,
    ...DEFAULT_STAGE_SETTINGS,
    ...overrides,
  };
  const problems = Object.keys(settings).flatMap((key) => {
    const check = CHECKS[key as keyof StageSettings];
    if (!check) return [`${key} is not a setting (settings: ${Object.keys(CHECKS).join(', ')})`];
    const expected = check(settings[key]);
    return expected ? [`${key} must be ${expected}, got ${JSON.stringify(settings[key])}`] : [];
  });
  if (problems.length) throw new Error(`lakestep:stages.${stage}: ${problems.join('; ')}`);
  return settings as unknown as StageSettings;
}

/**
 * The stage's entry of the `lakestep:stages` context value (cdk.json). A stage it does not list is
 * refused, naming the known ones: a typo (`-c lakestep:stage=prd`) would otherwise synthesize, and
 * deploy, a whole new stack with the defaults.
 */
export function stageOverridesFrom(stagesContext: unknown, stage: string): unknown {
  if (stagesContext === undefined) return {};
  if (typeof stagesContext !== 'object' || stagesContext === null) {
    throw new Error(`context lakestep:stages must be an object keyed by stage name`);
  }
  const stages = stagesContext as Record<string, unknown>;
  if (!Object.hasOwn(stages, stage)) {
    const known = Object.keys(stages);
    throw new Error(
      `unknown stage '${stage}' (known stages: ${known.join(', ')}): pass -c lakestep:stage=${known[0] ?? 'NAME'}, or add '${stage}' to cdk.json's "lakestep:stages"`,
    );
  }
  return stages[stage];
}

/** Glue database names use `_`: Athena SQL cannot use `-` in an unquoted name. */
export const databasePrefixOf = (namePrefix: string) => namePrefix.replaceAll('-', '_');
