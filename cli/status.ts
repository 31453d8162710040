/**
 * `lakestep status`: the local health picture — recent executions, failures grouped by failed state and
 * error, DQ outcomes, the generated alarms that would be in ALARM under the same thresholds as on AWS,
 * and the command that fixes each unresolved failure.
 */
import { type AlarmState, type ExecutionHealth, type HealthReport, lakeHealth } from '../local/health';
import { lakePaths } from '../local/lake';
import { type LandingInterruption, unresolvedInterruption } from '../local/landing-interruptions';
import { chosenWorkflow, parse, UsageError, WORKFLOW_USAGE } from './args';
import { bold, dim, green, ms, plural, red, table, yellow } from './format';

export const STATUS_USAGE = `usage: lakestep status [--lake DIR] [--json] [--limit N] [--now | --as-of TIME]

  --lake DIR     the local lake (default ./.lakestep)
${WORKFLOW_USAGE}
  --json         print exactly one JSON document on stdout
  --limit N      how many recent executions to list (default 20)
  --now          evaluate the alarms at the current time, as CloudWatch does (the default)
  --as-of TIME   evaluate them at TIME instead (ISO-8601, e.g. 2026-12-01T09:00:00Z; or
                 "last-activity": the lake's last event), for a report that reads the same later

  Exit status: 0 when no paging alarm would fire, 1 when one would or the last run stopped before
  landing all its files (see docs/monitoring.md).`;

export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      lake: { type: 'string' },
      workflow: { type: 'string' },
      json: { type: 'boolean', default: false },
      limit: { type: 'string' },
      now: { type: 'boolean', default: false },
      'as-of': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'status',
  );
  if (values.help) {
    console.log(STATUS_USAGE);
    return 0;
  }
  if (positionals.length)
    throw new UsageError(`lakestep status: unexpected argument "${positionals[0]}"\n${STATUS_USAGE}`);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0)
    throw new UsageError(`lakestep status: --limit must be a whole number, got "${values.limit}"`);
  const workflow = chosenWorkflow(values.workflow, values.lake, 'status');
  const report = await lakeHealth({
    lake: values.lake,
    workflow,
    limit,
    asOf: asOfFrom(values.now, values['as-of']),
  });
  const interruption = unresolvedInterruption(
    lakePaths(values.lake).root,
    report.executions[0]?.startDate ?? null,
  );
  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, interruption }, null, 2)}\n`);
  else print(report, interruption);
  return interruption || report.alarms.some((a) => a.severity === 'page' && a.state === 'ALARM') ? 1 : 0;
}

/**
 * When the alarms are evaluated: now by default, as CloudWatch does (a window that ended at the lake's
 * last activity would keep paging long after a fix); `--as-of` fixes it for a reproducible report.
 */
function asOfFrom(now: boolean | undefined, asOf: string | undefined): Date | undefined {
  if (asOf === undefined) return new Date();
  if (now) throw new UsageError('lakestep status: give --now or --as-of, not both');
  if (asOf === 'last-activity') return undefined;
  const at = new Date(asOf);
  if (!/^\d{4}-\d{2}-\d{2}/.test(asOf) || Number.isNaN(at.getTime()))
    throw new UsageError(
      `lakestep status: --as-of must be an ISO-8601 time (2026-12-01T09:00:00Z) or "last-activity", got "${asOf}"`,
    );
  return at;
}

/** Plain text: table() pads by length, so no colour codes inside its cells. */
const outcomeOf = (e: ExecutionHealth) =>
  e.classification === 'data'
    ? e.error === 'ObjectRejected'
      ? 'rejected'
      : 'dq_failed'
    : e.classification === 'system'
      ? `${e.status} ${e.error ?? ''}`.trim()
      : e.classification;

function print(r: HealthReport, interruption: LandingInterruption | null): void {
  const t = r.totals;
  console.log(bold(`Lake ${r.lake}: ${plural(t.executions, 'execution')}`));
  console.log(
    `  succeeded ${t.succeeded}   rejected ${t.rejected}   dq_failed ${t.dq_failed}   failed ${t.failed}   running ${t.running}`,
  );
  if (t.executions === 0) console.log(dim('  No executions yet: run `npx lakestep run` first.'));
  if (interruption) {
    const n = interruption.notLanded.length;
    console.log(red(`\n${bold('The last run stopped before landing all its files')} (${interruption.at})`));
    console.log(`  ${interruption.message}`);
    if (n)
      console.log(
        `  Not landed: ${plural(n, 'file')} (${interruption.notLanded.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''}): run the same command again`,
      );
  }

  if (r.executions.length) {
    console.log(`\n${bold('Recent executions')} ${dim('(newest first)')}`);
    console.log(
      table(
        ['started', 'outcome', 'failed at', 'duration', 'redrives', 'object'],
        r.executions.map((e) => ({
          started: e.startDate.replace('T', ' ').slice(0, 19),
          outcome: outcomeOf(e),
          'failed at': e.failedState ?? '',
          duration: ms(e.durationMs),
          redrives: e.redriveCount || '',
          object: e.objectKey,
        })),
      ),
    );
  }

  if (r.failures.length) {
    console.log(`\n${bold('Failures by failed state and error')}`);
    for (const g of r.failures)
      console.log(
        `  ${String(g.count).padStart(4)}×  ${`"${g.failedState ?? '?'}"`.padEnd(32)} ${(g.error ?? (g.classification === 'system' ? 'ABORTED (no error)' : '?')).padEnd(30)} ${g.classification === 'system' ? red('system fault') : yellow('data outcome')}  ${dim(`latest: ${g.executions[0]}`)}`,
      );
  }

  console.log(`\n${bold('Data quality')} ${dim('(all executions in the lake)')}`);
  console.log(
    table(
      [
        'dataset',
        'batches passed',
        'failed DQ',
        'rules failed',
        'rows read',
        'cleansed',
        'quarantined',
        'duplicates',
        'rejected objects',
      ],
      r.dataQuality.map((d) => ({
        dataset: d.dataset,
        'batches passed': d.batchesPassed,
        'failed DQ': d.batchesFailed,
        'rules failed':
          Object.entries(d.rules)
            .filter(([, o]) => o.failed)
            .map(([rule, o]) => `${rule} ${o.failed}`)
            .join(', ') || '–',
        'rows read': d.rows.read,
        cleansed: d.rows.cleansed,
        quarantined: d.rows.quarantined,
        duplicates: d.rows.duplicates,
        'rejected objects': d.objectsRejected,
      })),
    ),
  );

  const firing = r.alarms.filter((a) => a.state === 'ALARM');
  const notEvaluated = r.alarms.filter((a) => a.state === 'NOT_EVALUATED');
  console.log(
    `\n${bold('Alarms that would fire')} ${dim(`(the generated CloudWatch alarms, same thresholds, as of ${r.asOf})`)}`,
  );
  if (firing.length === 0) console.log(green('  none'));
  for (const a of firing) console.log(alarmLine(a));
  console.log(
    dim(
      `  OK: ${r.alarms.filter((a) => a.state === 'OK').length}; not evaluated locally: ${notEvaluated.length}${notEvaluated.length ? ` (${notEvaluated.map((a) => a.id).join(', ')})` : ''}`,
    ),
  );

  if (r.unresolved.length) {
    console.log(`\n${bold('To fix')} ${dim("(failed executions that are still their object's latest)")}`);
    for (const e of r.unresolved) {
      const mark = e.classification === 'system' ? red('✗') : yellow('↷');
      console.log(
        `  ${mark} ${e.name}  ${e.status} at "${e.failedState ?? '?'}" ${e.error ? `with ${e.error}` : e.cause ? `(${e.cause})` : 'with no error'}${e.redriveCount ? dim(` (redriven ${e.redriveCount}×)`) : ''}`,
      );
      if (e.replay) {
        console.log(`      ${e.replay.command}`);
        console.log(dim(`      ${e.replay.why}`));
      }
    }
  }
  printDamaged(r);
}

function printDamaged(r: HealthReport): void {
  if (r.damaged.length === 0) return;
  console.log(
    `\n${bold('Damaged records')} ${dim('(skipped; the rest of the lake was read — see docs/guarantees.md)')}`,
  );
  for (const d of r.damaged) console.log(`  ${yellow('!')} ${d}`);
}

function alarmLine(a: AlarmState): string {
  const sev = a.severity === 'page' ? red('page  ') : yellow('notice');
  return `  ${red('ALARM')} ${sev} ${a.id.padEnd(40)} ${a.detail}\n${dim(`         runbook: ${a.runbook}`)}`;
}
