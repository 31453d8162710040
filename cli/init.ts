/**
 * `lakestep init NAME --sample FILE…`: writes workflows/NAME.workflow.ts, a starting declaration
 * inferred from sample CSV files (local/init-workflow.ts). It never overwrites a workflow file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { initWorkflowSource, type Sample } from '../local/init-workflow';
import { parquetSampleRecords, sampleRecords } from '../local/sample-records';
import { parse, UsageError } from './args';
import { bold, dim } from './format';

export const INIT_USAGE = `usage: lakestep init NAME --sample FILE [--sample FILE ...] [--dir DIR]

Write workflows/NAME.workflow.ts: one CSV dataset and route per sample file, its columns typed from the
samples (integers, dates, instants, booleans; VARCHAR otherwise) with the rules that guard each type,
the rules the samples suggest (not null, unique, accepted values) proposed as comments, and a first
analytics table. Then: npm run asl, and lakestep run --workflow NAME --data DIR.

  --sample FILE  a sample CSV (UTF-8, a header record); one dataset per file
  --dir DIR      the project's workflows/ directory (default: ./workflows)`;

export async function initCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      sample: { type: 'string', multiple: true },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'init',
  );
  if (values.help) {
    console.log(INIT_USAGE);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (!name || extra.length) throw new UsageError(`lakestep init: give one workflow NAME\n\n${INIT_USAGE}`);
  if (!values.sample?.length) throw new UsageError(`lakestep init: give --sample FILE\n\n${INIT_USAGE}`);
  const dir = resolve(values.dir ?? 'workflows');
  if (!existsSync(join(dir, 'pipeline-steps.ts')))
    throw new UsageError(
      `lakestep init: ${dir} is not a lakestep workflows/ directory (no pipeline-steps.ts): run it in the project, or pass --dir`,
    );
  const file = join(dir, `${name}.workflow.ts`);
  if (existsSync(file))
    throw new UsageError(`lakestep init: ${file} exists: choose another name, or edit it`);
  const samples: Sample[] = [];
  for (const path of values.sample) samples.push(await readSample(path));
  let source: string;
  try {
    source = initWorkflowSource(name, samples);
  } catch (e) {
    throw new UsageError(`lakestep init: ${(e as Error).message}`);
  }
  writeFileSync(file, source, { flag: 'wx' });
  console.log(bold(`wrote ${file}`));
  console.log(
    dim(`Next: review it, then npm run asl, then npx lakestep run --workflow ${name} --data DIR --lake LAKE`),
  );
  return 0;
}

/** A sample file's format and records (local/sample-records.ts), or a usage error naming it. */
async function readSample(path: string): Promise<Sample> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`lakestep init: cannot read the sample ${path}: ${(e as Error).message}`);
  }
  try {
    const fileName = basename(path);
    if (/\.parquet$/i.test(fileName)) {
      const sample = await parquetSampleRecords(fileName, bytes);
      if (sample.leftOut.length)
        console.error(
          dim(
            `${path}: columns left out (nested or of a type lakestep does not read): ${sample.leftOut.join(', ')}`,
          ),
        );
      return { fileName, format: sample.format, records: sample.records };
    }
    const sample = sampleRecords(fileName, bytes.toString('utf8'));
    if (sample.skipped)
      console.error(dim(`${path}: ${sample.skipped} records out of shape were left out of the inference`));
    return { fileName, format: sample.format, records: sample.records };
  } catch (e) {
    throw new UsageError(`lakestep init: ${(e as Error).message}`);
  }
}
