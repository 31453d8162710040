/**
 * The prose of the fetch alarms' runbooks (what on-call does when a scheduled REST fetch fails, runs out
 * of quota, never runs, or a region goes stale). The renderer around it is monitoring-runbooks.ts.
 */
import type { MetricAlarmSpec } from './alarms';
import type { RestSource } from './sources';

export interface FetchSection {
  meaning: string;
  checks: string[];
  diagnose: string[];
  fix: string[];
}

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

export function fetchSection(alarm: MetricAlarmSpec, source: RestSource): FetchSection {
  const fn = `$PREFIX-${kebab(source.function.id)}`;
  const logs = `aws logs tail /aws/lambda/${fn} --since 2h`;
  const secret = `$PREFIX/${source.id}-api-key`;
  const invoke = (region: string) =>
    `aws lambda invoke --function-name ${fn} --cli-binary-format raw-in-base64-out --payload '{"region":"${region}"}' /dev/stdout`;
  const reproduce =
    'Reproduce from a laptop with the same key: `YOUTUBE_API_KEY=… npx lakestep fetch --region <CC> --json` prints the same error for the same answer.';
  switch (alarm.kind) {
    case 'fetchFailed':
      return {
        meaning:
          "The fetch Lambda failed for a region after the API client's own retries (429, 5xx, timeouts, torn answers) and the schedule's retries. Nothing of that region landed for the day: a failed fetch never lands half a region. The error name says which answer it was: `YouTube.KeyInvalid`, `YouTube.Forbidden`, `YouTube.BadRequest`, `YouTube.RegionNotSupported`, `YouTube.ServerError`, `YouTube.Timeout`, `YouTube.MalformedResponse`, or a `ContractError` (the secret has no value, the event is malformed).",
        checks: [
          "Read the error in the function's log (below): its message names the region, the call and what to do.",
          '`YouTube.KeyInvalid` / `YouTube.Forbidden`: the key in the secret is wrong, revoked, or restricted to other callers.',
          '`ContractError … has no value`: the secret was never set after the deployment (docs/fetch.md).',
          '5xx or timeouts for every region: the API is down; the next day fetches again, or invoke by hand later.',
          reproduce,
        ],
        diagnose: [logs, `aws secretsmanager describe-secret --secret-id ${secret}`],
        fix: [
          '# after fixing the key (or when the API is back), fetch the region again by hand:',
          `aws secretsmanager put-secret-value --secret-id ${secret} --secret-string "$YOUTUBE_API_KEY"`,
          invoke('US'),
          '# its upload starts an execution as any upload does; a failed execution is replayed as usual:',
          'npx lakestep replay --aws --failed --since 24h --dry-run',
        ],
      };
    case 'fetchQuotaExhausted':
      return {
        meaning:
          'The YouTube Data API refused a call with `quotaExceeded`: the Google Cloud project has used its daily units (10,000 by default; each fetched region costs 2 to 5). The Lambda does not retry it (nothing can succeed before the quota resets at midnight Pacific Time) and no region fetches until then.',
        checks: [
          'Is another application using the same key or project? The Google Cloud console shows the quota use per API key.',
          'Did someone fetch by hand many times (backfilling days)? Each fetch costs the same units.',
          reproduce,
        ],
        diagnose: [logs],
        fix: [
          '# after the reset (or once Google raised the quota), fetch the missed regions by hand:',
          invoke('US'),
          'npx lakestep replay --aws --failed --since 24h --dry-run',
        ],
      };
    case 'fetchUndelivered':
      return {
        meaning:
          "EventBridge Scheduler could not invoke the fetch function after its retries (the function was throttled, deleted, or the scheduler's role may not invoke it) and put the event in the schedule's dead-letter queue. The region's fetch did not run at all.",
        checks: [
          "Read the message's attributes in the queue: `ERROR_CODE` and `ERROR_MESSAGE` say why the invocation failed.",
          'Was the stack just deployed or changed? A missing permission shows here first.',
        ],
        diagnose: [
          'aws sqs receive-message --queue-url <fetch dead-letter queue url> --attribute-names All --message-attribute-names All',
          `aws scheduler list-schedules --name-prefix $PREFIX-${source.id}`,
        ],
        fix: [
          '# fix the cause, then run the missed fetch by hand (the message body is the schedule input):',
          invoke('US'),
          'npx lakestep replay --aws --failed --since 24h --dry-run',
        ],
      };
    case 'fetchStale':
      return {
        meaning: `One region's staleness alarm (\`$PREFIX-${source.id}-fetch-stale-<cc>\`, one per scheduled region) fired: no statistics file of that region was fetched and landed within ${source.freshnessHours} hours. Either its fetch failed every day (see \`${source.id}-fetch-failed\` and \`${source.id}-fetch-quota-exhausted\`), the schedule did not run (\`${source.id}-fetch-undelivered\`, a disabled schedule), or the region's chart came back empty (a warning in the function's log).`,
        checks: [
          'Which region? The alarm name ends in its code.',
          'Is one of the other fetch alarms in ALARM too? Follow its runbook first.',
          "Is the region's schedule enabled? `aws scheduler get-schedule` shows its state and next run.",
          reproduce,
        ],
        diagnose: [
          `aws scheduler get-schedule --name $PREFIX-${source.id}-<cc>`,
          logs,
          'aws s3 ls s3://<landing bucket>/raw_statistics/region=<cc>/ | sort | tail',
        ],
        fix: [
          invoke('<CC>'),
          '# the landed file starts an execution as any upload does; replay failed ones as usual:',
          'npx lakestep replay --aws --failed --since 48h --dry-run',
        ],
      };
    default:
      throw new Error(`alarm ${alarm.id} is not a fetch alarm`);
  }
}
