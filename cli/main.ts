/** The `lakestep` command: dispatches to a subcommand; exit 0 ok, 1 a failure, 2 a usage error. */
import '../local/polyfills';
import { UsageError } from './args';
import { checkLake } from './lake-check';
import { didYouMean } from './suggest';

const USAGE = `lakestep — run the data-lake pipeline locally from the committed ASL

usage: lakestep <command> [options]

commands:
  init      write a starting workflow (workflows/NAME.workflow.ts) from sample CSV files
  run       land files (or the built-in sample) and run one execution per object
  fetch     fetch a day of trending data from the YouTube Data API, land it and run it
  status    recent executions, failures by state and error, DQ outcomes, alarms that would fire
  replay    redrive failed executions (locally, or on AWS with --aws)
  backfill  start the deployed pipeline for the objects already under an S3 prefix (--aws)
  rerun     start a fresh execution for an object already landed (after a code or rule fix)
  inspect   serve the visual inspector: the state machine graph and every execution
  serve     serve the analytics API (x-api-key) and the dashboard on 127.0.0.1:4322
  graph     export the state machine graph (svg or mermaid)
  query     SQL over the local catalog (cleansed.*, analytics.*)
  generate  write the built-in sample data set (or a large statistics file) to a directory
  smoke     prove a deployed stage: upload one object and wait for its execution to succeed (--aws)

Run \`lakestep <command> --help\` for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

/**
 * Each command's module, loaded when it runs: a command loads only what it needs (`status` does not
 * load the runtime, the workflows' derivation or the CDK-free renderers `run` needs), so a call starts
 * in a fraction of the time.
 */
const COMMANDS: Record<string, () => Command> = {
  init: () => (require('./init') as typeof import('./init')).initCommand,
  run: () => (require('./run') as typeof import('./run')).runCommand,
  fetch: () => (require('./fetch') as typeof import('./fetch')).fetchCommand,
  status: () => (require('./status') as typeof import('./status')).statusCommand,
  replay: () => (require('./replay') as typeof import('./replay')).replayCommand,
  backfill: () => (require('./backfill') as typeof import('./backfill')).backfillCommand,
  rerun: () => (require('./rerun') as typeof import('./rerun')).rerunCommand,
  inspect: () => (require('./inspect') as typeof import('./inspect')).inspectCommand,
  serve: () => (require('./serve') as typeof import('./serve')).serveCommand,
  graph: () => (require('./graph') as typeof import('./graph')).graphCommand,
  query: () => (require('./query') as typeof import('./query')).queryCommand,
  generate: () => (require('./generate') as typeof import('./generate')).generateCommand,
  smoke: () => (require('./smoke') as typeof import('./smoke')).smokeCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const fn = COMMANDS[command];
  if (!fn) {
    console.error(
      `lakestep: unknown command "${command}"${didYouMean(command, Object.keys(COMMANDS))}\n\n${USAGE}`,
    );
    return 2;
  }
  try {
    checkLake(command, rest);
    return await fn()(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message);
      return 2;
    }
    console.error(`lakestep ${command}: ${(e as Error).message}`);
    return 1;
  }
}
