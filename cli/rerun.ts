/**
 * `lakestep rerun --object KEY`: a fresh execution of an object already in the landing bucket, after a
 * code or rule fix (or a corrected file landed under the same key by other means). Whatever its earlier
 * executions ended in, the new one writes as any execution does: the lake ends as one clean run would.
 */
import { resolve } from 'node:path';
import type { ExecutionSummary } from '../local/execution-summary';
import { lakePaths } from '../local/lake';
import { LocalRuntime } from '../local/runtime';
import { chosenWorkflow, parse, UsageError, WORKFLOW_USAGE } from './args';
import { dim } from './format';
import { checkFaults, onInterrupt, parseFault } from './run';
import { RunProgress } from './run-progress';

export const RERUN_USAGE = `usage: lakestep rerun --object KEY [--object KEY]... [--lake DIR] [--json]
                      [--inject-fault "STATE[:transient|:permanent|:hang]"]...

Starts a fresh execution for each object already landed (its landing key, as \`lakestep status\` and
\`lakestep run\` print it: e.g. raw_statistics/region=us/USvideos.csv), for after a code or rule fix.
For a system fault that a fix resolved, \`lakestep replay EXECUTION\` resumes the failed execution instead.

  --object KEY   the landing key (repeatable)
  --lake DIR     the local lake (default ./.lakestep)
${WORKFLOW_USAGE}
  --json         print exactly one JSON document on stdout
  --inject-fault make a state's task fail in the new execution (as \`lakestep run --inject-fault\`)

Exit status: 0 when every execution ended in a data outcome (succeeded, rejected, dq_failed), 1 when
any failed with a system fault or an object is not in the landing bucket, 2 for usage errors.`;

export async function rerunCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      object: { type: 'string', multiple: true },
      lake: { type: 'string' },
      workflow: { type: 'string' },
      json: { type: 'boolean', default: false },
      'inject-fault': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    'rerun',
  );
  if (values.help) {
    console.log(RERUN_USAGE);
    return 0;
  }
  if (positionals.length)
    throw new UsageError(
      `lakestep rerun: unexpected argument "${positionals[0]}" (objects go after --object KEY; to redrive an execution: lakestep replay NAME)`,
    );
  const keys = values.object ?? [];
  if (!keys.length)
    throw new UsageError(`lakestep rerun: name an object with --object KEY\n\n${RERUN_USAGE}`);
  const json = values.json === true;
  const faults = (values['inject-fault'] ?? []).map((f) => parseFault(f, 'rerun'));
  const progress = new RunProgress({
    mode: 'lines',
    total: keys.length,
    write: json ? () => {} : (s) => void process.stdout.write(s),
  });
  const runtime = await LocalRuntime.open({
    workflow: chosenWorkflow(values.workflow, values.lake, 'rerun'),
    lake: values.lake,
    faults,
    onEvent: (n, e) => progress.onEvent(n, e),
  });
  try {
    checkFaults(runtime, faults, 'rerun');
  } catch (e) {
    runtime.close();
    throw e;
  }
  const interrupt = onInterrupt(runtime, (s) => process.stderr.write(`${s}\n`));
  const executions: ExecutionSummary[] = [];
  const problems: { objectKey: string; error: string }[] = [];
  try {
    for (const key of keys) {
      if (interrupt.interrupted()) break;
      let summary: ExecutionSummary;
      try {
        summary = await runtime.rerun(key);
      } catch (e) {
        problems.push({ objectKey: key, error: (e as Error).message });
        if (json) process.stderr.write(`lakestep rerun: ${(e as Error).message}\n`);
        else console.error(`lakestep rerun: ${(e as Error).message}`);
        continue;
      }
      executions.push(summary);
      progress.finish(summary);
      if (!json) progress.print(dim(`      execution ${summary.name} (rerun)`));
    }
    if (json)
      process.stdout.write(
        `${JSON.stringify({ lake: resolve(lakePaths(values.lake).root), executions, problems }, null, 2)}\n`,
      );
  } finally {
    progress.close();
    interrupt.dispose();
    runtime.close();
  }
  if (interrupt.interrupted()) return 130;
  return problems.length || executions.some((e) => e.outcome === 'failed') ? 1 : 0;
}
