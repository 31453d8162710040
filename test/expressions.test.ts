/**
 * The derived-column subset at definition time: what parses, what is refused and with which fix, the
 * SQL it renders, the check that names the workflow, the dataset and the column, and the one list of
 * functions, each of which both engines document.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSpecProblems } from '../workflows/check-datasets';
import type { ColumnType } from '../workflows/column-types';
import type { SchemaColumn, TransformSpec } from '../workflows/datasets';
import { ExpressionError, parseExpression } from '../workflows/expressions';
import { compileDerivedColumns } from '../workflows/expressions-spec';
import { derivedColumnSql } from '../workflows/expressions-sql';
import { DERIVED_SQL_FUNCTIONS } from '../workflows/sql-dialect';

/** A spec whose typed columns are cents (BIGINT, bounded to 10 digits), price (DECIMAL(10,2)), name, paid. */
function specWith(...derived: SchemaColumn[]): TransformSpec {
  return {
    name: 'payments',
    rawColumns: ['cents', 'price', 'name', 'paid'],
    rules: [
      { name: 'cents', kind: 'integer', columns: ['cents'], min: 0, max: 1_000_000_000 },
      { name: 'price', kind: 'decimal', columns: ['price'], precision: 10, scale: 2 },
    ],
    schema: [
      { name: 'cents', type: 'BIGINT' },
      { name: 'price', type: 'DECIMAL(10,2)' },
      { name: 'name', type: 'VARCHAR' },
      { name: 'paid', type: 'BOOLEAN', booleans: { true: ['t'], false: ['f'] } },
      ...derived,
      { name: 'region', type: 'VARCHAR', batch: 'region' },
    ],
    dedupeKey: [],
    dedupeOrder: [],
    partitionBy: [],
  };
}

const derived = (expression: string, type: ColumnType = 'DECIMAL(18,2)'): SchemaColumn => ({
  name: 'amount',
  type,
  derived: expression,
});

/** The one problem the check finds in a spec with one derived column `amount`. */
function problemOf(expression: string, type?: ColumnType): string {
  const problems = transformSpecProblems('jaffle-shop', [specWith(derived(expression, type))]);
  expect(problems).toHaveLength(1);
  return problems[0] as string;
}

describe('parsing the shared subset', () => {
  it('reads precedence as SQL does: * before +, comparisons before NOT, AND before OR', () => {
    const sql = (text: string) => derivedColumnSql(parseExpression(text), 'BOOLEAN', (n) => n);
    expect(sql('a + b * c = d OR NOT e AND f')).toBe(
      'CAST((((a + (b * c)) = d) OR ((NOT e) AND f)) AS BOOLEAN)',
    );
    expect(sql("x IS NOT NULL AND y = 'coupon'")).toBe(
      "CAST(((x IS NOT NULL) AND (y = 'coupon')) AS BOOLEAN)",
    );
    expect(sql('- a - -1 < 0')).toBe('CAST((((- a) - (- 1)) < 0) AS BOOLEAN)');
  });

  it('renders CASE, coalesce, CAST and round as both engines read them', () => {
    const e = parseExpression(
      'case when paid then round(price * 0.5, 1) else coalesce(CAST(cents AS decimal(12,2)), 0) end',
    );
    expect(derivedColumnSql(e, 'DECIMAL(12,1)', (n) => `"${n}"`)).toBe(
      'CAST((CASE WHEN "paid" THEN round(("price" * 0.5), 1) ELSE coalesce(CAST("cents" AS DECIMAL(12,2)), 0) END) AS DECIMAL(12,1))',
    );
  });

  it('spells VARCHAR as STRING, which DuckDB reads as VARCHAR and Spark requires without a length', () => {
    expect(derivedColumnSql(parseExpression('CAST(cents AS VARCHAR)'), 'VARCHAR', (n) => n)).toBe(
      'CAST(CAST(cents AS STRING) AS STRING)',
    );
  });

  it.each([
    [
      'amount_cents / 100',
      0,
      13,
      '`/` is not in the shared subset (DuckDB divides DECIMALs as DOUBLE, other engines divide integers as integers): write amount_cents * 0.01',
    ],
    ['cents/10', 0, 5, 'write cents * 0.1'],
    [
      'cents / 4',
      0,
      6,
      'multiply by an exact decimal instead, e.g. amount_cents * 0.01 for amount_cents / 100',
    ],
    ['a != b', 0, 2, 'write <> for "not equal"'],
    ["name || 'x'", 0, 5, 'concatenation'],
    ['a % 2', 0, 2, 'modulo'],
    ['a +', 0, 3, 'expected a column, a literal'],
    ['(a + 1', 0, 6, 'expected ")"'],
    ['a = 1 = 2', 0, 6, 'comparisons do not chain'],
    ['1e3', 0, 0, 'no exponent'],
    ['NULL', 0, 0, 'a bare NULL has no type'],
    ["s = 'it''s'", 0, 7, "'it''s' is \"its\" there"],
    ["s = 'a\\b'", 0, 6, 'a backslash inside a string literal'],
    ['"amount"', 0, 0, 'quoted names are not in the subset'],
    ["'open", 0, 0, "has no closing '"],
    ['CASE paid WHEN true THEN 1 END', 0, 5, 'only the searched CASE'],
    ['CAST(a AS INTEGER)', 0, 10, 'CAST to INTEGER is not in the subset'],
    ['round(price)', 0, 0, 'round takes a value and a number of decimal places'],
    ['coalesce(a)', 0, 0, 'coalesce needs at least two arguments'],
    ['abs(a)', 0, 0, 'abs is not in the shared subset'],
    ['lower(name)', 0, 0, "lower('ΑΣ') is 'ασ' on DuckDB, 'ας' on Spark"],
    ['upper(name)', 0, 0, "upper('ß') is 'ẞ' on DuckDB, 'SS' on Spark"],
  ])('refuses `%s` at its offset with the fix', (text, _, at, fix) => {
    let error: unknown;
    try {
      parseExpression(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).at).toBe(at);
    expect((error as Error).message).toContain(`\`${text}\``);
    expect((error as Error).message).toContain(fix);
  });
});

describe('type-checking a derived column against its declared type', () => {
  it('accepts cents * 0.01 as DECIMAL(18,2) because the integer rule bounds cents to 10 digits', () => {
    expect(transformSpecProblems('jaffle-shop', [specWith(derived('cents * 0.01'))])).toEqual([]);
  });

  it.each([
    [
      'cents * 0.01',
      'DECIMAL(18,3)',
      'has 2 decimal places, the column 3: write CAST(cents * 0.01 AS DECIMAL(18,3))',
    ],
    ['price * 0.5', 'DECIMAL(18,2)', 'has 3 decimal places, the column 2: write round(price * 0.5, 2)'],
    [
      'cents * 0.01',
      'DECIMAL(11,2)',
      'can reach 10^10, more than DECIMAL(11,2) holds: declare DECIMAL(12,2)',
    ],
    ['cents', 'DECIMAL(18,2)', 'is a BIGINT: write CAST(cents AS DECIMAL(18,2))'],
    ['price', 'BIGINT', 'is a DECIMAL: declare the column DECIMAL(10,2)'],
    ['name', 'BIGINT', 'is VARCHAR, the column BIGINT'],
    ['paid', 'VARCHAR', 'is BOOLEAN, the column VARCHAR: declare it BOOLEAN, or write CAST(… AS VARCHAR)'],
    ['nope * 0.01', 'DECIMAL(18,2)', 'no column "nope" to read: use one of cents, price, name, paid'],
    ['region', 'VARCHAR', 'no column "region"'],
    ['name = 1', 'BOOLEAN', '= compares VARCHAR with BIGINT'],
    ['paid + 1', 'BIGINT', '`+` needs a number, found BOOLEAN'],
    ['CASE WHEN cents THEN 1 END', 'BIGINT', 'WHEN needs a condition (BOOLEAN), found BIGINT'],
    ['coalesce(name, 1)', 'VARCHAR', 'coalesce mixes VARCHAR and BIGINT'],
    ['CAST(price AS BIGINT)', 'BIGINT', 'DuckDB rounds a DECIMAL, Spark truncates it'],
    [
      'CAST(price AS VARCHAR)',
      'VARCHAR',
      'CAST of DECIMAL with 2 decimal places to VARCHAR is not in the subset',
    ],
    ['CAST(price AS DECIMAL(10,1))', 'DECIMAL(10,1)', 'write round(x, 1) first'],
    ['CAST(price AS DECIMAL(9,2))', 'DECIMAL(9,2)', 'CAST to DECIMAL(9,2) can overflow'],
    ['round(price, 2)', 'DECIMAL(10,2)', 'changes nothing'],
    ['round(cents, 0)', 'BIGINT', 'round needs a DECIMAL, found BIGINT'],
    ['price * price', 'DECIMAL(20,4)', 'DuckDB computes this in 18 digits'],
    ['cents * cents * cents', 'BIGINT', 'this can exceed BIGINT'],
    ['2000000000 + 2000000000', 'BIGINT', 'integer literals alone are 32-bit'],
  ] as const)('refuses `%s` as %s: %s', (expression, type, fix) => {
    const problem = problemOf(expression, type);
    expect(problem).toContain('workflow jaffle-shop, dataset payments: schema[4] (amount): derived');
    expect(problem).toContain(fix);
  });

  it('refuses an unbounded BIGINT times 0.01 into DECIMAL(18,2): 19 digits of cents need DECIMAL(21,2)', () => {
    const spec = specWith(derived('cents * 0.01'));
    const unbounded = { ...spec, rules: spec.rules.filter((r) => r.name !== 'cents') };
    expect(transformSpecProblems('w', [unbounded])).toEqual([
      expect.stringContaining(
        '`cents * 0.01` can reach 10^19, more than DECIMAL(18,2) holds: declare DECIMAL(21,2)',
      ),
    ]);
  });

  it("is what docs/writing-a-workflow.md's example error says", () => {
    const doc = readFileSync(join(__dirname, '..', 'docs', 'writing-a-workflow.md'), 'utf8');
    const shown = /```\n(workflow jaffle-shop[\s\S]*?)```/.exec(doc)?.[1]?.replace(/\s+/g, ' ').trim();
    const spec: TransformSpec = {
      ...specWith(),
      rawColumns: ['amount'],
      rules: [],
      schema: [
        { name: 'id', type: 'BIGINT', raw: 'amount' },
        { name: 'payment_method', type: 'VARCHAR', raw: 'amount' },
        { name: 'order_id', type: 'BIGINT', raw: 'amount' },
        { name: 'amount_cents', type: 'BIGINT', raw: 'amount' },
        { name: 'amount', type: 'DECIMAL(18,2)', derived: 'amount_cents * 0.01' },
      ],
    };
    expect(transformSpecProblems('jaffle-shop', [spec])).toEqual([shown]);
  });

  it('lets a derived column read an earlier derived one, never a later one', () => {
    const dollars = derived('cents * 0.01');
    const doubled: SchemaColumn = { name: 'doubled', type: 'DECIMAL(18,2)', derived: 'amount * 2' };
    expect(transformSpecProblems('w', [specWith(dollars, doubled)])).toEqual([]);
    expect(compileDerivedColumns(specWith(dollars, doubled)).map((d) => d.column.name)).toEqual([
      'amount',
      'doubled',
    ]);
    expect(transformSpecProblems('w', [specWith(doubled, dollars)])).toEqual([
      expect.stringContaining(
        'schema[4] (doubled): derived at offset 0: `amount * 2`: no column "amount" to read',
      ),
    ]);
  });

  it('reports every broken derived column, not only the first', () => {
    const problems = transformSpecProblems('w', [
      specWith(derived('cents / 100'), { name: 'b', type: 'BIGINT', derived: 'abs(cents)' }),
    ]);
    expect(problems).toEqual([
      expect.stringContaining(
        'schema[4] (amount): derived at offset 6: `cents / 100`: `/` is not in the shared subset',
      ),
      expect.stringContaining(
        'schema[5] (b): derived at offset 0: `abs(cents)`: abs is not in the shared subset',
      ),
    ]);
  });

  it('reports a broken column once: a later column that reads it is checked against its declared type', () => {
    const missing: SchemaColumn = { name: 'missing', type: 'BOOLEAN', derived: 'amount IS NULL' };
    expect(transformSpecProblems('w', [specWith(derived('cents / 100'), missing)])).toEqual([
      expect.stringContaining('schema[4] (amount): derived at offset 6'),
    ]);
  });

  it('refuses a derived column that also names a raw column, and a DECIMAL typed from text without a decimal rule', () => {
    const spec = specWith({ name: 'amount', type: 'DECIMAL(18,2)', derived: 'cents * 0.01', raw: 'cents' });
    expect(transformSpecProblems('w', [spec])).toEqual([
      expect.stringContaining('schema[4] (amount): it has derived and also raw or batch'),
    ]);
    const loose = specWith();
    const noRule = { ...loose, rules: loose.rules.filter((r) => r.kind !== 'decimal') };
    expect(transformSpecProblems('w', [noRule])).toEqual([
      expect.stringContaining(
        'schema[1] (price): a DECIMAL(10,2) typed from raw text needs a decimal rule on "price"',
      ),
    ]);
    const bad = specWith({ name: 'amount', type: 'DECIMAL(40,2)' as ColumnType, derived: 'cents * 0.01' });
    expect(transformSpecProblems('w', [bad])).toEqual(
      expect.arrayContaining([expect.stringContaining('type is "DECIMAL(40,2)": use one of VARCHAR')]),
    );
  });
});

describe('the one list of derived-column functions', () => {
  const documented = (engine: string) => {
    const file = JSON.parse(
      readFileSync(join(__dirname, 'fixtures', 'sql-functions', `${engine}.json`), 'utf8'),
    ) as { documented: { name: string; url: string }[] };
    return new Map(file.documented.map((d) => [d.name, d.url]));
  };

  it.each(['duckdb', 'spark-sql'])(
    'has every function and syntax documented by %s, each with its page',
    (engine) => {
      const docs = documented(engine);
      for (const name of [...DERIVED_SQL_FUNCTIONS, 'case', 'cast', 'is null']) {
        expect({ name, documented: docs.has(name) }).toEqual({ name, documented: true });
        expect(docs.get(name)).toMatch(/^https:\/\/(duckdb\.org|spark\.apache\.org)\/docs\//);
      }
    },
  );

  it('is what the parser accepts: a name outside it is refused', () => {
    for (const name of DERIVED_SQL_FUNCTIONS) expect(() => parseExpression(`${name}(a, 1)`)).not.toThrow();
    expect(() => parseExpression('nullif(a, 1)')).toThrow('nullif is not in the shared subset');
  });
});
