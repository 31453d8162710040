/**
 * `lakestep backfill --aws s3://BUCKET/PREFIX`: start the deployed pipeline for every object already
 * under a prefix of the landing bucket, paced, resumable, with a progress line and a summary. The AWS
 * logic is handlers/aws/backfill*.ts; this file reads flags, talks to the terminal and prints.
 * Locally `lakestep run --data DIR` is the backfill.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type BackfillReport, listAll, type Progress, runBackfill } from '../handlers/aws/backfill';
import { parseS3Url } from '../handlers/aws/backfill-plan';
import { BackfillError, listObjects, starterOn } from '../handlers/aws/backfill-ports';
import { DEFAULT_BACKOFF, type PacingDeps, realSleep } from '../handlers/aws/pacing';
import { parseStateMachineArn } from '../handlers/aws/sfn-arn';
import { assertStandardStateMachine, ReplayError } from '../handlers/aws/sfn-replay';
import { WORKFLOWS, workflowNamed } from '../workflows/project';
import { parse, UsageError } from './args';
import { bold, dim, green, red, yellow } from './format';

export const DEFAULT_RATE_PER_MINUTE = 300;
const DEFAULT_CONCURRENCY = 5;
const MAX_CONCURRENCY = 50;

export const BACKFILL_USAGE = `usage: lakestep backfill --aws s3://BUCKET/PREFIX [--state-machine-arn ARN] [--workflow NAME] [--rate N] [--concurrency N] [--dry-run] [--json]

Start the deployed pipeline for every object already under a prefix of the landing bucket (all pages
of the listing), as the upload trigger would: the same input and execution name (key and ETag), so an
object the trigger or an earlier backfill started is "already started" and running it twice is safe.

  s3://BUCKET/PREFIX       the stage's landing bucket (stack output LandingBucketName) and a key prefix
                           (e.g. raw_statistics/region=us/; empty for the whole bucket)
  --state-machine-arn ARN  the state machine (default: $LAKESTEP_STATE_MACHINE_ARN, the stack output StateMachineArn)
  --workflow NAME          the deployed workflow, whose routes name each object's dataset in the report (default: any workflow's)
  --rate N                 starts per minute at most (default ${DEFAULT_RATE_PER_MINUTE}); for Glue-bound objects keep it near the
                           transform gate's throughput (slots / minutes per run), so executions do not queue for hours
  --concurrency N          StartExecution calls in flight at once, 1-${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY}; throttling backs off)
  --dry-run                list and plan only; nothing is started
  --json                   one JSON document on stdout instead of the human report

Skipped, with the reason: folder placeholders (keys ending in /) and objects in GLACIER or DEEP_ARCHIVE
(restore them first). Locally, \`lakestep run --data DIR\` is the backfill (with --concurrency).
Exit: 0 every object started, already started or skipped; 1 a start failed or nothing to backfill; 2 usage error.`;

export interface BackfillIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly errIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly s3For: (region: string) => S3Client;
  readonly sfnFor: (region: string) => SFNClient;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly now: () => Date;
}

function processIo(): BackfillIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    errIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    // One retry policy, ours (pacing.ts): the SDK's own retries would multiply its attempts.
    s3For: (region) => new S3Client({ region, maxAttempts: 1 }),
    sfnFor: (region) => new SFNClient({ region, maxAttempts: 1 }),
    sleep: realSleep,
    random: Math.random,
    now: () => new Date(),
  };
}

export async function backfillCommand(argv: string[]): Promise<number> {
  return runBackfillCommand(argv, processIo());
}

const CMD = 'lakestep backfill';

function wholeNumber(flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`${CMD}: ${flag} "${value}" must be a whole number from 1 to ${max}`);
  return n;
}

/** The workflow named by --workflow, or the project's only one; anything else is a usage error. */
function backfillWorkflow(name: string | undefined) {
  try {
    return workflowNamed(name);
  } catch (e) {
    throw new UsageError(`${CMD}: ${(e as Error).message}`);
  }
}

export async function runBackfillCommand(argv: string[], io: BackfillIo): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      aws: { type: 'boolean', default: false },
      'state-machine-arn': { type: 'string' },
      workflow: { type: 'string' },
      rate: { type: 'string' },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    'backfill',
  );
  if (values.help) {
    io.out(`${BACKFILL_USAGE}\n`);
    return 0;
  }
  // The routes only name each start's dataset in the report: without --workflow, every workflow's.
  const datasets = values.workflow
    ? backfillWorkflow(values.workflow).datasets
    : WORKFLOWS.flatMap((w) => w.datasets);
  if (!values.aws)
    throw new UsageError(
      `${CMD}: only --aws is a backfill of its own; locally, run the files: lakestep run --data DIR [--recursive] [--concurrency N]`,
    );
  if (positionals.length !== 1)
    throw new UsageError(
      `${CMD} --aws: name exactly one s3://BUCKET/PREFIX (got ${positionals.length})\n\n${BACKFILL_USAGE}`,
    );
  const url = positionals[0] as string;
  const where = parseS3Url(url);
  if ('problem' in where) throw new UsageError(`${CMD} --aws: ${where.problem}`);
  const machineArn = values['state-machine-arn'] ?? io.env.LAKESTEP_STATE_MACHINE_ARN;
  if (!machineArn)
    throw new UsageError(
      `${CMD} --aws: which state machine? Pass --state-machine-arn ARN or set LAKESTEP_STATE_MACHINE_ARN (the stack's StateMachineArn output)`,
    );
  const machine = parseStateMachineArn(machineArn);
  if (!machine)
    throw new UsageError(
      `${CMD} --aws: ${values['state-machine-arn'] ? '--state-machine-arn' : 'LAKESTEP_STATE_MACHINE_ARN'} "${machineArn}" is not a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)`,
    );
  const rate = wholeNumber('--rate', values.rate, DEFAULT_RATE_PER_MINUTE, 60_000);
  const concurrency = wholeNumber('--concurrency', values.concurrency, DEFAULT_CONCURRENCY, MAX_CONCURRENCY);

  const sfn = io.sfnFor(machine.region);
  const s3 = io.s3For(machine.region);
  const pacing: PacingDeps = { sleep: io.sleep, random: io.random, backoff: DEFAULT_BACKOFF };
  const fail = (message: string) => {
    if (values.json) io.out(`${JSON.stringify({ error: message }, null, 2)}\n`);
    else io.err(`${red('✗')} ${CMD}: ${message}\n`);
    return 1;
  };
  try {
    // Express executions are not idempotent by name: a backfill of one would start duplicates.
    await assertStandardStateMachine({ ...pacing, client: sfn, concurrency }, machineArn);
    const ports = {
      ...pacing,
      now: io.now,
      list: (bucket: string, prefix: string) => listObjects(s3, pacing, bucket, prefix),
      start: starterOn(sfn, machineArn),
    };
    if (!values.json && io.errIsTTY) io.err(`listing s3://${where.bucket}/${where.prefix}…`);
    const objects = await listAll(ports, where.bucket, where.prefix);
    if (!values.json && io.errIsTTY) io.err('\r\x1b[2K');
    if (objects.length === 0)
      return fail(
        `nothing to backfill: no objects under s3://${where.bucket}/${where.prefix} (check the bucket and the prefix: landed keys look like raw_statistics/region=us/USvideos.csv)`,
      );
    const began = io.now().getTime();
    const report = await runBackfill(
      ports,
      {
        bucket: where.bucket,
        prefix: where.prefix,
        region: machine.region,
        account: machine.account,
        datasets,
        stateMachineArn: machineArn,
        ratePerMinute: rate,
        concurrency,
        dryRun: values['dry-run'],
      },
      objects,
      values.json ? undefined : progressLine(io, began),
    );
    if (!values.json && io.errIsTTY) io.err('\r\x1b[2K');
    const doc = {
      bucket: where.bucket,
      prefix: where.prefix,
      stateMachineArn: machineArn,
      dryRun: values['dry-run'],
      ratePerMinute: rate,
      ...report,
    };
    if (values.json) io.out(`${JSON.stringify(doc, null, 2)}\n`);
    else io.out(humanReport(report, `s3://${where.bucket}/${where.prefix}`, machineArn, values['dry-run']));
    return report.summary.failed > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof BackfillError || e instanceof ReplayError) return fail(e.message);
    throw e;
  }
}

/** One line on stderr: redrawn in place on a terminal, every 10% (and at the end) otherwise. */
function progressLine(io: BackfillIo, began: number) {
  let lastDecile = -1;
  return (p: Progress) => {
    const elapsed = (io.now().getTime() - began) / 1000;
    const eta = p.done ? Math.round((elapsed / p.done) * (p.total - p.done)) : 0;
    const line = `[${p.done}/${p.total}] started ${p.started}, already started ${p.alreadyStarted}, failed ${p.failed}${p.done < p.total ? ` · ETA ${eta} s` : ''}`;
    if (io.errIsTTY) io.err(`\r\x1b[2K${line}`);
    else {
      const decile = Math.floor((p.done / p.total) * 10);
      if (decile !== lastDecile) io.err(`${line}\n`);
      lastDecile = decile;
    }
  };
}

export function humanReport(
  report: BackfillReport,
  where: string,
  machineArn: string,
  dryRun: boolean,
): string {
  const lines: string[] = [];
  for (const o of report.objects) {
    if (o.outcome === 'skipped') lines.push(`  ${yellow('–')} ${o.key}: skipped (${o.reason}): ${o.message}`);
    else if (o.outcome === 'failed')
      lines.push(`  ${red('✗')} ${o.key}: not started (${o.name}): ${o.error}`);
  }
  const s = report.summary;
  const skipped = Object.entries(s.skipped).sort(([a], [b]) => a.localeCompare(b));
  const skippedText = skipped.length
    ? `${skipped.reduce((n, [, c]) => n + (c ?? 0), 0)} skipped (${skipped.map(([r, c]) => `${c} ${r}`).join(', ')})`
    : '0 skipped';
  const datasets = Object.entries(s.byDataset)
    .map(([d, n]) => `${n} ${d}`)
    .join(', ');
  const head = dryRun
    ? `${bold('Dry run')}: ${s.wouldStart} would start`
    : `${green(`${s.started} started`)}, ${s.alreadyStarted} already started`;
  lines.push(
    `${bold('Backfill')} of ${where} → ${machineArn}: ${report.listed} objects listed${datasets ? ` (${datasets})` : ''}`,
    `Summary: ${head}, ${skippedText}, ${s.failed ? red(`${s.failed} failed`) : '0 failed'}${s.throttled ? dim(` (${s.throttled} throttled calls retried)`) : ''}.`,
  );
  if (s.failed)
    lines.push(dim('Run the same command again after the fix: what started is not started twice.'));
  return `${lines.join('\n')}\n`;
}
