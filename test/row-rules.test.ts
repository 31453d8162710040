/**
 * The row rule kinds mean the same on every engine: one table of values per kind runs through the
 * DuckDB SQL of the local transform, the TypeScript of the small-object Lambda and the plain Python of
 * the Glue script, and all three must name the same values broken. Definition errors are refused
 * before anything runs, by the TypeScript check and by the Glue script's spec check alike.
 */
import { resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { compileRules } from '../handlers/core/transform-rules';
import { ruleBroken } from '../local/transform-sql';
import type { TransformSpec } from '../workflows/datasets';
import { ROW_RULE_KINDS, type RowRule, rowRuleProblems } from '../workflows/row-rules';
import { GLUE_PREAMBLE } from './helpers/glue-python';
import { python } from './helpers/python';

const COLUMNS = ['a', 'b'];

/** A dataset of two raw columns with one rule: what each engine's rule check takes. */
const specOf = (rule: RowRule): TransformSpec =>
  ({
    rawColumns: COLUMNS,
    rules: [rule],
    schema: [],
    dedupeKey: [],
    dedupeOrder: [],
  }) as never;

interface Case {
  readonly rule: RowRule;
  /** Values of column a (b is '7' unless a case gives both fields). */
  readonly ok: readonly (string | readonly string[])[];
  readonly broken: readonly (string | readonly string[])[];
}

const CASES: readonly Case[] = [
  {
    rule: { name: 'required', kind: 'notNull', columns: ['a', 'b'] },
    ok: ['x', ' ', '0', ['x', 'y']],
    broken: ['', ['x', ''], ['x']],
  },
  {
    rule: {
      name: 'status',
      kind: 'acceptedValues',
      column: 'a',
      values: ['placed', 'shipped', 'return_pending'],
    },
    ok: ['placed', 'shipped', 'return_pending'],
    broken: ['Placed', 'placed ', '', 'returned', "placed' OR '1'='1"],
  },
  {
    rule: { name: 'quote', kind: 'acceptedValues', column: 'a', values: ["it's", ''] },
    ok: ["it's", ''],
    broken: ['its', "it''s"],
  },
  {
    rule: { name: 'amount', kind: 'integer', columns: ['a'] },
    ok: ['0', '-0', '007', '-12', '9223372036854775807', '-9223372036854775808', `000${'0'.repeat(40)}1`],
    broken: [
      '',
      '+1',
      '1.0',
      ' 1',
      '1 ',
      '9223372036854775808',
      '-9223372036854775809',
      '--1',
      '-',
      '1e3',
      '٣',
      '1'.repeat(5000),
    ],
  },
  {
    rule: { name: 'cents', kind: 'integer', columns: ['a'], min: 0, max: 100000 },
    ok: ['0', '100000', '00042', '-0'],
    broken: ['-1', '100001', '9223372036854775807', ''],
  },
  {
    rule: { name: 'negative', kind: 'integer', columns: ['a'], min: -10, max: -5 },
    ok: ['-10', '-5', '-007'],
    broken: ['-11', '-4', '5', '0'],
  },
  {
    rule: { name: 'price', kind: 'decimal', columns: ['a'], precision: 5, scale: 2 },
    ok: ['0', '123.45', '-123.45', '999', '0.5', '000123.4', '-0.00', '12.3'],
    broken: ['1234.5', '123.456', '1.', '.5', '', '+1', '1,5', '12 ', '1e2', '--1', '-'],
  },
  {
    rule: { name: 'whole', kind: 'decimal', columns: ['a'], precision: 3, scale: 0 },
    ok: ['999', '-999', '0', '000'],
    broken: ['1000', '1.0', '0.1'],
  },
  {
    rule: { name: 'order_date', kind: 'date', column: 'a', format: '%Y-%m-%d' },
    ok: ['2018-01-01', '2020-02-29', '0001-01-01', '9999-12-31', '2018-12-31'],
    broken: [
      '2019-02-29',
      '2018-13-01',
      '2018-00-10',
      '2018-01-00',
      '2018-01-32',
      '0000-01-01',
      '2018-1-01',
      '2018/01/01',
      '',
      '2018-01-01 ',
      '２０18-01-01',
      'abcd-ef-gh',
    ],
  },
  {
    rule: { name: 'trending', kind: 'date', column: 'a', format: '%y.%d.%m' },
    ok: ['17.14.11', '20.29.02', '00.01.01'],
    broken: ['21.29.02', '17.31.04', '1.14.11', '17.14.11 ', ''],
  },
  {
    rule: { name: 'us_date', kind: 'date', column: 'a', format: '%m/%d/%Y' },
    ok: ['02/29/2024', '12/31/1999'],
    broken: ['2024-02-29', '13/01/2024', '02/30/2024'],
  },
  {
    rule: { name: 'id', kind: 'pattern', column: 'a', pattern: '[A-Za-z0-9_-]{3}' },
    ok: ['abc', 'A_-'],
    broken: ['ab', 'abcd', '', 'ab!'],
  },
  {
    rule: { name: 'count', kind: 'unsignedInteger', columns: ['a'] },
    ok: ['0', '007', '9223372036854775807'],
    broken: ['-1', '', '9223372036854775808'],
  },
];

const fieldsOf = (v: string | readonly string[]): string[] => (typeof v === 'string' ? [v, '7'] : [...v]);

/** Every case's records, and whether each is expected broken. */
const RECORDS = CASES.flatMap((c, caseNo) => [
  ...c.ok.map((v) => ({ caseNo, fields: fieldsOf(v), broken: false })),
  ...c.broken.map((v) => ({ caseNo, fields: fieldsOf(v), broken: true })),
]);

const expected = RECORDS.map((r) => `${r.caseNo}:${JSON.stringify(r.fields)}:${r.broken}`);
const answers = (broken: readonly boolean[]) =>
  RECORDS.map((r, i) => `${r.caseNo}:${JSON.stringify(r.fields)}:${broken[i]}`);

describe('every row rule kind, on DuckDB, TypeScript and Python alike', () => {
  it('lists the same kinds in the Glue script as in workflows/row-rules.ts, and the table covers the new ones', () => {
    const kinds = JSON.parse(python(`${GLUE_PREAMBLE}\nprint(json.dumps(list(rules.RULE_KINDS)))`));
    expect([...kinds].sort()).toEqual([...ROW_RULE_KINDS].sort());
    for (const kind of ['notNull', 'acceptedValues', 'integer', 'decimal', 'date'])
      expect(CASES.some((c) => c.rule.kind === kind)).toBe(true);
  });

  it('TypeScript (the small-object Lambda)', () => {
    const broken = RECORDS.map(
      (r) => compileRules(specOf(CASES[r.caseNo]?.rule as RowRule))(r.fields) !== null,
    );
    expect(answers(broken)).toEqual(expected);
  });

  it('DuckDB SQL (the local transform)', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const broken: boolean[] = [];
      for (const r of RECORDS) {
        const rule = CASES[r.caseNo]?.rule as RowRule;
        // A missing field is NULL in the staged records, as the strict CSV reader leaves it.
        const cols = COLUMNS.map(
          (_, i) => `${i < r.fields.length ? `$${i + 1}::VARCHAR` : 'NULL::VARCHAR'} AS c${i}`,
        );
        const params = r.fields.slice(0, COLUMNS.length);
        const reader = await conn.runAndReadAll(
          `SELECT (${ruleBroken(specOf(rule), rule)}) AS broken FROM (SELECT ${cols.join(', ')}, ${r.fields.length} AS field_count)`,
          params,
        );
        broken.push(reader.getRows()[0]?.[0] === true);
      }
      expect(answers(broken)).toEqual(expected);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('Python (the Glue script)', () => {
    const script = `${GLUE_PREAMBLE}
out = []
for item in json.loads(sys.stdin.read()):
    spec = {"rawColumns": ${JSON.stringify(COLUMNS)}, "rules": [item["rule"]]}
    out.append(rules.broken_rule(item["fields"], spec) is not None)
print(json.dumps(out))
`;
    const input = JSON.stringify(RECORDS.map((r) => ({ rule: CASES[r.caseNo]?.rule, fields: r.fields })));
    expect(answers(JSON.parse(python(script, [], input)))).toEqual(expected);
  });
});

describe('a rule with a definition error is refused before anything runs', () => {
  const bad: readonly [RowRule, string][] = [
    [
      { name: 'r', kind: 'notNull', columns: ['zz'] },
      'rules[0] (r): no column "zz" in the dataset: use one of a, b',
    ],
    [{ name: 'r', kind: 'notNull', columns: [] }, 'columns is empty'],
    [{ name: 'r', kind: 'acceptedValues', column: 'a', values: [] }, 'values is empty'],
    [{ name: 'r', kind: 'integer', columns: ['a'], min: 5, max: 1 }, 'min 5 is greater than max 1'],
    [{ name: 'r', kind: 'integer', columns: ['a'], max: 2 ** 60 }, 'max must be a safe integer'],
    [
      { name: 'r', kind: 'decimal', columns: ['a'], precision: 39, scale: 0 },
      'precision must be an integer from 1 to 38',
    ],
    [
      { name: 'r', kind: 'decimal', columns: ['a'], precision: 4, scale: 5 },
      'scale must be an integer from 0 to the precision',
    ],
    [{ name: 'r', kind: 'date', column: 'a', format: '%Y-%m' }, 'it has no day'],
    [{ name: 'r', kind: 'date', column: 'a', format: '%Y-%m-%d %H' }, '%H is not one of %Y, %y, %m, %d'],
    [{ name: 'r', kind: 'date', column: 'a', format: '%Y年%m-%d' }, '"年" is neither a field'],
    [{ name: 'r', kind: 'date', column: 'a', format: '%Y-%m-%d-%y' }, 'the year appears twice'],
    [{ name: 'r', kind: 'pattern', column: 'a', pattern: '(?=a)b' }, 'lookaround or a backreference'],
    [{ name: 'r', kind: 'pattern', column: 'a', pattern: '[' }, 'pattern is not a regular expression'],
  ];

  it.each(bad.map(([rule, message]) => [message, rule] as const))('%s', (message, rule) => {
    expect(rowRuleProblems([rule], COLUMNS)).toEqual([expect.stringContaining(message)]);
  });

  it('names a duplicated rule name, and finds nothing wrong in the YouTube statistics rules', () => {
    const rule: RowRule = { name: 'r', kind: 'notNull', columns: ['a'] };
    expect(rowRuleProblems([rule, rule], COLUMNS)).toEqual([
      'rules[1] (r): name is used by an earlier rule: names must be unique',
    ]);
    const { STATISTICS } = require('../workflows/datasets') as typeof import('../workflows/datasets');
    expect(rowRuleProblems(STATISTICS.rules, STATISTICS.rawColumns)).toEqual([]);
  });

  it('the Glue script refuses a bad date format in its spec with the fix', () => {
    const script = `${GLUE_PREAMBLE}
spec = {"rawColumns": ["a"], "rules": [{"name": "d", "kind": "date", "column": "a", "format": "%Y-%m"}],
        "schema": [], "dedupeKey": [], "dedupeOrder": []}
try:
    rules.validate_spec(spec)
    print("accepted")
except rules.TransformSpecError as e:
    print(e)
`;
    expect(python(script)).toMatch(
      /rule d: date format '%Y-%m': it needs a year, a month and a day.*--transform_spec/,
    );
  });
});

describe('npm run asl and cdk synth check the transform spec', () => {
  it('names the workflow, the dataset, the rule and the fix', () => {
    const { STATISTICS } = require('../workflows/datasets') as typeof import('../workflows/datasets');
    const { assertTransformSpecs, transformSpecProblems } =
      require('../workflows/check-datasets') as typeof import('../workflows/check-datasets');
    expect(transformSpecProblems('youtube-trending', [STATISTICS])).toEqual([]);
    const broken = {
      ...STATISTICS,
      rules: [...STATISTICS.rules, { name: 'views_range', kind: 'integer', columns: ['view'], min: 0 }],
      dedupeOrder: [...STATISTICS.dedupeOrder, 'viewz'],
    } as typeof STATISTICS;
    expect(() => assertTransformSpecs('youtube-trending', [broken])).toThrow(
      'The transform spec has 2 errors:\n' +
        '- workflow youtube-trending, dataset statistics: rules[5] (views_range): no column "view" in the dataset: use one of video_id,',
    );
    expect(transformSpecProblems('youtube-trending', [broken])[1]).toBe(
      'workflow youtube-trending, dataset statistics: dedupeOrder names "viewz", which is not a column of the schema: add it there or remove it',
    );
  });

  it('fails the workflow check that the ASL writer and the stack run', () => {
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const { STATISTICS, YOUTUBE_DATASETS } =
      require('../workflows/datasets') as typeof import('../workflows/datasets');
    const { assertWorkflow } =
      require('../workflows/check-workflow') as typeof import('../workflows/check-workflow');
    const { YOUTUBE_TRENDING } =
      require('../workflows/youtube-trending.workflow') as typeof import('../workflows/youtube-trending.workflow');
    const transform = { ...STATISTICS, dedupeKey: [...STATISTICS.dedupeKey, 'regon'] };
    const datasets = YOUTUBE_DATASETS.map((d) => (d.name === 'statistics' ? { ...d, transform } : d));
    expect(() => assertWorkflow({ ...YOUTUBE_TRENDING, datasets })).toThrow(
      'workflow youtube-trending, dataset statistics: dedupeKey names "regon"',
    );
    for (const file of ['workflows/write-asl.ts', 'infra/pipeline-stack.ts'])
      expect(readFileSync(resolve(__dirname, '..', file), 'utf8')).toMatch(/assertWorkflow\(/);
  });
});

describe('a schema column is typed alike on every engine', () => {
  const { RecordTransform } =
    require('../handlers/core/transform-records') as typeof import('../handlers/core/transform-records');
  const { typedSelectSql } = require('../local/transform-sql') as typeof import('../local/transform-sql');
  const spec = {
    name: 'statistics',
    rawColumns: ['day', 'flag', 'n', 'at', 'text'],
    rules: [],
    schema: [
      { name: 'region', type: 'VARCHAR', batch: 'region' },
      { name: 'day', type: 'DATE', dateFormat: '%d/%m/%Y' },
      { name: 'flag', type: 'BOOLEAN', booleans: { true: ['yes', 'Y'], false: ['no'] } },
      { name: 'n', type: 'BIGINT' },
      { name: 'at', type: 'TIMESTAMP' },
      { name: 'text', type: 'VARCHAR' },
      { name: 'day_text', type: 'VARCHAR', raw: 'day' },
      { name: 'source_object', type: 'VARCHAR', batch: 'sourceObject' },
    ],
    dedupeKey: ['n'],
    dedupeOrder: [],
    partitionBy: [],
  } as unknown as TransformSpec;
  const records = [
    ['29/02/2024', 'yes', '-42', '2017-11-13T17:13:01.123456Z', "it's"],
    ['01/01/0001', 'Y', '007', '1969-12-31T23:59:59Z', ''],
    ['31/12/9999', 'no', '9223372036854775807', '2020-02-29T00:00:00.5Z', 'é'],
    ['15/06/2018', 'maybe', '-9223372036854775808', '2018-06-15T12:00:00Z', 'x'],
  ];
  const expected = [
    ['xx', '2024-02-29', 'true', '-42', '1510593181123456', "it's", '29/02/2024', 'o.csv'],
    ['xx', '0001-01-01', 'true', '7', '-1000000', '', '01/01/0001', 'o.csv'],
    ['xx', '9999-12-31', 'false', '9223372036854775807', '1582934400500000', 'é', '31/12/9999', 'o.csv'],
    ['xx', '2018-06-15', null, '-9223372036854775808', '1529064000000000', 'x', '15/06/2018', 'o.csv'],
  ];

  it('TypeScript', () => {
    const t = new RecordTransform(spec, { region: 'xx', sourceObject: 'o.csv', ingestedAt: 0n });
    t.push([...spec.rawColumns]);
    for (const r of records) t.push(r);
    const rows = t
      .result()
      .rows.map((row) =>
        row.map((v, i) =>
          v === null
            ? null
            : i === 1
              ? new Date(Number(v) * 86_400_000).toISOString().slice(0, 10)
              : String(v),
        ),
      );
    const byN = (a: (string | null)[], b: (string | null)[]) =>
      BigInt(a[3] as string) < BigInt(b[3] as string) ? -1 : 1;
    expect(rows.sort(byN)).toEqual([...expected].sort(byN));
  });

  it('DuckDB SQL', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const rows: (string | null)[][] = [];
      for (const r of records) {
        const cols = r.map((_, i) => `$c${i}::VARCHAR AS c${i}`).join(', ');
        const reader = await conn.runAndReadAll(
          `SELECT region, day::VARCHAR, flag::VARCHAR, n::VARCHAR, epoch_us("at")::VARCHAR, "text", day_text, source_object FROM (SELECT ${typedSelectSql(spec)} FROM (SELECT ${cols}))`,
          {
            region: 'xx',
            source_object: 'o.csv',
            ...Object.fromEntries(r.map((v, i) => [`c${i}`, v])),
          },
        );
        rows.push((reader.getRows()[0] ?? []).map((v) => (v === null ? null : String(v))));
      }
      expect(rows).toEqual(expected);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('Python', () => {
    const script = `${GLUE_PREAMBLE}
spec = json.loads(sys.stdin.read())
context = {"region": "xx", "source_object": "o.csv", "ingested_at": EPOCH}
print(json.dumps([[cell(v) for v in rules.typed_row(r, spec, context)] for r in ${JSON.stringify(records)}]))
`;
    expect(JSON.parse(python(script, [], JSON.stringify(spec)))).toEqual(expected);
  });

  it('a schema column with a definition error is refused with the fix', () => {
    const { transformSpecProblems } =
      require('../workflows/check-datasets') as typeof import('../workflows/check-datasets');
    const bad = {
      ...spec,
      schema: [
        { name: 'day', type: 'DATE' },
        { name: 'flag', type: 'BOOLEAN', booleans: { true: ['y'], false: ['y'] } },
        { name: 'when', type: 'TIMESTAMP' },
        { name: 'odd', type: 'VARCHAR', batch: 'partition' },
        { name: 'flag2', type: 'BOOLEAN', raw: 'flag' },
      ],
    } as unknown as TransformSpec;
    expect(transformSpecProblems('w', [bad])).toEqual([
      'workflow w, dataset statistics: schema[0] (day): a DATE needs dateFormat, e.g. "%Y-%m-%d"',
      'workflow w, dataset statistics: schema[1] (flag): a spelling is listed as both true and false',
      'workflow w, dataset statistics: schema[2] (when): no raw column "when": set raw to one of day, flag, n, at, text, or batch',
      'workflow w, dataset statistics: schema[3] (odd): batch is "partition": use one of region, sourceObject, ingestedAt',
      expect.stringContaining('schema[4] (flag2): a BOOLEAN needs booleans'),
      'workflow w, dataset statistics: dedupeKey names "n", which is not a column of the schema: add it there or remove it',
    ]);
  });
});
