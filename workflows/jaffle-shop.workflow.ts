/**
 * jaffle-shop: dbt Labs' example shop (../shared/data/jaffle-shop), declared as data. Three raw tables
 * land as CSV files, each kept whole (one partition value, `all`: a later file of the same name
 * replaces the table's rows); the row rules are the tests the example states for its staging models;
 * a row that breaks one is quarantined with the rule's name, and the batch's default DQ rules (no row
 * survives; more than 5% quarantined) decide whether the rest is promoted. Two analytics tables, orders
 * and customers, are materialized from all three (the whole table each time: files may land in any
 * order and give the same tables); their checks are the tests the example states for them, an order
 * whose customer is absent a warning (the customers file may still be on its way).
 */
import { CSV, type Dataset, type SchemaColumn, type TransformSpec } from './datasets';
import { declareWorkflow } from './pipeline-steps';
import type { Materialization, Workflow } from './types';

/** The lineage columns every cleansed table carries. */
const LINEAGE: readonly SchemaColumn[] = [
  { name: 'source_object', type: 'VARCHAR', batch: 'sourceObject' },
  { name: 'ingested_at', type: 'TIMESTAMP', batch: 'ingestedAt' },
];

/** A CSV dataset kept whole: one file name, one partition value, landed under `jaffle_shop/<name>`. */
function wholeTable(
  name: string,
  fileName: string,
  transform: Omit<TransformSpec, 'name' | 'partitionBy' | 'dedupeKey' | 'dedupeOrder'>,
): Dataset {
  return {
    name,
    format: CSV,
    route: {
      fileName: new RegExp(`^${fileName.replace('.', '\\.')}$`),
      partition: 'all',
      landingPrefix: `jaffle_shop/${name}`,
      describe: fileName,
      examples: [fileName],
    },
    // The ids are unique within a file (uniqueInBatch): no dedupe is needed, and none is declared.
    transform: { name, ...transform, dedupeKey: [], dedupeOrder: [], partitionBy: ['region', 'source_file'] },
  };
}

const CUSTOMERS = wholeTable('customers', 'raw_customers.csv', {
  rawColumns: ['id', 'first_name', 'last_name'],
  rules: [
    { name: 'field_count', kind: 'fieldCount', expected: 3 },
    { name: 'id', kind: 'integer', columns: ['id'], min: 1 },
    { name: 'names', kind: 'notNull', columns: ['first_name', 'last_name'] },
    { name: 'id_unique', kind: 'uniqueInBatch', columns: ['id'] },
  ],
  schema: [
    { name: 'id', type: 'BIGINT' },
    { name: 'first_name', type: 'VARCHAR' },
    { name: 'last_name', type: 'VARCHAR' },
    ...LINEAGE,
  ],
});

export const ORDER_STATUSES = ['placed', 'shipped', 'completed', 'return_pending', 'returned'] as const;
export const PAYMENT_METHODS = ['credit_card', 'coupon', 'bank_transfer', 'gift_card'] as const;

const ORDERS = wholeTable('orders', 'raw_orders.csv', {
  rawColumns: ['id', 'user_id', 'order_date', 'status'],
  rules: [
    { name: 'field_count', kind: 'fieldCount', expected: 4 },
    { name: 'ids', kind: 'integer', columns: ['id', 'user_id'], min: 1 },
    { name: 'order_date', kind: 'date', column: 'order_date', format: '%Y-%m-%d' },
    { name: 'status', kind: 'acceptedValues', column: 'status', values: ORDER_STATUSES },
    { name: 'id_unique', kind: 'uniqueInBatch', columns: ['id'] },
  ],
  schema: [
    { name: 'id', type: 'BIGINT' },
    { name: 'user_id', type: 'BIGINT' },
    { name: 'order_date', type: 'DATE', dateFormat: '%Y-%m-%d' },
    { name: 'status', type: 'VARCHAR' },
    ...LINEAGE,
  ],
});

const PAYMENTS = wholeTable('payments', 'raw_payments.csv', {
  rawColumns: ['id', 'order_id', 'payment_method', 'amount'],
  rules: [
    { name: 'field_count', kind: 'fieldCount', expected: 4 },
    { name: 'ids', kind: 'integer', columns: ['id', 'order_id'], min: 1 },
    { name: 'payment_method', kind: 'acceptedValues', column: 'payment_method', values: PAYMENT_METHODS },
    // Integer cents, never negative (3 payments of the real file are 0), under ten trillion dollars:
    // the bound is what lets the dollars below be a DECIMAL(18,2).
    { name: 'amount', kind: 'integer', columns: ['amount'], min: 0, max: 999_999_999_999_999 },
    { name: 'id_unique', kind: 'uniqueInBatch', columns: ['id'] },
  ],
  schema: [
    { name: 'id', type: 'BIGINT' },
    { name: 'order_id', type: 'BIGINT' },
    { name: 'payment_method', type: 'VARCHAR' },
    { name: 'amount_cents', type: 'BIGINT', raw: 'amount' },
    // Dollars, exactly (cents / 100 is written * 0.01: see docs/writing-a-workflow.md, derived columns).
    { name: 'amount', type: 'DECIMAL(18,2)', derived: 'amount_cents * 0.01' },
    ...LINEAGE,
  ],
});

/** The money columns of the analytics tables: sums of DECIMAL(18,2) dollars, exact on both engines. */
const MONEY = 'DECIMAL(38,2)';
const AMOUNTS = [...PAYMENT_METHODS.map((m) => `${m}_amount`), 'amount'];

export const ORDERS_TABLE: Materialization = {
  name: 'orders',
  table: 'orders',
  description:
    'One row per order: its customer, date and status, the amount paid by each payment method and in all, in dollars',
  columns: [
    { name: 'order_id', type: 'BIGINT' },
    { name: 'customer_id', type: 'BIGINT' },
    { name: 'order_date', type: 'DATE' },
    { name: 'status', type: 'VARCHAR' },
    ...AMOUNTS.map((name) => ({ name, type: MONEY }) as const),
  ],
  key: ['order_id'],
  // The whole table each time: an order's amounts join the payments file, which may land before it.
  scope: 'table',
  select: [
    'WITH paid AS (',
    '  SELECT order_id,',
    ...PAYMENT_METHODS.map(
      (m) => `    sum(CASE WHEN payment_method = '${m}' THEN amount ELSE 0 END) AS ${m}_amount,`,
    ),
    '    sum(amount) AS amount',
    '  FROM ${cleansed}.payments',
    '  GROUP BY order_id',
    ')',
    'SELECT o.id AS order_id, o.user_id AS customer_id, o.order_date, o.status,',
    `  ${AMOUNTS.map((a) => `coalesce(p.${a}, 0) AS ${a}`).join(', ')}`,
    'FROM ${cleansed}.orders o',
    'LEFT JOIN paid p ON p.order_id = o.id',
  ].join('\n'),
  checks: [
    {
      name: 'orphan_order',
      description: 'an order whose customer is not in customers (yet: the customers file may land later)',
      severity: 'warn',
      sql: 'SELECT o.order_id FROM ${analytics}.orders o WHERE NOT EXISTS (SELECT 1 FROM ${cleansed}.customers c WHERE c.id = o.customer_id)',
    },
    {
      name: 'order_facts_present',
      description: 'an order without its id, customer, status or an amount',
      severity: 'fail',
      sql: `SELECT order_id FROM \${analytics}.orders WHERE ${['order_id', 'customer_id', 'status', ...AMOUNTS].map((c) => `${c} IS NULL`).join(' OR ')}`,
    },
  ],
};

export const CUSTOMERS_TABLE: Materialization = {
  name: 'customers',
  table: 'customers',
  description:
    'One row per customer: names, first and most recent order, number of orders and lifetime value in dollars (NULL without orders)',
  columns: [
    { name: 'customer_id', type: 'BIGINT' },
    { name: 'first_name', type: 'VARCHAR' },
    { name: 'last_name', type: 'VARCHAR' },
    { name: 'first_order', type: 'DATE' },
    { name: 'most_recent_order', type: 'DATE' },
    { name: 'number_of_orders', type: 'BIGINT' },
    { name: 'customer_lifetime_value', type: MONEY },
  ],
  key: ['customer_id'],
  scope: 'table',
  select: [
    'WITH customer_orders AS (',
    '  SELECT user_id AS customer_id, min(order_date) AS first_order, max(order_date) AS most_recent_order,',
    '    count(id) AS number_of_orders',
    '  FROM ${cleansed}.orders',
    '  GROUP BY user_id',
    '), customer_payments AS (',
    '  SELECT o.user_id AS customer_id, sum(p.amount) AS amount',
    '  FROM ${cleansed}.payments p',
    '  JOIN ${cleansed}.orders o ON o.id = p.order_id',
    '  GROUP BY o.user_id',
    ')',
    'SELECT c.id AS customer_id, c.first_name, c.last_name, co.first_order, co.most_recent_order,',
    '  co.number_of_orders, cp.amount AS customer_lifetime_value',
    'FROM ${cleansed}.customers c',
    'LEFT JOIN customer_orders co ON co.customer_id = c.id',
    'LEFT JOIN customer_payments cp ON cp.customer_id = c.id',
  ].join('\n'),
  checks: [
    {
      name: 'customer_id_present',
      description: 'a customer without an id',
      severity: 'fail',
      sql: 'SELECT customer_id FROM ${analytics}.customers WHERE customer_id IS NULL',
    },
  ],
};

export const JAFFLE_SHOP: Workflow = declareWorkflow({
  name: 'jaffle-shop',
  comment:
    "lakestep: dbt Labs' jaffle shop. One execution per raw table landed in S3: ingest, transform, check data quality, promote or quarantine, register, then re-materialize the orders and customers tables.",
  datasets: [CUSTOMERS, ORDERS, PAYMENTS],
  materializations: [ORDERS_TABLE, CUSTOMERS_TABLE],
  monitoring: {
    // The raw tables land when the shop exports them, on no schedule: no freshness alarm.
    datasets: {
      customers: { freshnessHours: null },
      orders: { freshnessHours: null },
      payments: { freshnessHours: null },
    },
  },
});

export default JAFFLE_SHOP;
