/**
 * The jaffle-shop workflow on data nobody here made (../shared/data/jaffle-shop): its analytics.orders
 * and analytics.customers are exactly the tables the data's README describes — computed here
 * independently from the raw CSVs, in integer cents — whatever order the three files land in; a row
 * that breaks one of the stated tests is quarantined with its rule, and the rest is promoted.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExecutionSummary } from '../local/execution-summary';
import { LocalRuntime } from '../local/runtime';
import { JAFFLE_SHOP, ORDER_STATUSES, PAYMENT_METHODS } from '../workflows/jaffle-shop.workflow';
import { query, tempDir } from './helpers/lake';

const DATA = resolve(__dirname, '..', '..', 'shared', 'data', 'jaffle-shop');
const FILES = { customers: 'raw_customers.csv', orders: 'raw_orders.csv', payments: 'raw_payments.csv' };

/** The rows of a raw table (the files are plain: no quotes, CRLF line ends). */
function rows(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(join(DATA, file), 'utf8').split(/\r?\n/).filter(Boolean);
  const names = (header as string).split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
}

/** Cents as the exact dollar text DuckDB prints for a DECIMAL(38,2): 1000 → "10.00". */
const dollars = (cents: bigint) => `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;

/** The README's two tables, from the raw files. */
function expectedTables() {
  const customers = rows(FILES.customers);
  const orders = rows(FILES.orders);
  const payments = rows(FILES.payments);
  const ordersTable = orders.map((o) => {
    const paid = payments.filter((p) => p.order_id === o.id);
    const by = (m: string) =>
      paid.filter((p) => p.payment_method === m).reduce((s, p) => s + BigInt(p.amount as string), 0n);
    return {
      order_id: Number(o.id),
      customer_id: Number(o.user_id),
      order_date: o.order_date,
      status: o.status,
      ...Object.fromEntries(PAYMENT_METHODS.map((m) => [`${m}_amount`, dollars(by(m))])),
      amount: dollars(paid.reduce((s, p) => s + BigInt(p.amount as string), 0n)),
    };
  });
  const customersTable = customers.map((c) => {
    const mine = orders.filter((o) => o.user_id === c.id);
    const dates = mine.map((o) => o.order_date as string).sort();
    const cents = payments
      .filter((p) => mine.some((o) => o.id === p.order_id))
      .reduce((s, p) => s + BigInt(p.amount as string), 0n);
    return {
      customer_id: Number(c.id),
      first_name: c.first_name,
      last_name: c.last_name,
      // A customer with no order keeps a row whose four order facts are NULL (the example's left joins).
      first_order: dates[0] ?? null,
      most_recent_order: dates.at(-1) ?? null,
      number_of_orders: mine.length ? mine.length : null,
      customer_lifetime_value: mine.length ? dollars(cents) : null,
    };
  });
  return { orders: ordersTable, customers: customersTable };
}

const ORDERS_SQL = `SELECT order_id, customer_id, strftime(order_date, '%Y-%m-%d') AS order_date, status,
  ${PAYMENT_METHODS.map((m) => `${m}_amount::VARCHAR AS ${m}_amount`).join(', ')}, amount::VARCHAR AS amount
  FROM analytics.orders ORDER BY order_id`;
const CUSTOMERS_SQL = `SELECT customer_id, first_name, last_name, strftime(first_order, '%Y-%m-%d') AS first_order,
  strftime(most_recent_order, '%Y-%m-%d') AS most_recent_order, number_of_orders,
  customer_lifetime_value::VARCHAR AS customer_lifetime_value FROM analytics.customers ORDER BY customer_id`;

interface CheckReport {
  readonly passed: boolean;
  readonly warnings: number;
  readonly checks: readonly { readonly name: string; readonly violations: number }[];
}

/** Lands and runs the files one after another; each execution's Check analytics report beside it. */
async function runInOrder(
  lake: string,
  files: readonly string[],
): Promise<(ExecutionSummary & { checks: CheckReport | undefined })[]> {
  const rt = await LocalRuntime.open({ workflow: JAFFLE_SHOP, lake, retryDelayMs: 0 });
  try {
    const out: (ExecutionSummary & { checks: CheckReport | undefined })[] = [];
    for (const f of files) {
      const run = await rt.landAndExecute(f);
      const task = (await rt.store.tasks(run.name)).filter((t) => t.statePath === 'Check analytics').at(-1);
      out.push({ ...run, checks: (task?.result as { Payload: CheckReport } | undefined)?.Payload });
    }
    return out;
  } finally {
    rt.close();
  }
}

const violations = (r: { checks: CheckReport | undefined }) =>
  Object.fromEntries((r.checks?.checks ?? []).map((c) => [c.name, c.violations]));

describe('the jaffle-shop workflow', () => {
  const { dir, cleanup } = tempDir('jaffle');
  afterAll(cleanup);
  const expected = expectedTables();

  it('the README facts the expectation is built on hold (99 orders, 100 customers, 38 without an order)', () => {
    expect(expected.orders).toHaveLength(99);
    expect(expected.customers).toHaveLength(100);
    expect(expected.customers.filter((c) => c.number_of_orders === null)).toHaveLength(38);
    expect(new Set(expected.orders.map((o) => o.status))).toEqual(new Set(ORDER_STATUSES));
  });

  it.each([
    ['customers, orders, payments', ['customers', 'orders', 'payments']],
    ['payments, orders, customers last', ['payments', 'orders', 'customers']],
  ] as const)('lands %s and materializes exactly the README tables', async (_, order) => {
    const lake = join(dir, order.join('-'));
    const results = await runInOrder(
      lake,
      order.map((t) => join(DATA, FILES[t])),
    );
    expect(results.map((r) => [r.objectKey, r.status])).toEqual(
      order.map((t) => [`jaffle_shop/${t}/region=all/${FILES[t]}`, 'SUCCEEDED']),
    );
    expect(await query(lake, ORDERS_SQL)).toEqual(expected.orders);
    expect(await query(lake, CUSTOMERS_SQL)).toEqual(expected.customers);
    // The example's tests at materialization: every order's customer is present once customers have
    // landed; before that, each order is an orphan, reported (warn) while the execution succeeds.
    const last = results.at(-1) as (typeof results)[number];
    expect([last.checks?.passed, violations(last)]).toEqual([
      true,
      { orphan_order: 0, order_facts_present: 0, customer_id_present: 0 },
    ]);
    const ordersRun = results[order.indexOf('orders')] as (typeof results)[number];
    const orphans = order.indexOf('customers') < order.indexOf('orders') ? 0 : 99;
    expect(violations(ordersRun).orphan_order).toBe(orphans);
    // The run report carries the warning, so `lakestep run` and `status` can show it.
    expect(ordersRun.warnings).toEqual(
      orphans ? [{ materialization: 'orders', check: 'orphan_order', violations: orphans }] : [],
    );
    expect(last.warnings).toEqual([]);
  });

  it('quarantines a row that breaks a stated test with its rule, and promotes the rest', async () => {
    const data = join(dir, 'bad');
    mkdirSync(data, { recursive: true });
    for (const f of Object.values(FILES)) copyFileSync(join(DATA, f), join(data, f));
    const text = readFileSync(join(DATA, FILES.orders), 'utf8');
    // Order 7's status is not one of the five; a repeated order id 8 breaks uniqueness.
    const broken = `${text.replace(/\r\n7,(\d+),([0-9-]+),\w+\r\n/, '\r\n7,$1,$2,lost\r\n')}8,1,2018-04-09,placed\r\n`;
    expect(broken).not.toBe(text);
    writeFileSync(join(data, FILES.orders), broken);
    const lake = join(dir, 'bad-lake');
    const results = await runInOrder(
      lake,
      (['customers', 'orders', 'payments'] as const).map((t) => join(data, FILES[t])),
    );
    expect(results.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const quarantined = await query(
      lake,
      "SELECT rule, id, status FROM read_parquet('" +
        join(lake, 'quarantine', 'rows', 'orders', '**', '*.parquet').replaceAll("'", "''") +
        "') ORDER BY id",
    );
    expect(quarantined).toEqual([
      { rule: 'status', id: '7', status: 'lost' },
      { rule: 'id_unique', id: '8', status: 'placed' },
    ]);
    const orders = await query(lake, 'SELECT order_id FROM analytics.orders ORDER BY order_id');
    expect(orders.map((o) => o.order_id)).toEqual(
      expected.orders.map((o) => o.order_id).filter((id) => id !== 7),
    );
  });
});
