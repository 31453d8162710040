/**
 * The Glue job's rule logic (glue/lakestep_rules.py) without Spark: its unit tests pass, it gives the
 * reference's counts on the real and generated files, and it gives the same typed rows, quarantined
 * records and summary as the DuckDB transform that runs the same spec locally.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { FsStorage } from '../local/fs-storage';
import { writeSample } from '../local/sample-data';
import { transformRecords } from '../local/transform';
import { STATISTICS } from '../workflows/datasets';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { GLUE, GLUE_PREAMBLE } from './helpers/glue-python';
import { tempDir } from './helpers/lake';
import { python, REAL_DATA, type ReferenceObject, runReference } from './helpers/python';

const SPEC_JSON = JSON.stringify(STATISTICS);
const INGESTED_AT = '2026-01-02T03:04:05.678Z';

/** Applies lakestep_rules to files; the spec arrives on stdin as the Glue job gets it (--transform_spec). */
const DRIVER = `${GLUE_PREAMBLE}
spec = json.loads(sys.stdin.read())
mode, paths = sys.argv[1], sys.argv[2:]
out = {}
for path in paths:
    name = os.path.basename(path)
    text = rules.decode_object(open(path, "rb").read())
    try:
        r = rules.transform(text, spec, region="xx", source_object=name, ingested_at=${JSON.stringify(INGESTED_AT)})
    except rules.HeaderMismatch:
        out[name] = {"reason": "header_mismatch"}
        continue
    o = {"read": r.read, "cleansed": r.cleansed, "quarantined": r.quarantined, "duplicates": r.duplicates,
         "rules": r.rules}
    if mode == "rows":
        o["summary"] = rules.batch_summary(r, batch_id="b", region="xx", source_object=name,
                                           data_file="data/", rejected_file="rejected/")
        o["rows"] = [[cell(v) for v in row] for row in r.rows]
        o["rejected"] = [[cell(v) for v in row] for row in r.rejected]
    out[name] = o
json.dump(out, sys.stdout)
`;

import { edgeCaseFile, edgeRecord } from './helpers/edge-case-records';

interface PythonBatch {
  reason?: string;
  read?: number;
  cleansed?: number;
  quarantined?: number;
  duplicates?: number;
  rules?: Record<string, number>;
  summary?: Record<string, unknown>;
  rows?: (string | null)[][];
  rejected?: (string | null)[][];
}

const applyRules = (mode: 'counts' | 'rows', paths: readonly string[]): Record<string, PythonBatch> =>
  JSON.parse(python(DRIVER, [mode, ...paths], SPEC_JSON));

const csvFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => join(dir, f));

/** What the reference says of a statistics object, in the driver's terms. */
function expectedOf(ref: ReferenceObject | undefined): PythonBatch {
  if (ref?.reason === 'header_mismatch') return { reason: 'header_mismatch' };
  const { read, cleansed, quarantined, duplicates, rules } = ref ?? {};
  return { read, cleansed, quarantined, duplicates, rules };
}

describe('glue/lakestep_rules.py', () => {
  it('passes its unit tests (python3 -m unittest), and they ran', () => {
    const run = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'glue', '-p', 'test_*.py'], {
      cwd: resolve(__dirname, '..'),
      encoding: 'utf8',
      env: { ...process.env, LAKESTEP_TRANSFORM_SPEC: SPEC_JSON, PYTHONDONTWRITEBYTECODE: '1' },
    });
    const ran = Number(/Ran (\d+) tests?/.exec(run.stderr)?.[1] ?? 0);
    expect({ status: run.status, ok: /\nOK\b/.test(run.stderr) }).toEqual({ status: 0, ok: true });
    expect(ran).toBeGreaterThan(20);
  });

  it.each([
    ['csv', join(REAL_DATA, 'csv')],
    ['extra', join(REAL_DATA, 'extra')],
  ])('gives the reference counts and rules for every real file in %s/', (_label, dir) => {
    const files = csvFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    const reference = runReference(files).objects;
    const mine = applyRules('counts', files);
    for (const f of files) {
      const name = basename(f);
      expect({ name, ...mine[name] }).toEqual({ name, ...expectedOf(reference[name]) });
    }
  });

  it('gives the reference counts for the generated sample, whose files have duplicates and broken rows', async () => {
    const { dir, cleanup } = tempDir('glue-sample');
    try {
      const files = (await writeSample(dir)).filter((f) => f.endsWith('.csv'));
      const reference = runReference(files).objects;
      const mine = applyRules('counts', files);
      const duplicates = files.reduce((n, f) => n + (mine[basename(f)]?.duplicates ?? 0), 0);
      const quarantined = files.reduce((n, f) => n + (mine[basename(f)]?.quarantined ?? 0), 0);
      expect(duplicates).toBeGreaterThan(0);
      expect(quarantined).toBeGreaterThan(0);
      for (const f of files) {
        const name = basename(f);
        expect({ name, ...mine[name] }).toEqual({ name, ...expectedOf(reference[name]) });
      }
    } finally {
      cleanup();
    }
  });

  describe('matches the DuckDB transform row for row', () => {
    const { dir, cleanup } = tempDir('glue-parity');
    afterAll(cleanup);

    /** Records on the edges of every rule kind, with in-batch duplicates and full ties. */
    function edgeCaseCsv(): string {
      const rec = edgeRecord;
      const rows: string[][] = [
        rec({}),
        rec({ 2: 'tie, second' }),
        rec({ 2: 'more views', 0: 'bbbbbbbbbbb', 7: '101' }),
        rec({ 2: 'fewer views', 0: 'bbbbbbbbbbb', 7: '99' }),
        rec({ 0: 'ccccccccccc', 1: '20.29.02', 5: '2020-02-29T23:59:59.123456Z', 12: 'True', 13: 'false' }),
        rec({ 0: 'ddddddddddd', 5: '0001-01-01T00:00:00.5Z', 4: '0007', 7: '9223372036854775807' }),
        rec({ 1: '18.30.02' }),
        rec({ 5: '2017-11-13T24:00:00Z' }),
        rec({ 5: '0000-01-01T00:00:00Z' }),
        rec({ 5: '2017-11-13T17:13:01.1234567Z' }),
        rec({ 5: '2017-02-30T00:00:00Z' }),
        rec({ 1: '١٧.14.11' }),
        rec({ 7: '٣' }),
        rec({ 8: '9223372036854775808' }),
        rec({ 9: '-1' }),
        rec({ 0: '#NAME?' }),
        rec({ 0: 'ééééééééééé' }),
        [...rec({}), '"17th"'],
        rec({}).slice(0, 15),
      ];
      return edgeCaseFile(rows);
    }

    async function duckdbBatch(file: string, name: string) {
      const storage = new FsStorage(join(dir, 'lake'));
      const bronze = { bucket: 'bronze', key: `parity/${name}` };
      mkdirSync(join(dir, 'lake', 'bronze', 'parity'), { recursive: true });
      writeFileSync(storage.pathOf(bronze), readFileSync(file));
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      try {
        const staging = { bucket: 'cleansed', prefix: `_staging/${name}/` };
        const summary = await transformRecords(
          conn,
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
        const asText = (cols: readonly { name: string; type: string }[]) =>
          cols
            .map(({ name: c, type }) =>
              type === 'TIMESTAMP'
                ? `epoch_us("${c}")::VARCHAR`
                : type === 'DATE'
                  ? `strftime("${c}", '%Y-%m-%d')`
                  : `"${c}"::VARCHAR`,
            )
            .join(', ');
        const read = async (
          file: string,
          cols: readonly { name: string; type: string }[],
          orderBy: string,
        ) => {
          const path = storage.pathOf({ bucket: staging.bucket, key: `${staging.prefix}${file}` });
          const r = await conn.runAndReadAll(
            `SELECT ${asText(cols)} FROM read_parquet('${path}') ORDER BY ${orderBy}`,
          );
          return r.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
        };
        // The DuckDB batch file is unordered; the Python rules sort by the dedupe key (unique in a batch).
        const rows = await read(summary.files.data, STATISTICS.schema, STATISTICS.dedupeKey.join(', '));
        const rejectedCols = [
          { name: 'record_no', type: 'BIGINT' },
          { name: 'rule', type: 'VARCHAR' },
          { name: 'field_count', type: 'BIGINT' },
          { name: 'source_object', type: 'VARCHAR' },
          ...STATISTICS.rawColumns.map((c) => ({ name: c, type: 'VARCHAR' })),
        ];
        const rejected = summary.files.rejected
          ? await read(summary.files.rejected, rejectedCols, 'record_no')
          : [];
        return { summary, rows, rejected };
      } finally {
        conn.closeSync();
        db.closeSync();
      }
    }

    it('on edge cases of every rule kind, duplicates and ties', async () => {
      const file = join(dir, 'EDvideos.csv');
      writeFileSync(file, edgeCaseCsv(), 'utf8');
      const mine = applyRules('rows', [file])['EDvideos.csv'];
      const theirs = await duckdbBatch(file, 'EDvideos.csv');
      expect(mine?.rows).toEqual(theirs.rows);
      expect(mine?.rejected).toEqual(theirs.rejected);
      const { files: _a, ...mySummary } = mine?.summary ?? {};
      const { files: _b, ...theirSummary } = theirs.summary;
      expect(mySummary).toEqual(theirSummary);
      expect(theirs.summary).toMatchObject({ read: 19, cleansed: 4, duplicates: 2, quarantined: 13 });
    });

    it('on the generated sample files', async () => {
      const files = (await writeSample(join(dir, 'sample'))).filter(
        (f) => f.endsWith('.csv') && !f.includes('schema_drift'),
      );
      const mine = applyRules('rows', files);
      for (const f of files) {
        const name = basename(f);
        const theirs = await duckdbBatch(f, name);
        expect({ name, rows: mine[name]?.rows, rejected: mine[name]?.rejected }).toEqual({
          name,
          rows: theirs.rows,
          rejected: theirs.rejected,
        });
      }
    });
  });
});

describe('glue/transform_batch.py', () => {
  it('resolves exactly the arguments the "Transform batch" state passes, plus --transform_specs', () => {
    const step = YOUTUBE_TRENDING.steps.find((s) => s.id === 'transformBatch');
    if (step?.kind !== 'glueJob') throw new Error('the workflow has no Glue step "transformBatch"');
    const passed = Object.keys(step.arguments).map((k) => k.replace(/^--/, '').replace(/\.\$$/, ''));
    const script = `import sys, json\nsys.dont_write_bytecode = True\nsys.path.insert(0, ${JSON.stringify(GLUE)})\nimport transform_batch\nprint(json.dumps(transform_batch.ARGUMENTS))`;
    const resolved: string[] = JSON.parse(python(script));
    expect([...resolved].sort()).toEqual([...passed, 'transform_specs'].sort());
  });
});
