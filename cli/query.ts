/** `lakestep query`: SQL over the local catalog, the Athena stand-in; results stream, any size. */
import { lakePaths } from '../local/lake';
import { openForQuery, streamQuery } from '../local/query';
import { checkOutFile, EXPORT_FORMATS, type ExportFormat, exportQuery } from '../local/query-export';
import { type JsonValue, NUMERIC_TYPES } from '../local/query-values';
import { chosenWorkflow, parse, UsageError, WORKFLOW_USAGE } from './args';
import { dim, plural } from './format';
import { resultTable } from './query-table';

const FORMATS = ['table', ...EXPORT_FORMATS] as const;
type Format = (typeof FORMATS)[number];

/** Rows a terminal table shows unless --max-rows says otherwise. */
export const DEFAULT_MAX_ROWS = 100;

export const QUERY_USAGE = `usage: lakestep query [--lake DIR] [--format table|json|jsonl|csv|parquet] [--out FILE]
                      [--max-rows N] [--json] "SQL"

  Tables: cleansed.statistics, cleansed.categories, analytics.category_daily
  (SHOW TABLES lists the catalog; DESCRIBE <table> its columns)

  --format table    (default) a table for a terminal, the first ${DEFAULT_MAX_ROWS} rows (--max-rows N)
  --format json     an array of row objects (= --json): integers and decimals as numbers,
                    strings beyond 2^53; DATE as YYYY-MM-DD; TIMESTAMP as ISO-8601 UTC
  --format jsonl    one row object per line, same values
  --format csv      CSV with a header, written by DuckDB
  --format parquet  Parquet (zstd), written by DuckDB; needs --out
  --out FILE        write the whole result to FILE instead of stdout (any size: rows stream)
${WORKFLOW_USAGE}`;

export async function queryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      lake: { type: 'string' },
      workflow: { type: 'string' },
      json: { type: 'boolean', default: false },
      format: { type: 'string' },
      out: { type: 'string' },
      'max-rows': { type: 'string' },
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
  const format = chooseFormat(values.format, values.json);
  const maxRows = parseMaxRows(values['max-rows']);
  if (values['max-rows'] !== undefined && format !== 'table')
    throw new UsageError('lakestep query: --max-rows is for --format table; other formats write every row');
  if (values.out !== undefined && format === 'table')
    throw new UsageError('lakestep query: --out needs a file format: --format json|jsonl|csv|parquet');
  if (format === 'parquet' && values.out === undefined)
    throw new UsageError('lakestep query: --format parquet is binary: pass --out FILE');
  const out = values.out === undefined ? undefined : checkOutFile(values.out);
  const sql = positionals[0] as string;
  chosenWorkflow(values.workflow, values.lake, 'query');
  const warehouse = await openForQuery(values.lake);
  try {
    if (format === 'table') printTable(await warehouseRows(warehouse, sql, maxRows), maxRows);
    else if (out) {
      const n = await exportQuery(warehouse, sql, format, { file: out });
      console.error(dim(`wrote ${n.toLocaleString('en')} rows to ${out} (${format})`));
    } else
      await exportQuery(warehouse, sql, format as Exclude<ExportFormat, 'parquet'>, {
        stream: process.stdout,
        tmpDir: lakePaths(values.lake).tmpDir,
      });
  } finally {
    warehouse.close();
  }
  return 0;
}

function chooseFormat(format: string | undefined, json: boolean): Format {
  if (format === undefined) return json ? 'json' : 'table';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`lakestep query: unknown --format "${format}"; one of ${FORMATS.join(', ')}`);
  if (json && format !== 'json')
    throw new UsageError(`lakestep query: --json means --format json; it contradicts --format ${format}`);
  return format as Format;
}

function parseMaxRows(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_ROWS;
  if (!/^[1-9][0-9]*$/.test(text))
    throw new UsageError(`lakestep query: --max-rows must be a positive integer, not "${text}"`);
  return Number(text);
}

interface TableRows {
  columns: string[];
  numeric: boolean[];
  rows: JsonValue[][];
  /** True when the result has rows beyond the cap (they were not read). */
  more: boolean;
}

/** Reads at most `maxRows` rows (and learns whether there are more); the rest is never fetched. */
async function warehouseRows(
  warehouse: Parameters<typeof streamQuery>[0],
  sql: string,
  maxRows: number,
): Promise<TableRows> {
  const t: TableRows = { columns: [], numeric: [], rows: [], more: false };
  await streamQuery(
    warehouse,
    sql,
    (shape) => {
      t.columns = shape.columns;
      t.numeric = shape.types.map((ty) => NUMERIC_TYPES.has(ty.typeId as number));
    },
    (rows) => {
      for (const r of rows) {
        if (t.rows.length === maxRows) {
          t.more = true;
          return false;
        }
        t.rows.push(r);
      }
      return true;
    },
  );
  return t;
}

function printTable(t: TableRows, maxRows: number): void {
  console.log(resultTable(t.columns, t.numeric, t.rows));
  if (t.more)
    console.log(
      dim(
        `(first ${maxRows} rows shown; more not read — every row: --format csv|jsonl|parquet --out FILE, or --max-rows N)`,
      ),
    );
  else console.log(dim(`(${plural(t.rows.length, 'row')})`));
}
