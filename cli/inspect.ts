/** `lakestep inspect`: serves the visual inspector for one lake on 127.0.0.1 until Ctrl-C. */
import { spawn } from 'node:child_process';
import { DEFAULT_PORT, startInspector } from '../local/inspector/server';
import { DEFAULT_LAKE } from '../local/lake';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { chosenWorkflow, parse, UsageError, WORKFLOW_USAGE } from './args';

const HELP = `usage: lakestep inspect [--lake DIR] [--port N] [--open]

Serves the visual inspector on http://127.0.0.1:<port>/: the state machine graph drawn from the
committed ASL, every execution of the lake with its states, timings, retries, input and output, the
data each run produced, and live updates while an execution runs. Nothing is fetched from the network.

options:
  --lake DIR   the local lake (default ${DEFAULT_LAKE})
${WORKFLOW_USAGE}
  --port N     the port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks any free port)
  --open       open the page in the system browser too
  -h, --help   this help`;

export async function inspectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      lake: { type: 'string' },
      workflow: { type: 'string' },
      port: { type: 'string' },
      open: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'inspect',
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`lakestep inspect: unexpected argument "${positionals[0]}"\n\n${HELP}`);
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(
      `lakestep inspect: --port must be a whole number from 0 to 65535, got "${values.port}"`,
    );

  // A lake not made yet: the built-in sample's workflow (what `lakestep run` alone would make), or --workflow.
  const workflow = chosenWorkflow(values.workflow, values.lake, 'inspect', () => YOUTUBE_TRENDING.name);
  const inspector = await startInspector({
    lake: values.lake ?? DEFAULT_LAKE,
    port,
    workflow: workflow.name,
  });
  const list = await inspector.executions.list();
  console.log(`lakestep inspector: ${inspector.url}`);
  console.log(
    list.lakeExists
      ? `  lake ${list.lake}: ${list.total} execution${list.total === 1 ? '' : 's'}`
      : `  lake ${list.lake} does not exist yet: run \`npx lakestep run\` to make one (the page says so too)`,
  );
  if (values.open && !openBrowser(inspector.url))
    console.log('  (no browser opener found: open the URL above)');
  console.log('  Ctrl-C stops it.');

  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await inspector.close();
  return 0;
}

/** Opens the URL with the platform's opener; false when there is none (the URL is printed anyway). */
function openBrowser(url: string): boolean {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => console.log('  (could not start a browser: open the URL above)'));
    child.unref();
    return true;
  } catch {
    return false;
  }
}
