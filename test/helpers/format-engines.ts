/**
 * Runs a dataset of any format over one bronze object on the three engines of the transform path — the
 * small-object Lambda (handlers/core/transform-small-batch.ts), the local DuckDB transform that stands
 * in for Glue (local/transform.ts) and the Glue script's Python rules — and gives each outcome as text:
 * the summary's counts, the cleansed rows and the quarantined records (every column, as the files hold them).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Batch } from '../../handlers/core/contracts';
import type { CorePorts } from '../../handlers/core/ports';
import { transformSmallBatch } from '../../handlers/core/transform-small-batch';
import { FsStorage } from '../../local/fs-storage';
import { transformRecords } from '../../local/transform';
import type { Dataset } from '../../workflows/datasets';
import { GLUE_PREAMBLE } from './glue-python';
import { python } from './python';

export const INGESTED_AT = '2026-01-02T03:04:05.678Z';
const SOURCE = 'landed/object';

export interface FormatOutcome {
  counts: {
    read: number;
    cleansed: number;
    quarantined: number;
    duplicates: number;
    rules: Record<string, number>;
  };
  /** Cleansed rows in schema order as text (TIMESTAMP as epoch micros, DATE as YYYY-MM-DD), sorted. */
  rows: (string | null)[][];
  /** Quarantined records: record_no, rule, field_count, source_object, then the raw columns. */
  rejected: (string | null)[][];
}

const sortRows = (rows: (string | null)[][]) =>
  rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

const quiet = { info() {}, warn() {}, error() {} };
const metrics = { addDimensions() {}, addMetric() {}, publishStoredMetrics() {} };

/** Stages `bytes` as a bronze object and transforms it with the Lambda or the DuckDB engine. */
export async function stagedEngine(
  engine: 'lambda' | 'duckdb',
  dir: string,
  dataset: Dataset,
  bytes: Uint8Array,
): Promise<FormatOutcome> {
  const storage = new FsStorage(join(dir, engine));
  const bronze = { bucket: 'bronze', key: `${dataset.name}/object` };
  const staging = { bucket: 'cleansed', prefix: `_staging/${dataset.name}/` };
  mkdirSync(dirname(storage.pathOf(bronze)), { recursive: true });
  writeFileSync(storage.pathOf(bronze), bytes);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    if (engine === 'lambda') {
      const batch: Batch = {
        id: 'b',
        dataset: dataset.name,
        region: 'all',
        sourceObject: SOURCE,
        sourceFile: 'object',
        partition: 'all',
        sequencer: '',
        bronze,
        staging,
        ingestedAt: INGESTED_AT,
      };
      const ports: CorePorts = {
        storage,
        buckets: { landing: 'l', bronze: 'bronze', cleansed: 'cleansed', analytics: 'a', quarantine: 'q' },
        log: quiet,
        metrics,
        clock: { now: () => new Date(INGESTED_AT) },
        datasets: [dataset],
      };
      await transformSmallBatch({ batch, objectKey: SOURCE }, ports);
    } else {
      const args = {
        batchId: 'b',
        region: 'all',
        sourceObject: SOURCE,
        bronze,
        staging,
        ingestedAt: INGESTED_AT,
      };
      await transformRecords(conn, storage, args, dataset.transform, dataset.format);
    }
    const path = (f: string) => storage.pathOf({ bucket: staging.bucket, key: `${staging.prefix}${f}` });
    const summary = JSON.parse(readFileSync(path('summary.json'), 'utf8'));
    const read = async (file: string, columns: readonly { name: string; type: string }[]) => {
      const cols = columns.map(({ name, type }) =>
        type === 'TIMESTAMP'
          ? `epoch_us("${name}")::VARCHAR`
          : type === 'DATE'
            ? `strftime("${name}", '%Y-%m-%d')`
            : `"${name}"::VARCHAR`,
      );
      const r = await conn.runAndReadAll(`SELECT ${cols.join(', ')} FROM read_parquet('${path(file)}')`);
      return r.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
    };
    const rejectedColumns = [
      'record_no',
      'rule',
      'field_count',
      'source_object',
      ...dataset.transform.rawColumns,
    ];
    return {
      counts: {
        read: summary.read,
        cleansed: summary.cleansed,
        quarantined: summary.quarantined,
        duplicates: summary.duplicates,
        rules: summary.rules,
      },
      rows: sortRows(await read(summary.files.data, dataset.transform.schema)),
      rejected: summary.files.rejected
        ? (
            await read(
              summary.files.rejected,
              rejectedColumns.map((name) => ({ name, type: 'VARCHAR' })),
            )
          ).sort((a, b) => Number(a[0]) - Number(b[0]))
        : [],
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/**
 * The Glue script's rules over the object: its decoded text (csv, jsonLines), or for parquet the rows of
 * Python values the script `pythonRows` builds as `source` from `payload["data"]` (as Spark would give them).
 */
export function pythonEngine(
  dataset: Dataset,
  source: { text: string } | { pythonRows: string; data: unknown },
): FormatOutcome {
  const script = `${GLUE_PREAMBLE}
payload = json.loads(sys.stdin.read())
spec = {**payload["spec"], "format": payload["format"]}
${'pythonRows' in source ? source.pythonRows : 'source = payload["text"]'}
r = rules.transform(source, spec, region="all", source_object=${JSON.stringify(SOURCE)}, ingested_at=${JSON.stringify(INGESTED_AT)})
print(json.dumps({
    "counts": {"read": r.read, "cleansed": r.cleansed, "quarantined": r.quarantined, "duplicates": r.duplicates, "rules": r.rules},
    "rows": [[cell(v) for v in row] for row in r.rows],
    "rejected": [[cell(v) for v in row] for row in r.rejected],
}))
`;
  const input = JSON.stringify({ spec: dataset.transform, format: dataset.format, ...source });
  const out = JSON.parse(python(script, [], input)) as FormatOutcome;
  return { ...out, rows: sortRows(out.rows) };
}
