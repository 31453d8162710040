/**
 * What `lakestep init NAME --sample FILE…` writes: the TypeScript of a starting workflow declaration,
 * one dataset and route per sample file (CSV, JSON Lines or a JSON document), its columns typed by local/infer-dataset.ts (with the rules
 * that guard the types), the rules a sample suggests proposed as comments, and one materialization that
 * counts each dataset's rows — ready for `npm run asl` and `lakestep run --workflow NAME`.
 */
import { DATASET_NAME, type DatasetFormat } from '../workflows/datasets';
import type { RowRule } from '../workflows/row-rules';
import { type InferredDataset, inferDataset } from './infer-dataset';

/** What a workflow's name may be: it names the file, the ASL, the stack and the lake's record. */
export const WORKFLOW_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface Sample {
  /** The sample's file name: its route matches exactly this name. */
  readonly fileName: string;
  /** Its format (local/sample-records.ts guesses it): CSV in a dialect, JSON Lines, a JSON document. */
  readonly format: DatasetFormat;
  /** Its records as text fields, the column names first. */
  readonly records: readonly (readonly string[])[];
}

/** A dataset name from a file name: `Raw Orders-2024.csv` → `raw_orders_2024`. */
export function datasetNameOf(fileName: string): string {
  return snakeName(fileName.replace(/\.[^.]*$/, ''), 'd_').slice(0, 64);
}

/** Text as a lower-case snake_case name starting with a letter (`prefix` before one that does not). */
export function snakeName(text: string, prefix: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(name) ? name : `${prefix}${name}`;
}

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const regexSource = (fileName: string) => `^${fileName.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`;

function ruleText(rule: RowRule): string {
  const fields = Object.entries(rule).map(([k, v]) => `${k}: ${literal(v)}`);
  return `{ ${fields.join(', ')} }`;
}

/** A JSON-like value as a TypeScript literal in the house style: `{ kind: 'csv', delimiter: ';' }`. */
function literal(v: unknown): string {
  if (typeof v === 'string') return q(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).map(
      ([k, x]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : q(k)}: ${literal(x)}`,
    );
    return `{ ${entries.join(', ')} }`;
  }
  return String(v);
}

/** The format as TypeScript, with a hint at what else it could be. */
function formatText(format: DatasetFormat): string {
  if (format.kind === 'csv')
    return `${literal(format)}, // the dialect of the sample's header line; add quote: "'" for '-quoted fields`;
  return `${literal(format)}, // where each raw column's value is: fields (dot paths), default the key of its name`;
}

function datasetText(
  constName: string,
  fileName: string,
  format: DatasetFormat,
  inferred: InferredDataset,
): string {
  const { proposed, notes } = inferred;
  // fieldCount counts CSV fields: a JSON record has exactly its raw columns.
  const spec =
    format.kind === 'csv'
      ? inferred.spec
      : { ...inferred.spec, rules: inferred.spec.rules.filter((r) => r.kind !== 'fieldCount') };
  const schema = spec.schema.map((c) => {
    const { name, ...rest } = c;
    const fields = [`name: ${q(name)}`, ...Object.entries(rest).map(([k, v]) => `${k}: ${literal(v)}`)];
    const note = notes[name] ? ` // ${notes[name]}` : '';
    return `      { ${fields.join(', ')} },${note}`;
  });
  return [
    `const ${constName}: Dataset = {`,
    `  name: ${q(spec.name)},`,
    `  format: ${formatText(format)}`,
    '  route: {',
    `    // Exactly the sample's name. For one file per day or region, name that part of the file name`,
    `    // as the partition, e.g. /^orders_(?<partition>[a-z]{2})\\.csv$/, and drop \`partition\` below.`,
    `    fileName: /${regexSource(fileName)}/,`,
    "    partition: 'all',",
    `    landingPrefix: ${q(spec.name)},`,
    `    describe: ${q(fileName)},`,
    `    examples: [${q(fileName)}],`,
    '  },',
    '  transform: {',
    `    name: ${q(spec.name)},`,
    `    rawColumns: [${spec.rawColumns.map(q).join(', ')}],`,
    '    rules: [',
    ...spec.rules.map((r) => `      ${ruleText(r)},`),
    ...(proposed.length
      ? [
          '      // What the sample suggests, not what it proves: uncomment what must hold for every file.',
          ...proposed.map((r) => `      // ${ruleText(r)},`),
        ]
      : []),
    '    ],',
    '    schema: [',
    ...schema,
    '    ],',
    '    // No dedupe: list the key columns (and the order whose greatest row is kept) to keep one row per key.',
    '    dedupeKey: [],',
    '    dedupeOrder: [],',
    "    partitionBy: ['region', 'source_file'],",
    '  },',
    '};',
  ].join('\n');
}

function materializationText(datasets: readonly string[]): string {
  const counts = datasets.map(
    (d) => `        "SELECT '${d}' AS dataset, count(*) AS row_count FROM \${cleansed}.${d}",`,
  );
  return [
    '  materializations: [',
    '    {',
    '      // A first analytics table: the rows of each dataset. Replace it with your own SELECT over',
    '      // ${cleansed}.<dataset> (see docs/writing-a-workflow.md); lakestep writes the MERGE.',
    "      name: 'dataset_rows',",
    "      table: 'dataset_rows',",
    "      description: 'The cleansed rows of each dataset',",
    '      columns: [',
    "        { name: 'dataset', type: 'VARCHAR' },",
    "        { name: 'row_count', type: 'BIGINT' },",
    '      ],',
    "      key: ['dataset'],",
    "      // The whole table each time; { partition: 'region' } re-materializes one partition value's rows.",
    "      scope: 'table',",
    '      select: [',
    ...counts.flatMap((c, i) => (i === 0 ? [c] : ["        'UNION ALL',", c])),
    "      ].join('\\n'),",
    '    },',
    '  ],',
  ].join('\n');
}

/** The workflow file's text for these samples; throws naming the sample or the name that is wrong. */
export function initWorkflowSource(name: string, samples: readonly Sample[]): string {
  if (!WORKFLOW_NAME.test(name))
    throw new Error(
      `workflow name "${name}": use lower-case letters and digits, words joined by "-" (e.g. my-shop)`,
    );
  if (samples.length === 0) throw new Error('give at least one sample file: --sample FILE');
  const names = samples.map((s) => datasetNameOf(s.fileName));
  names.forEach((d, i) => {
    if (!DATASET_NAME.test(d))
      throw new Error(`sample ${samples[i]?.fileName}: its dataset name "${d}" is not a table name`);
    if (names.indexOf(d) !== i)
      throw new Error(
        `samples ${samples[names.indexOf(d)]?.fileName} and ${samples[i]?.fileName} give one dataset name "${d}": rename one`,
      );
  });
  const consts = names.map((d) => d.toUpperCase());
  const datasets = samples.map((s, i) =>
    datasetText(consts[i] as string, s.fileName, s.format, inferDataset(names[i] as string, s.records)),
  );
  return [
    '/**',
    ` * ${name}: written by \`lakestep init\` from ${samples.map((s) => s.fileName).join(', ')}. Review the types and`,
    ' * the proposed rules, then `npm run asl` and `lakestep run --workflow ' +
      name +
      ' --data DIR --lake LAKE`.',
    ' */',
    "import type { Dataset } from './datasets';",
    "import { declareWorkflow } from './pipeline-steps';",
    '',
    ...datasets.flatMap((d) => [d, '']),
    'export default declareWorkflow({',
    `  name: ${q(name)},`,
    `  comment: ${q(`lakestep: ${name}. One execution per file landed in S3.`)},`,
    `  datasets: [${consts.join(', ')}],`,
    materializationText(names),
    '});',
    '',
  ].join('\n');
}
