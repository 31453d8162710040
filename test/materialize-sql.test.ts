/**
 * The generated MERGE (workflows/materialize-sql.ts) run on DuckDB as written: a whole-table scope
 * (jaffle-shop's customers = customers ⋈ orders) shrinks when a corrected source drops a key and is
 * idempotent; a partition scope touches only its partition value; the definition-time checks name a
 * scope that does not fit the columns.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { materializationProblems } from '../workflows/check-materializations';
import { mergeSqlOf } from '../workflows/materialize-sql';
import type { Materialization, Workflow } from '../workflows/types';
import { CATEGORY_DAILY, YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

const CUSTOMERS: Materialization = {
  name: 'customers',
  table: 'customers',
  description: 'One row per customer with their order count and first order',
  columns: [
    { name: 'customer_id', type: 'BIGINT' },
    { name: 'name', type: 'VARCHAR' },
    { name: 'orders', type: 'BIGINT' },
    { name: 'first_order', type: 'DATE' },
  ],
  key: ['customer_id'],
  scope: 'table',
  select: [
    'SELECT c.id AS customer_id, c.name, count(o.id) AS orders, min(o.ordered_on) AS first_order',
    'FROM ${cleansed}.customers c',
    'LEFT JOIN ${cleansed}.orders o ON o.customer_id = c.id',
    'GROUP BY c.id, c.name',
  ].join('\n'),
};

/** A per-region count whose SELECT (carelessly) yields every region: the MERGE still keeps to one. */
const REGION_COUNTS: Materialization = {
  name: 'region_counts',
  table: 'region_counts',
  description: 'Orders per region and day',
  columns: [
    { name: 'region', type: 'VARCHAR' },
    { name: 'day', type: 'DATE' },
    { name: 'orders', type: 'BIGINT' },
  ],
  key: ['region', 'day'],
  scope: { partition: 'region' },
  select:
    'SELECT region, ordered_on AS day, count(*) AS orders FROM ${cleansed}.orders GROUP BY region, ordered_on',
};

let conn: DuckDBConnection;

const local = (sql: string, region?: string) =>
  sql
    .replaceAll('${analytics}', 'analytics')
    .replaceAll('${cleansed}', 'cleansed')
    .replaceAll(':region', `'${region ?? ''}'`);

async function rows(sql: string): Promise<unknown[][]> {
  // Text of every value (DuckDB's own casts), so dates and decimals compare as written.
  const reader = await conn.runAndReadAll(`SELECT COLUMNS(*)::VARCHAR FROM (${sql})`);
  return reader.getRowsJS();
}

async function ordersAre(values: string): Promise<void> {
  await conn.run('DELETE FROM cleansed.orders');
  await conn.run(`INSERT INTO cleansed.orders VALUES ${values}`);
}

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run('CREATE SCHEMA cleansed; CREATE SCHEMA analytics');
  await conn.run('CREATE TABLE cleansed.customers (id BIGINT, name VARCHAR)');
  await conn.run(
    'CREATE TABLE cleansed.orders (id BIGINT, customer_id BIGINT, region VARCHAR, ordered_on DATE)',
  );
  await conn.run(
    'CREATE TABLE analytics.customers (customer_id BIGINT, name VARCHAR, orders BIGINT, first_order DATE)',
  );
  await conn.run('CREATE TABLE analytics.region_counts (region VARCHAR, day DATE, orders BIGINT)');
});
afterAll(() => conn.closeSync());

describe('a whole-table MERGE on DuckDB', () => {
  const merge = local(mergeSqlOf(CUSTOMERS));
  const table = () => rows('SELECT * FROM analytics.customers ORDER BY customer_id');

  it('materializes the join, and a corrected source shrinks the table: the keys it no longer yields go', async () => {
    await conn.run("INSERT INTO cleansed.customers VALUES (1, 'Ann'), (2, 'Bo'), (3, 'Cy')");
    await ordersAre(
      "(10, 1, 'us', DATE '2018-01-01'), (11, 1, 'us', DATE '2018-01-03'), (12, 3, 'gb', DATE '2018-01-02')",
    );
    await conn.run(merge);
    expect(await table()).toEqual([
      ['1', 'Ann', '2', '2018-01-01'],
      ['2', 'Bo', '0', null],
      ['3', 'Cy', '1', '2018-01-02'],
    ]);

    // The corrected customers file drops Bo and renames Cy; one order moves to Ann.
    await conn.run('DELETE FROM cleansed.customers');
    await conn.run("INSERT INTO cleansed.customers VALUES (1, 'Ann'), (3, 'Cyd')");
    await ordersAre(
      "(10, 1, 'us', DATE '2018-01-01'), (11, 1, 'us', DATE '2018-01-03'), (12, 1, 'gb', DATE '2018-01-02')",
    );
    await conn.run(merge);
    const corrected = [
      ['1', 'Ann', '3', '2018-01-01'],
      ['3', 'Cyd', '0', null],
    ];
    expect(await table()).toEqual(corrected);

    await conn.run(merge);
    expect(await table()).toEqual(corrected);
  });

  it('uses no :region (the whole table is its scope)', () => {
    expect(mergeSqlOf(CUSTOMERS)).not.toContain(':region');
  });
});

describe('a partition MERGE on DuckDB', () => {
  const table = () => rows('SELECT * FROM analytics.region_counts ORDER BY region, day');

  it("touches only the execution's partition value, even when the SELECT yields others", async () => {
    await ordersAre(
      "(1, 1, 'us', DATE '2018-01-01'), (2, 1, 'us', DATE '2018-01-01'), (3, 2, 'gb', DATE '2018-01-01')",
    );
    await conn.run(local(mergeSqlOf(REGION_COUNTS), 'us'));
    expect(await table()).toEqual([['us', '2018-01-01', '2']]);
    await conn.run(local(mergeSqlOf(REGION_COUNTS), 'gb'));
    // us's day moves; gb's rows are another partition: its day stays until gb is re-materialized.
    await ordersAre("(1, 1, 'us', DATE '2018-01-02'), (3, 2, 'gb', DATE '2018-01-05')");
    await conn.run(local(mergeSqlOf(REGION_COUNTS), 'us'));
    expect(await table()).toEqual([
      ['gb', '2018-01-01', '1'],
      ['us', '2018-01-02', '1'],
    ]);
    await conn.run(local(mergeSqlOf(REGION_COUNTS), 'us'));
    expect(await table()).toEqual([
      ['gb', '2018-01-01', '1'],
      ['us', '2018-01-02', '1'],
    ]);
  });
});

describe('the definition-time checks of a scope', () => {
  const workflow = (...materializations: Materialization[]): Workflow => ({
    ...YOUTUBE_TRENDING,
    materializations,
  });
  const cleansed = ['customers', 'orders', 'statistics', 'categories'];

  it('accepts both declared scopes', () => {
    expect(materializationProblems(workflow(CUSTOMERS, REGION_COUNTS, CATEGORY_DAILY), cleansed)).toEqual([]);
  });

  it('names a partition column the table lacks, or one outside the key', () => {
    expect(
      materializationProblems(
        workflow({ ...REGION_COUNTS, scope: { partition: 'country' } }, { ...REGION_COUNTS, key: ['day'] }),
        cleansed,
      ),
    ).toEqual([
      'workflow youtube-trending, materialization region_counts: scope partition names "country", which is not one of its columns: add the column or fix the scope',
      'workflow youtube-trending, materialization region_counts: scope partition "region" is not in the key: add it to the key, so a row is only ever matched within its partition value',
    ]);
  });

  it('refuses :region in a whole-table scope, in its SELECT and in its checks', () => {
    const filtered = {
      ...CUSTOMERS,
      select: `${CUSTOMERS.select.replace('GROUP BY', 'WHERE o.region = :region GROUP BY')}`,
      checks: [
        {
          name: 'no_orders',
          description: 'customers without orders in the region',
          severity: 'warn' as const,
          sql: 'SELECT customer_id FROM ${analytics}.customers WHERE orders = 0 AND :region IS NOT NULL',
        },
      ],
    };
    expect(materializationProblems(workflow(filtered), cleansed)).toEqual([
      expect.stringMatching(/materialization customers: select uses :region, but the scope is 'table'/),
      expect.stringMatching(
        /materialization customers: checks\[0\] \(no_orders\)\.sql uses :region, but the scope is 'table'/,
      ),
    ]);
  });

  it('refuses DML and a second statement in a SELECT', () => {
    expect(
      materializationProblems(
        workflow({ ...CUSTOMERS, select: `${CUSTOMERS.select};\nDELETE FROM x` }),
        cleansed,
      ),
    ).toEqual([expect.stringMatching(/select holds a ";": it must be one query/)]);
    expect(
      materializationProblems(workflow({ ...CUSTOMERS, select: 'UPDATE x SET y = 1' }), cleansed),
    ).toEqual([expect.stringMatching(/select must be a query \(start with SELECT or WITH\)/)]);
  });

  it('lets a SELECT read only the analytics tables materialized before it', () => {
    const later = {
      ...REGION_COUNTS,
      select: REGION_COUNTS.select.replace('${cleansed}.orders', '${analytics}.customers'),
    };
    expect(materializationProblems(workflow(later, CUSTOMERS), cleansed)).toEqual([
      'workflow youtube-trending, materialization region_counts: select reads ${analytics}.customers, which is not a table of the workflow materialized before it: use no ${analytics} table here',
    ]);
    expect(materializationProblems(workflow(CUSTOMERS, later), cleansed)).toEqual([]);
  });
});
