/**
 * The scheduled fetch on AWS, as synthesized with the dev settings of cdk.json: the Lambda, the secret
 * (created without a value, under its own customer key), one schedule per region with retries and a
 * dead-letter queue, least-privilege grants, and the fetch alarms with their runbooks. A stage without
 * regions deploys none of it; a region the source does not declare, or a bad time, fails the synth.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stageOverridesFrom } from '../infra/config';
import { alarmName } from '../infra/pipeline-alarms';
import { PipelineStack } from '../infra/pipeline-stack';
import { fetchAlarmsFor } from '../workflows/fetch-alarms';
import { YOUTUBE_TRENDING_SOURCE } from '../workflows/sources';

const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'));
const devSettings = stageOverridesFrom(cdkJson.context['lakestep:stages'], 'dev') as Record<string, unknown>;

type Resource = { Type: string; Properties: Record<string, unknown> };

function synth(settings: Record<string, unknown>, id = 'Fetch') {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PipelineStack(app, id, { stage: 'dev', settings });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

const { resources } = synth(devSettings);
function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`no ${what} in the template`);
  return v;
}
const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const regions = devSettings.fetchRegions as string[];

describe('the fetch Lambda and its secret', () => {
  const fn = byType('AWS::Lambda::Function').find(
    ([, r]) => r.Properties.FunctionName === 'lakestep-dev-fetch-trending',
  )?.[1];
  const fetchSecrets = () =>
    byType('AWS::SecretsManager::Secret').filter(([id]) => id.startsWith('Sourceyoutubetrending'));
  const secret = fetchSecrets()[0]?.[1];

  it('runs on Node.js 24, arm64, with the secret and the landing bucket in its environment', () => {
    expect(fn?.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 120 });
    const env = (must(fn, 'fetch function').Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining(['API_KEY_SECRET_ID', 'LANDING_BUCKET', 'POWERTOOLS_SERVICE_NAME']),
    );
  });

  it('creates the secret without a value, encrypted with a customer key that rotates', () => {
    expect(fetchSecrets()).toHaveLength(1);
    expect(secret?.Properties).toMatchObject({ Name: 'lakestep-dev/youtube-trending-api-key' });
    expect(secret?.Properties).not.toHaveProperty('GenerateSecretString');
    expect(secret?.Properties).not.toHaveProperty('SecretString');
    const keyId = (must(secret, 'secret').Properties.KmsKeyId as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0] as string;
    expect(resources[keyId]?.Type).toBe('AWS::KMS::Key');
    expect(resources[keyId]?.Properties.EnableKeyRotation).toBe(true);
  });

  it('may read that one secret, decrypt through Secrets Manager only, and put only landing keys', () => {
    const roleId = (must(fn, 'fetch function').Properties.Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0];
    const policy = byType('AWS::IAM::Policy').find(([, p]) =>
      JSON.stringify(p.Properties.Roles).includes(roleId as string),
    )?.[1];
    const statements = (
      must(policy, 'policy').Properties.PolicyDocument as { Statement: Record<string, unknown>[] }
    ).Statement;
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).not.toContain('*');
    expect(
      actions.filter((a) => !String(a).startsWith('logs:') && !String(a).startsWith('xray:')).sort(),
    ).toEqual(['kms:Decrypt', 's3:PutObject', 'secretsmanager:GetSecretValue']);
    const get = statements.find((s) => s.Action === 'secretsmanager:GetSecretValue');
    expect(get?.Resource).toEqual({ Ref: expect.stringMatching(/ApiKey/) });
    const decrypt = statements.find((s) => s.Action === 'kms:Decrypt');
    expect(JSON.stringify(decrypt?.Condition)).toContain('kms:ViaService');
    const put = JSON.stringify(statements.find((s) => s.Action === 's3:PutObject')?.Resource);
    expect(put).toContain('/raw_statistics/region=*');
    expect(put).toContain('/raw_statistics_reference_data/region=*');
  });
});

describe('the schedules', () => {
  const schedules = byType('AWS::Scheduler::Schedule').map(([, r]) => r.Properties);

  it('runs one daily schedule per region of the stage, at its time in UTC, with retries and a DLQ', () => {
    expect(schedules).toHaveLength(regions.length);
    const [hh, mm] = (devSettings.fetchTimeUtc as string).split(':').map(Number);
    for (const region of regions) {
      const s = schedules.find((x) => x.Name === `lakestep-dev-youtube-trending-${region.toLowerCase()}`);
      expect(s).toMatchObject({
        ScheduleExpression: `cron(${mm} ${hh} * * ? *)`,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
      });
      const target = s?.Target as Record<string, unknown>;
      expect(JSON.parse(target.Input as string)).toEqual({ region });
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
      expect(JSON.stringify(target.DeadLetterConfig)).toMatch(/DeadLetters/);
    }
  });

  it('lets the scheduler invoke only the fetch function, from this account', () => {
    const role = byType('AWS::IAM::Role').find(([id]) => id.includes('SchedulerRole'))?.[1];
    expect(JSON.stringify(role?.Properties.AssumeRolePolicyDocument)).toContain('aws:SourceAccount');
    const policy = byType('AWS::IAM::Policy').find(([id]) => id.includes('SchedulerRole'))?.[1];
    const statements = (
      must(policy, 'policy').Properties.PolicyDocument as { Statement: Record<string, unknown>[] }
    ).Statement;
    expect(statements.map((s) => s.Action).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });
});

describe('the fetch alarms', () => {
  const specs = fetchAlarmsFor(YOUTUBE_TRENDING_SOURCE, regions);
  const alarms = byType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);

  it('deploys every fetch alarm of the stage, one staleness alarm per region, each with its runbook', () => {
    expect(specs.map((s) => s.id)).toEqual(
      expect.arrayContaining([
        'youtube-trending-fetch-failed',
        'youtube-trending-fetch-quota-exhausted',
        'youtube-trending-fetch-undelivered',
        ...regions.map((r) => `youtube-trending-fetch-stale-${r.toLowerCase()}`),
      ]),
    );
    for (const spec of specs) {
      const a = alarms.find((x) => x.AlarmName === alarmName('lakestep-dev', spec.id));
      expect([spec.id, Boolean(a)]).toEqual([spec.id, true]);
      expect(a?.AlarmDescription).toContain(spec.runbook);
      expect(JSON.stringify(a?.AlarmActions)).toMatch(/AlertsNotices/);
    }
    const stale = alarms.find((x) => x.AlarmName === 'lakestep-dev-youtube-trending-fetch-stale-us');
    expect(stale).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: YOUTUBE_TRENDING_SOURCE.freshnessHours,
      TreatMissingData: 'breaching',
      Dimensions: expect.arrayContaining([{ Name: 'region', Value: 'us' }]),
    });
  });
});

describe('stage settings', () => {
  it('a stage without regions deploys no fetch', () => {
    const none = synth({ ...devSettings, fetchRegions: [] }, 'NoFetch');
    none.template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(Object.keys(none.resources).filter((id) => id.startsWith('Sourceyoutubetrending'))).toEqual([]);
  });

  it('a region the source does not declare, or a bad time, fails the synth naming the fix', () => {
    expect(() => synth({ ...devSettings, fetchRegions: ['BR'] }, 'Br')).toThrow(
      /region BR is not one of its regions .*workflows\/sources\.ts/,
    );
    expect(() => synth({ ...devSettings, fetchTimeUtc: '25:00' }, 'Late')).toThrow(
      /fetchTimeUtc must be a time/,
    );
    expect(() => synth({ ...devSettings, fetchRegions: ['us'] }, 'Lower')).toThrow(/fetchRegions must be/);
  });
});
