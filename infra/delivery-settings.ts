/**
 * Settings of the opt-in delivery pipeline (cdk.json context `lakestep:delivery`), validated at the edge:
 * the CodeConnections repository and branch it builds, the connection, and where the pipeline lives.
 * Pure: no aws-cdk-lib, no process.env.
 */

export interface DeliverySettings {
  /** Off unless set: `cdk synth` then builds only the stage's pipeline stack. */
  readonly enabled: boolean;
  /** `owner/repo` of the repository the connection reaches (GitHub, GitLab, Bitbucket). */
  readonly repository: string;
  readonly branch: string;
  /** arn:aws:codeconnections:… (or the older codestar-connections) of an AVAILABLE connection. */
  readonly connectionArn: string;
  /** The account and region the pipeline, dev and prod deploy to. */
  readonly account: string;
  readonly region: string;
  /** The stages it deploys, in order: the first gets the smoke test, the last waits for approval. */
  readonly stages: readonly string[];
}

export const DELIVERY_DEFAULTS: DeliverySettings = {
  enabled: false,
  repository: '',
  branch: 'main',
  connectionArn: '',
  account: '',
  region: '',
  stages: ['dev', 'prod'],
};

const CHECKS: Readonly<Record<keyof DeliverySettings, (v: unknown) => string | null>> = {
  enabled: (v) => (typeof v === 'boolean' ? null : 'true or false'),
  repository: (v) =>
    typeof v === 'string' && /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(v) ? null : "'owner/repo'",
  branch: (v) => (typeof v === 'string' && /^[^\s~^:?*[\\]+$/.test(v) ? null : 'a branch name'),
  connectionArn: (v) =>
    typeof v === 'string' &&
    /^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]+$/.test(v)
      ? null
      : 'the ARN of a CodeConnections connection (Developer Tools console → Settings → Connections)',
  account: (v) => (typeof v === 'string' && /^\d{12}$/.test(v) ? null : 'a 12-digit account id'),
  region: (v) =>
    typeof v === 'string' && /^[a-z]{2}(-[a-z]+)+-\d$/.test(v) ? null : 'a region such as eu-west-1',
  stages: (v) =>
    Array.isArray(v) && v.length >= 1 && v.every((s) => typeof s === 'string') && new Set(v).size === v.length
      ? null
      : 'a list of distinct stage names, e.g. ["dev", "prod"]',
};

/**
 * The delivery settings from the context value; `knownStages` are cdk.json's `lakestep:stages` keys.
 * Disabled: nothing else is checked. Enabled: every key is, naming each problem.
 */
export function resolveDeliverySettings(context: unknown, knownStages: readonly string[]): DeliverySettings {
  if (context === undefined) return DELIVERY_DEFAULTS;
  if (typeof context !== 'object' || context === null || Array.isArray(context))
    throw new Error(`context lakestep:delivery must be an object, got ${JSON.stringify(context)}`);
  const settings = { ...DELIVERY_DEFAULTS, ...context } as Record<string, unknown>;
  const problems = Object.keys(settings).flatMap((key) => {
    const check = CHECKS[key as keyof DeliverySettings];
    if (!check) return [`${key} is not a setting (settings: ${Object.keys(CHECKS).join(', ')})`];
    if (settings.enabled !== true && key !== 'enabled') return [];
    const expected = check(settings[key]);
    return expected ? [`${key} must be ${expected}, got ${JSON.stringify(settings[key])}`] : [];
  });
  if (settings.enabled === true)
    for (const s of settings.stages as string[])
      if (!knownStages.includes(s))
        problems.push(
          `stages names '${s}', which lakestep:stages does not define (${knownStages.join(', ')})`,
        );
  if (problems.length) throw new Error(`lakestep:delivery: ${problems.join('; ')}`);
  return settings as unknown as DeliverySettings;
}
