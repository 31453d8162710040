/**
 * `lakestep smoke --aws`: proves a deployed stage end to end — uploads one small statistics object to
 * its landing bucket and waits until the execution that upload starts has succeeded. The delivery
 * pipeline runs it after deploying dev; it is as useful by hand after any `cdk deploy`.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { runSmoke } from '../handlers/aws/smoke';
import { generateStatisticsRows } from '../local/sample-data';
import { YOUTUBE_DATASETS } from '../workflows/datasets';
import { parse, UsageError } from './args';
import { bold, dim, red } from './format';

export const SMOKE_USAGE = `usage: lakestep smoke --aws --bucket NAME --state-machine-arn ARN [--region CC] [--timeout 20m] [--json]

  --bucket NAME             the stage's landing bucket (stack output LandingBucketName; env LAKESTEP_LANDING_BUCKET)
  --state-machine-arn ARN   the stage's state machine (stack output StateMachineArn; env LAKESTEP_STATE_MACHINE_ARN)
  --region CC               the smoke object's region (default ZZ: a region no real file has, so its rows
                            stay apart from real analytics)
  --timeout D               how long to wait for the execution to end (default 20m; 30s, 5m, 1h)
  --json                    print exactly one JSON document on stdout

Uploads <CC>videos_smoke-<time>.csv (50 generated rows) under its dataset key, then follows the execution
the upload starts until it ends. Exit 0 when it SUCCEEDED, 1 otherwise, 2 for usage errors.`;

/** A small, passing statistics file under a name that is new on every run (never a duplicate event). */
export function smokeObject(region: string, at: Date, rows = 50): { fileName: string; body: string } {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const body = [...generateStatisticsRows({ region, rows, seed: at.getTime() % 1_000_000 })].join('');
  return { fileName: `${region}videos_smoke-${stamp}.csv`, body };
}

export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(text);
  if (!m) throw new UsageError(`lakestep smoke: --timeout ${text} is not a duration like 30s, 20m or 1h`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}

export async function smokeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      aws: { type: 'boolean', default: false },
      bucket: { type: 'string' },
      'state-machine-arn': { type: 'string' },
      region: { type: 'string', default: 'ZZ' },
      timeout: { type: 'string', default: '20m' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    'smoke',
  );
  if (values.help) {
    console.log(SMOKE_USAGE);
    return 0;
  }
  if (positionals.length) throw new UsageError(`lakestep smoke: unexpected argument "${positionals[0]}"`);
  if (!values.aws)
    throw new UsageError(
      `lakestep smoke: only --aws is supported (locally, \`lakestep run\` is the smoke test)\n\n${SMOKE_USAGE}`,
    );
  const bucket = values.bucket ?? process.env.LAKESTEP_LANDING_BUCKET;
  const stateMachineArn = values['state-machine-arn'] ?? process.env.LAKESTEP_STATE_MACHINE_ARN;
  if (!bucket || !stateMachineArn)
    throw new UsageError(`lakestep smoke: --bucket and --state-machine-arn are required\n\n${SMOKE_USAGE}`);
  const region = String(values.region).toUpperCase();
  if (!/^[A-Z]{2}$/.test(region)) throw new UsageError('lakestep smoke: --region must be two letters');
  const timeoutMs = parseDuration(String(values.timeout));
  const json = values.json === true;
  const print = json ? (s: string) => process.stderr.write(`${s}\n`) : (s: string) => console.log(dim(s));
  const result = await runSmoke({
    s3: new S3Client({}),
    sfn: new SFNClient({}),
    bucket,
    stateMachineArn,
    // The smoke object is a YouTube statistics file: the smoke test is the built-in workflow's.
    datasets: YOUTUBE_DATASETS,
    object: smokeObject(region, new Date()),
    timeoutMs,
    progress: print,
  });
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (result.status === 'SUCCEEDED')
    console.log(bold(`✓ smoke passed: ${result.key} succeeded in ${(result.waitedMs / 1000).toFixed(0)} s`));
  else
    console.log(
      red(`✗ smoke failed: ${result.status}${result.error ? ` (${result.error})` : ''}`) +
        (result.cause ? `\n  ${result.cause}` : '') +
        `\n  execution: ${result.executionArn}`,
    );
  return result.status === 'SUCCEEDED' ? 0 : 1;
}
