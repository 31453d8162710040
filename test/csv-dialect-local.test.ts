/**
 * A `;`-delimited dataset with a `'` quote, end to end on the local runtime: jaffle-shop's customers
 * declared in that dialect land, pass the ingest header check, and are cleansed alike by the Lambda
 * transform (small objects) and the Glue stand-in (DuckDB over the local byte reader's strict CSV) —
 * quoted delimiters, doubled quotes, a line break inside quotes and characters after a closing quote
 * kept as the dialect says, a broken row quarantined with its rule — and the Glue script's Python gives
 * the same rows from the same text and spec. A header written with commas is rejected as
 * `header_mismatch`, its cause naming the dialect it was read in.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalRuntime } from '../local/runtime';
import type { Dataset } from '../workflows/datasets';
import { JAFFLE_SHOP } from '../workflows/jaffle-shop.workflow';
import { renderAslText } from '../workflows/render-asl';
import { withSmallObjectBytes } from '../workflows/small-objects';
import type { Workflow } from '../workflows/types';
import { GLUE_PREAMBLE } from './helpers/glue-python';
import { query, tempDir } from './helpers/lake';
import { python } from './helpers/python';

const DIALECT = { kind: 'csv', delimiter: ';', quote: "'" } as const;

/** jaffle-shop with its customers in the `;` dialect (and room for the test's two broken rows). */
const WORKFLOW: Workflow = {
  ...JAFFLE_SHOP,
  datasets: JAFFLE_SHOP.datasets.map(
    (d): Dataset =>
      d.name === 'customers'
        ? {
            ...d,
            format: DIALECT,
            batchRules: [
              { name: 'zero_rows', severity: 'error', description: 'no row survives the row rules' },
              {
                name: 'quarantined_share',
                severity: 'error',
                threshold: 0.5,
                description: 'more than half of the rows read were quarantined',
              },
            ],
          }
        : d,
  ),
};

const CUSTOMERS = [
  'id;first_name;last_name',
  "1;'Michael';'P.'",
  "2;'Shawn; Jr.';'O''Brien'", // a quoted delimiter, a doubled quote
  "3;Kathleen;'two\r\nlines'", // a line break inside quotes
  '4;"Double";\'Quote\'d', // double quotes are data; characters after a closing quote stay
  '',
  "5;'';'P.'", // an empty first name breaks the rule `names`
  '6,Comma,Row', // one field: breaks `field_count`
  "7;Ann;'Lee'",
].join('\r\n');

const CLEANSED = [
  { id: 1, first_name: 'Michael', last_name: 'P.' },
  { id: 2, first_name: 'Shawn; Jr.', last_name: "O'Brien" },
  { id: 3, first_name: 'Kathleen', last_name: 'two\r\nlines' },
  { id: 4, first_name: '"Double"', last_name: 'Quoted' },
  { id: 7, first_name: 'Ann', last_name: 'Lee' },
];

const QUARANTINED = [
  { rule: 'names', id: '5', first_name: '', field_count: 3 },
  { rule: 'field_count', id: '6,Comma,Row', first_name: null, field_count: 1 },
];

async function landAndRun(workflow: Workflow, lake: string, file: string, definitionFile?: string) {
  const rt = await LocalRuntime.open({
    workflow,
    lake,
    retryDelayMs: 0,
    ...(definitionFile ? { definitionFile } : {}),
  });
  try {
    return await rt.landAndExecute(file);
  } finally {
    rt.close();
  }
}

describe('a ;-delimited dataset on the local runtime', () => {
  const { dir, cleanup } = tempDir('csv-dialect-local');
  afterAll(cleanup);
  const data = join(dir, 'data');
  mkdirSync(join(data, 'commas'), { recursive: true });
  const file = join(data, 'raw_customers.csv');
  writeFileSync(file, CUSTOMERS);

  it.each([
    ['the Lambda transform (a small object)', null],
    ['the Glue stand-in (DuckDB)', 0],
  ] as const)('is cleansed by %s as the dialect reads it', async (_, smallObjectBytes) => {
    const lake = join(dir, `lake-${smallObjectBytes ?? 'lambda'}`);
    let definitionFile: string | undefined;
    if (smallObjectBytes !== null) {
      definitionFile = join(dir, `jaffle-shop.small-${smallObjectBytes}.asl.json`);
      writeFileSync(definitionFile, renderAslText(withSmallObjectBytes(WORKFLOW, smallObjectBytes)));
    }
    const run = await landAndRun(WORKFLOW, lake, file, definitionFile);
    expect([run.status, run.outcome, run.rows, run.cause]).toEqual([
      'SUCCEEDED',
      'succeeded',
      { read: 7, cleansed: 5, quarantined: 2, duplicates: 0 },
      null,
    ]);
    const transformStates = run.states.map((s) => s.name).filter((n) => /transform/i.test(n));
    expect(transformStates.join(' ')).toMatch(smallObjectBytes === null ? /small/i : /batch/i);
    expect(await query(lake, 'SELECT id, first_name, last_name FROM cleansed.customers ORDER BY id')).toEqual(
      CLEANSED,
    );
    const rows = join(lake, 'quarantine', 'rows', 'customers', '**', '*.parquet').replaceAll("'", "''");
    expect(
      await query(
        lake,
        `SELECT rule, id, first_name, field_count FROM read_parquet('${rows}') ORDER BY record_no`,
      ),
    ).toEqual(QUARANTINED);
  });

  it('gives the same rows in the Glue script, from the spec the job receives (with its format)', () => {
    const customers = WORKFLOW.datasets.find((d) => d.name === 'customers') as Dataset;
    const spec = { ...customers.transform, format: customers.format }; // as infra/pipeline-stack.ts passes it
    const script = `${GLUE_PREAMBLE}
payload = json.loads(sys.stdin.read())
r = rules.transform(payload["text"], payload["spec"], region="all", source_object="raw_customers.csv", ingested_at="2026-01-02T03:04:05Z")
names = [c["name"] for c in payload["spec"]["schema"]]
print(json.dumps({
  "rows": [{k: row[names.index(k)] for k in ("id", "first_name", "last_name")} for row in r.rows],
  "rejected": [[x[1], x[4], x[2]] for x in r.rejected],
}))
`;
    const out = JSON.parse(python(script, [], JSON.stringify({ text: readFileSync(file, 'utf8'), spec })));
    expect(out).toEqual({
      rows: CLEANSED,
      rejected: QUARANTINED.map((q) => [q.rule, q.id, q.field_count]),
    });
  });

  it('rejects a header written with commas as header_mismatch, naming the dialect', async () => {
    const commas = join(data, 'commas', 'raw_customers.csv');
    writeFileSync(commas, 'id,first_name,last_name\r\n1,Michael,P.\r\n');
    const run = await landAndRun(WORKFLOW, join(dir, 'lake-commas'), commas);
    expect([run.outcome, run.reason]).toEqual(['rejected', 'header_mismatch']);
    expect(run.cause).toContain('delimiter ";" and quote "\'"');
    expect(run.cause).toContain('expected id;first_name;last_name');
  });
});
