/** `lakestep generate`: writes the built-in sample, or one large statistics file for benchmarks. */
import { join, resolve } from 'node:path';
import { writeLargeStatisticsFile, writeSample } from '../local/sample-data';
import { parse, UsageError } from './args';

export const GENERATE_USAGE = `usage: lakestep generate --out DIR [--rows N] [--region CC] [--seed N]

  without --rows: the built-in sample (several regions, category files, bad objects)
  with --rows N:  one Kaggle-shaped statistics file <CC>videos.csv of N records (default region US)`;

export async function generateCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      out: { type: 'string' },
      rows: { type: 'string' },
      region: { type: 'string', default: 'US' },
      seed: { type: 'string', default: '42' },
      help: { type: 'boolean', short: 'h' },
    },
    'generate',
  );
  if (values.help) {
    console.log(GENERATE_USAGE);
    return 0;
  }
  if (!values.out) throw new UsageError(`lakestep generate: --out DIR is required\n${GENERATE_USAGE}`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError('lakestep generate: --seed must be an integer');
  const out = resolve(values.out);
  if (values.rows !== undefined) {
    const rows = Number(values.rows);
    if (!Number.isInteger(rows) || rows < 0)
      throw new UsageError('lakestep generate: --rows must be a whole number');
    const region = String(values.region).toUpperCase();
    if (!/^[A-Z]{2}$/.test(region)) throw new UsageError('lakestep generate: --region must be two letters');
    const file = join(out, `${region}videos.csv`);
    await writeLargeStatisticsFile(file, rows, region, seed);
    console.log(file);
  } else {
    for (const f of await writeSample(out, { seed })) console.log(f);
  }
  return 0;
}
