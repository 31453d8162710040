/** `lakestep query`: SQL over the local catalog, the Athena stand-in. */
import { openForQuery, runQuery } from '../local/query';
import { parse, UsageError } from './args';
import { dim, plural, table } from './format';

export const QUERY_USAGE = `usage: lakestep query [--lake DIR] [--json] "SQL"

  Tables: cleansed.statistics, cleansed.categories, analytics.category_daily`;

export async function queryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      lake: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    'query',
  );
  if (values.help) {
    console.log(QUERY_USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(`lakestep query: expected one SQL argument\n${QUERY_USAGE}`);
  const warehouse = await openForQuery(values.lake);
  try {
    const result = await runQuery(warehouse, positionals[0] as string);
    if (values.json) process.stdout.write(`${JSON.stringify(result.rows)}\n`);
    else {
      console.log(table(result.columns, result.rows));
      console.log(dim(`(${plural(result.rows.length, 'row')})`));
    }
  } finally {
    warehouse.close();
  }
  return 0;
}
