/**
 * The Lambda transform for small objects (handlers/core/transform-small-batch.ts, decision 0026) writes
 * the same staged batch as the DuckDB transform that stands in for the Glue job: the same typed rows,
 * quarantined records and summary, in Parquet files of the same schema; its rule kinds agree value by
 * value with glue/lakestep_rules.py; and the real data run through either path of the workflow ends in
 * the same lake, equal to the reference program's.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Batch } from '../handlers/core/contracts';
import type { CorePorts } from '../handlers/core/ports';
import {
  parseBoolean,
  parseIsoInstant,
  parseUnsignedBigint,
  parseYyddmm,
} from '../handlers/core/transform-rules';
import { transformSmallBatch } from '../handlers/core/transform-small-batch';
import type { ExecutionSummary } from '../local/execution-summary';
import { FsStorage } from '../local/fs-storage';
import { writeSample } from '../local/sample-data';
import { transformRecords } from '../local/transform';
import { STATISTICS, YOUTUBE_DATASETS } from '../workflows/datasets';
import { renderAsl } from '../workflows/render-asl';
import { SMALL_OBJECT_BYTES, SMALL_OBJECT_MAX_BYTES, withSmallObjectBytes } from '../workflows/small-objects';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { edgeCaseFile, edgeRecord } from './helpers/edge-case-records';
import { CATEGORY_DAILY_SQL, query, runFiles, tempDir } from './helpers/lake';
import { python, REAL_DATA, runReference } from './helpers/python';
import { ALWAYS_GLUE, ALWAYS_LAMBDA, definitionWithSmallObjectBytes } from './helpers/transform-paths';

const GLUE = resolve(__dirname, '..', 'glue');
const INGESTED_AT = '2026-01-02T03:04:05.678Z';
const NOOP = { info() {}, warn() {}, error() {} };
const METRICS = { addDimensions() {}, addMetric() {}, publishStoredMetrics() {} };

const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A staged file's rows as text (TIMESTAMP as epoch micros, DATE as ISO), in a stable order. */
async function readStaged(conn: DuckDBConnection, path: string, kind: 'data' | 'rejected') {
  const cols =
    kind === 'data'
      ? STATISTICS.schema
      : [
          { name: 'record_no', type: 'BIGINT' },
          { name: 'rule', type: 'VARCHAR' },
          { name: 'field_count', type: 'BIGINT' },
          { name: 'source_object', type: 'VARCHAR' },
          ...STATISTICS.rawColumns.map((name) => ({ name, type: 'VARCHAR' })),
        ];
  const select = cols
    .map(({ name, type }) =>
      type === 'TIMESTAMP'
        ? `epoch_us("${name}")::VARCHAR`
        : type === 'DATE'
          ? `strftime("${name}", '%Y-%m-%d')`
          : `"${name}"::VARCHAR`,
    )
    .join(', ');
  const order = kind === 'data' ? 'trending_date, video_id' : 'record_no';
  const r = await conn.runAndReadAll(
    `SELECT ${select} FROM read_parquet(${sqlText(path)}) ORDER BY ${order}`,
  );
  return r.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
}

/** The Parquet schema as a reader sees it: names, physical and logical types. */
async function schemaOf(conn: DuckDBConnection, path: string) {
  const r = await conn.runAndReadAll(
    `SELECT name, type, converted_type, logical_type, repetition_type FROM parquet_schema(${sqlText(path)})`,
  );
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlText(path)})`);
  return {
    physical: r.getRowObjectsJS().map((row) => ({ ...row, logical_type: row.logical_type ?? null })),
    columns: described.getRowObjectsJS().map((row) => [row.column_name, row.column_type]),
  };
}

describe('the Lambda transform writes the staged batch the DuckDB transform writes', () => {
  const { dir, cleanup } = tempDir('small-batch');
  const storage = new FsStorage(join(dir, 'lake'));
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:');
    conn = await db.connect();
  });
  afterAll(() => {
    conn.closeSync();
    db.closeSync();
    cleanup();
  });

  /** Transforms one file on both engines from the same bronze object; returns what each staged. */
  async function both(file: string) {
    const name = basename(file);
    const bronze = { bucket: 'bronze', key: `parity/${name}` };
    mkdirSync(join(dir, 'lake', 'bronze', 'parity'), { recursive: true });
    writeFileSync(storage.pathOf(bronze), readFileSync(file));
    const staged = async (engine: 'lambda' | 'duckdb') => {
      const staging = { bucket: 'cleansed', prefix: `_staging/${engine}/${name}/` };
      const batch: Batch = {
        id: 'b',
        dataset: 'statistics',
        region: 'xx',
        sourceObject: name,
        sourceFile: name,
        partition: name,
        sequencer: '',
        bronze,
        staging,
        ingestedAt: INGESTED_AT,
      };
      const ports: CorePorts = {
        storage,
        buckets: {
          landing: 'landing',
          bronze: 'bronze',
          cleansed: 'cleansed',
          analytics: 'analytics',
          quarantine: 'quarantine',
        },
        log: NOOP,
        metrics: METRICS,
        clock: { now: () => new Date(INGESTED_AT) },
        datasets: YOUTUBE_DATASETS,
      };
      if (engine === 'lambda') await transformSmallBatch({ batch, objectKey: name }, ports);
      else {
        const c = await db.connect();
        try {
          await transformRecords(
            c,
            storage,
            {
              batchId: 'b',
              region: 'xx',
              sourceObject: name,
              bronze,
              staging,
              ingestedAt: INGESTED_AT,
            },
            STATISTICS,
          );
        } finally {
          c.closeSync();
        }
      }
      const path = (f: string) => storage.pathOf({ bucket: staging.bucket, key: `${staging.prefix}${f}` });
      const summary = JSON.parse(readFileSync(path('summary.json'), 'utf8'));
      return {
        summary,
        rows: await readStaged(conn, path(summary.files.data), 'data'),
        rejected: summary.files.rejected
          ? await readStaged(conn, path(summary.files.rejected), 'rejected')
          : [],
        dataSchema: await schemaOf(conn, path(summary.files.data)),
        rejectedSchema: summary.files.rejected ? await schemaOf(conn, path(summary.files.rejected)) : null,
      };
    };
    return { mine: await staged('lambda'), theirs: await staged('duckdb') };
  }

  /** Records on the edges of every rule kind, with in-batch duplicates, full ties, a BOM and CRLFs. */
  function edgeCaseCsv(): string {
    const rec = edgeRecord;
    const rows: string[][] = [
      rec({}),
      rec({ 2: 'tie, second' }),
      rec({ 2: 'more views', 0: 'bbbbbbbbbbb', 7: '101' }),
      rec({ 2: 'fewer views', 0: 'bbbbbbbbbbb', 7: '99' }),
      rec({ 2: 'more likes', 0: 'eeeeeeeeeee', 8: '11' }),
      rec({ 2: 'fewer likes', 0: 'eeeeeeeeeee', 8: '09' }),
      rec({ 0: 'ccccccccccc', 1: '20.29.02', 5: '2020-02-29T23:59:59.123456Z', 12: 'True', 13: 'false' }),
      rec({ 0: 'ddddddddddd', 5: '0001-01-01T00:00:00.5Z', 4: '0007', 7: '9223372036854775807' }),
      rec({ 0: 'fffffffffff', 5: '9999-12-31T23:59:59.999999Z', 10: '000000000000000000000000000001' }),
      rec({ 0: 'ggggggggggg', 1: '00.01.01', 5: '1969-12-31T23:59:59.9Z' }),
      rec({ 1: '18.30.02' }),
      rec({ 1: '17.00.11' }),
      rec({ 1: '17.14.13' }),
      rec({ 1: '17.1.11' }),
      rec({ 5: '2017-11-13T24:00:00Z' }),
      rec({ 5: '2017-11-13T23:60:00Z' }),
      rec({ 5: '2017-11-13T23:59:60Z' }),
      rec({ 5: '0000-01-01T00:00:00Z' }),
      rec({ 5: '2017-11-13T17:13:01.1234567Z' }),
      rec({ 5: '2017-11-13T17:13:01Z\n' }),
      rec({ 5: '2017-02-30T00:00:00Z' }),
      rec({ 5: '1900-02-29T00:00:00Z' }),
      rec({ 5: '2000-02-29T00:00:00Z', 0: 'hhhhhhhhhhh' }),
      rec({ 1: '١٧.14.11' }),
      rec({ 7: '٣' }),
      rec({ 7: '' }),
      rec({ 7: '+1' }),
      rec({ 8: '9223372036854775808' }),
      rec({ 9: '-1' }),
      rec({ 0: '#NAME?' }),
      rec({ 0: 'ééééééééééé' }),
      rec({ 0: 'aaaaaaaaaaaa' }),
      rec({ 0: 'aaaaaaaaaaa\n' }),
      [...rec({}), '"17th"'],
      rec({}).slice(0, 15),
      ['only'],
    ];
    return edgeCaseFile(rows);
  }

  it('on edge cases of every rule kind, duplicates and ties: rows, quarantine, summary and schemas', async () => {
    const file = join(dir, 'EDvideos.csv');
    writeFileSync(file, edgeCaseCsv(), 'utf8');
    const { mine, theirs } = await both(file);
    expect(mine.rows).toEqual(theirs.rows);
    expect(mine.rejected).toEqual(theirs.rejected);
    expect(mine.summary).toEqual(theirs.summary);
    expect(theirs.summary).toMatchObject({ cleansed: 8, duplicates: 3 });
    expect(theirs.summary.quarantined).toBeGreaterThan(20);
    // The catalog reads either path's files as one table: same names, physical and logical types.
    expect(mine.dataSchema).toEqual(theirs.dataSchema);
    expect(mine.rejectedSchema).toEqual(theirs.rejectedSchema);
  });

  it('on the generated sample files and the real files', async () => {
    const sample = (await writeSample(join(dir, 'sample'))).filter((f) => f.endsWith('.csv'));
    const real = ['CAvideos.csv', 'GBvideos.csv'].map((f) => join(REAL_DATA, 'csv', f));
    // (The other extra/ files have a header the ingest rejects: no batch is ever made of them.)
    const extra = ['USvideos__frogfreg_LF_normalized.csv'].map((f) => join(REAL_DATA, 'extra', f));
    for (const f of [...sample, ...real, ...extra]) {
      if (f.includes('schema_drift')) continue; // a header the ingest rejects: no batch
      const { mine, theirs } = await both(f);
      expect({ file: basename(f), summary: mine.summary }).toEqual({
        file: basename(f),
        summary: theirs.summary,
      });
      expect({ file: basename(f), rows: mine.rows, rejected: mine.rejected }).toEqual({
        file: basename(f),
        rows: theirs.rows,
        rejected: theirs.rejected,
      });
    }
  });

  it("refuses a statistics header that is not the contract's, naming the object (ingest should have rejected it)", async () => {
    const file = join(dir, 'BDvideos.csv');
    writeFileSync(file, 'video_id,title\nabc,def\n');
    await expect(both(file)).rejects.toMatchObject({
      name: 'Lake.ContractViolation',
      message: expect.stringContaining('BDvideos.csv: its header is'),
    });
  });
});

describe('the rule kinds agree with glue/lakestep_rules.py value by value', () => {
  const values = {
    yyddmm: [
      '17.14.11',
      '20.29.02',
      '21.29.02',
      '00.01.01',
      '99.31.12',
      '17.31.04',
      '17.00.01',
      '17.01.00',
      '17.01.13',
      '1.14.11',
      '17.14.11 ',
      '',
      '١٧.14.11',
    ],
    instant: [
      '2017-11-13T17:13:01.000Z',
      '2017-11-13T17:13:01Z',
      '2017-11-13T17:13:01.1Z',
      '2017-11-13T17:13:01.123456Z',
      '2017-11-13T17:13:01.1234567Z',
      '0001-01-01T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '1969-12-31T23:59:59.999999Z',
      '9999-12-31T23:59:59Z',
      '2020-02-29T00:00:00Z',
      '2019-02-29T00:00:00Z',
      '2017-11-13T24:00:00Z',
      '2017-11-13T23:59:60Z',
      '2017-11-13 17:13:01Z',
      '2017-11-13T17:13:01',
      '2017-11-13T17:13:01+00:00',
    ],
    unsigned: [
      '0',
      '007',
      '9223372036854775807',
      '9223372036854775808',
      '00000000000000000000009',
      '1'.repeat(5000),
      '-1',
      '+1',
      '1.0',
      '',
      ' 1',
      '٣',
    ],
    boolean: ['True', 'TRUE', 'False', 'FALSE', 'true', 'false', '', 'yes'],
  };

  it('on dates, instants, counts and booleans at their edges', () => {
    const script = `
import datetime, json, sys
sys.dont_write_bytecode = True
sys.path.insert(0, ${JSON.stringify(GLUE)})
import lakestep_rules as r
v = json.load(sys.stdin)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
def days(d): return None if d is None else (d - datetime.date(1970, 1, 1)).days
def micros(t): return None if t is None else str((t - EPOCH) // datetime.timedelta(microseconds=1))
json.dump({
  "yyddmm": [days(r.parse_yyddmm(x)) for x in v["yyddmm"]],
  "instant": [micros(r.parse_iso_instant(x)) for x in v["instant"]],
  "unsigned": [None if r.parse_unsigned_bigint(x) is None else str(r.parse_unsigned_bigint(x)) for x in v["unsigned"]],
  "boolean": [r.parse_boolean(x) for x in v["boolean"]],
}, sys.stdout)`;
    const expected = JSON.parse(python(script, [], JSON.stringify(values)));
    const str = (x: bigint | null) => (x === null ? null : String(x));
    expect({
      yyddmm: values.yyddmm.map(parseYyddmm),
      instant: values.instant.map((x) => str(parseIsoInstant(x))),
      unsigned: values.unsigned.map((x) => str(parseUnsignedBigint(x))),
      boolean: values.boolean.map(parseBoolean),
    }).toEqual(expected);
  });
});

describe('the real data through either transform path of the workflow', () => {
  const { dir, cleanup } = tempDir('small-paths');
  afterAll(cleanup);
  const files = [
    ...['CAvideos.csv', 'GBvideos.csv', 'INvideos.csv', 'USvideos.csv'].map((f) => join(REAL_DATA, 'csv', f)),
    ...[
      'MXvideos__carrizal_15col_final_day.csv',
      'USvideos__frogfreg_LF_normalized.csv',
      'USvideos__v1_schema_2017-09_valkoz.csv',
    ].map((f) => join(REAL_DATA, 'extra', f)),
    ...[
      'CA_category_id.json',
      'GB_category_id.json',
      'IN_category_id.json',
      'US_category_id.json',
      'MX_category_id.json',
    ].map((f) => join(REAL_DATA, 'json', f)),
  ];
  const STATISTICS_SQL =
    'SELECT * EXCLUDE (ingested_at) FROM cleansed.statistics ORDER BY region, source_object, video_id, trending_date';
  const lakes = { lambda: join(dir, 'lambda'), glue: join(dir, 'glue') };
  const runs: Record<string, Awaited<ReturnType<typeof runFiles>>> = {};

  beforeAll(async () => {
    runs.lambda = await runFiles(lakes.lambda, files, [], definitionWithSmallObjectBytes(dir, ALWAYS_LAMBDA));
    runs.glue = await runFiles(lakes.glue, files, [], definitionWithSmallObjectBytes(dir, ALWAYS_GLUE));
  });

  /** Every quarantined row of the lake, in a stable order. */
  const quarantined = (lake: string) =>
    query(
      lake,
      `SELECT * EXCLUDE (filename) FROM read_parquet(${sqlText(join(lake, 'quarantine', 'rows', '**', '*.parquet'))}, filename = true, union_by_name = true) ORDER BY source_object, record_no`,
    );

  it('each statistics object took the path its threshold says', () => {
    for (const [path, state] of [
      ['lambda', 'Transform small batch'],
      ['glue', 'Transform batch'],
    ] as const) {
      const transformed = (runs[path] ?? []).filter((r) =>
        r.states.some((s) => s.name.startsWith('Transform')),
      );
      expect(transformed.length).toBeGreaterThanOrEqual(5);
      for (const r of transformed) expect(r.states.map((s) => s.name)).toContain(state);
    }
  });

  it('gives each object the same outcome and counts, and the reference counts', () => {
    const reference = runReference(files).objects;
    const view = (r: ExecutionSummary) => ({
      object: basename(r.objectKey),
      outcome: r.outcome,
      rows: r.rows,
    });
    expect((runs.lambda ?? []).map(view)).toEqual((runs.glue ?? []).map(view));
    for (const r of runs.lambda ?? []) {
      const ref = reference[basename(r.objectKey)];
      expect({ object: basename(r.objectKey), outcome: r.outcome }).toEqual({
        object: basename(r.objectKey),
        outcome: ref?.outcome,
      });
      if (ref?.read !== undefined) expect(r.rows?.read).toBe(ref.read);
      if (ref?.cleansed !== undefined)
        expect(r.rows).toEqual({
          read: ref.read,
          cleansed: ref.cleansed,
          quarantined: ref.quarantined,
          duplicates: ref.duplicates,
        });
    }
  });

  it('leaves the same cleansed rows and quarantined rows in both lakes', async () => {
    const lambdaRows = await query(lakes.lambda, STATISTICS_SQL);
    expect(lambdaRows.length).toBeGreaterThan(5_000);
    expect(lambdaRows).toEqual(await query(lakes.glue, STATISTICS_SQL));
    const lambdaQuarantine = await quarantined(lakes.lambda);
    expect(lambdaQuarantine.length).toBeGreaterThan(0);
    expect(lambdaQuarantine).toEqual(await quarantined(lakes.glue));
  });

  it("materializes analytics.category_daily equal on both paths and to the reference program's", async () => {
    const rows = await query(lakes.lambda, CATEGORY_DAILY_SQL);
    expect(rows).toEqual(runReference(files).rows);
    expect(rows).toEqual(await query(lakes.glue, CATEGORY_DAILY_SQL));
  });
});

describe('the "Small object?" choice and the Lambda transform\'s bound', () => {
  it('sends statistics below the workflow threshold to the Lambda, the rest to Glue; a variant changes only that', () => {
    const committed = renderAsl(YOUTUBE_TRENDING);
    expect(committed.States['Which dataset?']).toMatchObject({
      Choices: expect.arrayContaining([
        { Variable: '$.ingest.dataset', StringEquals: 'statistics', Next: 'Small object?' },
      ]),
    });
    expect(committed.States['Small object?']).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.ingest.sizeBytes',
          NumericLessThan: SMALL_OBJECT_BYTES,
          Next: 'Transform small batch',
        },
      ],
      // The Glue path starts at its admission gate (decision 0027).
      Default: 'Acquire transform slot',
    });
    expect(committed.States['Transform small batch']).toMatchObject({
      Next: 'Check data quality',
      ResultPath: '$.transform',
    });
    const allGlue = renderAsl(withSmallObjectBytes(YOUTUBE_TRENDING, 0));
    const { 'Small object?': choice, ...rest } = allGlue.States;
    expect(choice).toMatchObject({ Choices: [{ NumericLessThan: 0 }], Default: 'Acquire transform slot' });
    const { 'Small object?': _, ...committedRest } = committed.States;
    expect(rest).toEqual(committedRest);
    expect(() => withSmallObjectBytes(YOUTUBE_TRENDING, SMALL_OBJECT_MAX_BYTES + 1)).toThrow(/memory bound/);
    expect(() => withSmallObjectBytes(YOUTUBE_TRENDING, -1)).toThrow(/whole number of bytes/);
  });

  it('refuses a bronze object above its memory bound with Lake.ObjectTooLarge, naming it', async () => {
    const { dir, cleanup } = tempDir('small-bound');
    try {
      const storage = new FsStorage(dir);
      const big = Object.create(storage) as FsStorage;
      big.head = async (ref) => ({ ...ref, size: SMALL_OBJECT_MAX_BYTES + 1 });
      const batch: Batch = {
        id: 'b',
        dataset: 'statistics',
        region: 'us',
        sourceObject: 'raw_statistics/region=us/USvideos.csv',
        sourceFile: 'USvideos.csv',
        partition: 'USvideos.csv',
        sequencer: '',
        bronze: { bucket: 'bronze', key: 'statistics/region=us/source_file=USvideos.csv/b/USvideos.csv' },
        staging: { bucket: 'cleansed', prefix: '_staging/statistics/region=us/b/' },
        ingestedAt: INGESTED_AT,
      };
      const ports: CorePorts = {
        storage: big,
        buckets: {
          landing: 'landing',
          bronze: 'bronze',
          cleansed: 'cleansed',
          analytics: 'analytics',
          quarantine: 'quarantine',
        },
        log: NOOP,
        metrics: METRICS,
        clock: { now: () => new Date() },
        datasets: YOUTUBE_DATASETS,
      };
      await expect(
        transformSmallBatch({ batch, objectKey: batch.sourceObject }, ports),
      ).rejects.toMatchObject({
        name: 'Lake.ObjectTooLarge',
        message: expect.stringContaining('USvideos.csv'),
      });
    } finally {
      cleanup();
    }
  });
});

describe('the row rules on fields of 16 MiB (where a backtracking pattern would need stack in proportion)', () => {
  it('name the broken rule in a node whose regexps are unoptimized, never a RangeError', () => {
    const here = (p: string) => JSON.stringify(resolve(__dirname, '..', p));
    const child = spawnSync(
      process.execPath,
      [
        '--no-regexp-optimization',
        '--require',
        'tsx/cjs',
        '-e',
        `
        const { compileRules, parseUnsignedBigint } = require(${here('handlers/core/transform-rules.ts')});
        const { STATISTICS } = require(${here('workflows/datasets.ts')});
        const broken = compileRules(STATISTICS);
        const n = 16 * 1024 * 1024;
        const good = ['aaaaaaaaaaa', '17.14.11', 't', 'c', '22', '2017-11-13T17:13:01.000Z', 'x', '1', '2', '3', '4', 'l', 'False', 'False', 'False', 'd'];
        const at = (i, v) => good.map((g, j) => (j === i ? v : g));
        const answers = [
          broken(good),
          broken(at(0, 'a'.repeat(n))),
          broken(at(1, '1'.repeat(n))),
          broken(at(5, '2020-01-01T00:00:00.' + '1'.repeat(n) + 'Z')),
          broken(at(7, '1'.repeat(n))),
          String(parseUnsignedBigint('0'.repeat(n) + '7')),
        ];
        process.stdout.write(JSON.stringify(answers));`,
      ],
      { encoding: 'utf8', maxBuffer: 1024 * 1024 },
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([
      null,
      'video_id',
      'trending_date',
      'publish_time',
      'counts',
      '7',
    ]);
  });
});
