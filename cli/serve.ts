/** `lakestep serve`: the analytics API and the dashboard for one lake on 127.0.0.1 until Ctrl-C. */

import { DEFAULT_PORT, startServe } from '../local/api/server';
import { DEFAULT_LAKE } from '../local/lake';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { chosenWorkflow, parse, UsageError, WORKFLOW_USAGE } from './args';

const HELP = `usage: lakestep serve [--lake DIR] [--port N]

Serves the analytics API (/v1/regions, /v1/category-daily, /v1/top-categories, /v1/categories,
/openapi.json) and the dashboard on http://127.0.0.1:<port>/. Every /v1 request needs the x-api-key
header: LAKESTEP_API_KEY when set, otherwise a key serve creates once and keeps in <lake>/api/key
(mode 0600). It keeps answering while \`lakestep run\` lands data in the same lake: new rows appear
after each run's materialization, without a restart.

options:
  --lake DIR   the local lake (default ${DEFAULT_LAKE})
${WORKFLOW_USAGE}
  --port N     the port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks any free port)
  -h, --help   this help`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      lake: { type: 'string' },
      workflow: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'serve',
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`lakestep serve: unexpected argument "${positionals[0]}"\n\n${HELP}`);
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(
      `lakestep serve: --port must be a whole number from 0 to 65535, got "${values.port}"`,
    );

  // The API and its dashboards serve a workflow that declares them (a lake not made yet: the built-in one).
  const workflow = chosenWorkflow(values.workflow, values.lake, 'serve', () => YOUTUBE_TRENDING.name);
  if (!workflow.analyticsApi)
    throw new UsageError(
      `lakestep serve: workflow ${workflow.name} declares no analyticsApi (the API and its dashboards serve a category_daily-shaped table, as workflow ${YOUTUBE_TRENDING.name} declares): read its tables with lakestep query`,
    );
  const serve = await startServe({ lake: values.lake ?? DEFAULT_LAKE, port });
  const { apiKey } = serve;
  const keyRef =
    apiKey.source === 'env'
      ? '"$LAKESTEP_API_KEY"'
      : apiKey.source === 'created'
        ? apiKey.key
        : `"$(cat ${apiKey.file})"`;
  console.log(`lakestep serve: ${serve.url} (dashboard) and ${serve.url}v1/ (API)`);
  if (apiKey.source === 'created')
    console.log(`  API key (created, shown once; kept in ${apiKey.file}, mode 0600):\n    ${apiKey.key}`);
  else if (apiKey.source === 'stored') console.log(`  API key: the lake's, in ${apiKey.file}`);
  else console.log('  API key: LAKESTEP_API_KEY');
  console.log(`  try:  curl -H "x-api-key: ${keyRef}" '${serve.url}v1/regions'`);
  if (apiKey.source === 'created') console.log(`  dashboard with the key: ${serve.url}#key=${apiKey.key}`);
  else console.log(`  dashboard: ${serve.url} (it asks for the key once per tab)`);
  if (serve.snapshotAtStart === 'none')
    console.log(
      '  no analytics yet: run `lakestep run` in this lake; its rows appear here as it materializes',
    );
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
  await serve.close();
  return 0;
}
