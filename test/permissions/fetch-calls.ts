/**
 * The scheduled fetch's calls: the fetch Lambda's real core against the local fake of the YouTube API
 * for every region a schedule of the stack names (its files landed on the recording storage), the API
 * key read from its secret (decrypted through Secrets Manager), and the scheduler invoking it.
 */
import { fetchRegions, landFetched } from '../../handlers/core/fetch-trending';
import { fetchHttpGet, YouTubeApi } from '../../handlers/core/youtube-api';
import { FAKE_KEY, FakeYouTube, realChartItems } from '../helpers/fake-youtube';
import { type AwsCall, RecordingStorage, stamp } from './calls';
import type { Deployed } from './deployed';
import { lambdaRuntimeCalls } from './lambda-calls';
import type { ProofInput } from './principal';
import { type Json, REGION } from './template';

interface ScheduleTarget {
  Arn: Json;
  RoleArn: Json;
  Input?: string;
  DeadLetterConfig?: { Arn: Json };
}

/** The stack's schedules' targets. */
export function scheduleTargets(d: Deployed): ScheduleTarget[] {
  return Object.values(d.template.Resources)
    .filter((r) => r.Type === 'AWS::Scheduler::Schedule')
    .map((r) => r.Properties?.Target as unknown as ScheduleTarget);
}

/** The function a schedule invokes, by name (null: the stage fetches nothing). */
export function fetchFunctionName(d: Deployed): string | null {
  const [target] = scheduleTargets(d);
  if (!target) return null;
  const arn = d.resolver.string(target.Arn);
  return arn.slice(arn.lastIndexOf(':') + 1);
}

export async function fetchCalls({ deployed: d }: ProofInput): Promise<AwsCall[]> {
  const name = fetchFunctionName(d);
  if (!name) return [];
  const env = d.environment(name);
  const secret = env.API_KEY_SECRET_ID ?? '';
  const calls: AwsCall[] = [];
  const record = (c: AwsCall[]) => calls.push(...stamp(c));
  const regions = scheduleTargets(d).map((t) => (JSON.parse(t.Input ?? '{}') as { region: string }).region);
  const fake = new FakeYouTube();
  const api = new YouTubeApi({ baseUrl: await fake.start(), apiKey: FAKE_KEY, http: fetchHttpGet });
  try {
    for (const region of regions) {
      fake.charts.set(region, realChartItems());
      fake.categories.set(region, fake.categories.get('US'));
      record([
        {
          action: 'secretsmanager:GetSecretValue',
          resource: secret,
          because: `the API key, fetching ${region}`,
        },
        {
          action: 'kms:Decrypt',
          resource: d.keyOf(secret),
          context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
          because: 'Secrets Manager decrypts the secret with its key for the caller',
        },
      ]);
      const storage = new RecordingStorage({ write: async () => {} } as never, (b) => b, record);
      const results = await fetchRegions(api, [region], '2026-12-01');
      for (const r of results) {
        if (r.error) throw new Error(`the fake fetch of ${region} failed: ${r.error.message}`);
        await landFetched(r, storage, env.LANDING_BUCKET ?? '');
      }
    }
  } finally {
    await fake.stop();
  }
  return [...calls, ...lambdaRuntimeCalls(d, name)];
}

/** EventBridge Scheduler, with its role: invokes the target, dead-letters what it could not deliver. */
export function schedulerCalls({ deployed: d }: ProofInput): AwsCall[] {
  return stamp(
    scheduleTargets(d).flatMap((t) => [
      { action: 'lambda:InvokeFunction', resource: d.resolver.string(t.Arn), because: `schedule ${t.Input}` },
      ...(t.DeadLetterConfig
        ? [
            {
              action: 'sqs:SendMessage',
              resource: d.resolver.string(t.DeadLetterConfig.Arn),
              because: `schedule ${t.Input}: an invocation it could not deliver`,
            },
          ]
        : []),
    ]),
  );
}

/** The scheduler's role (the same for every schedule), if the stage schedules a fetch. */
export function schedulerRole(d: Deployed): string | null {
  const [target] = scheduleTargets(d);
  const role = (target?.RoleArn as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
  return role ?? null;
}
