/**
 * jaffle-shop: dbt Labs' example shop (../shared/data/jaffle-shop), declared as data. Three raw tables
 * land as CSV files, each kept whole (one partition value, `all`: a later file of the same name
 * replaces the table's rows); the row rules are the tests the example states for its staging models;
 * a row that breaks one is quarantined with the rule's name, and the batch's default DQ rules (no row
 * survives; more than 5% quarantined) decide whether the rest is promoted. Two analytics tables, orders
 * and customers, are materialized from all three (the whole table each time: files may land in any
 * order and give the same tables).
 */
import type { Dataset, SchemaColumn, StatisticsSpec } from './datasets';
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
  transform: Omit<StatisticsSpec, 'name' | 'partitionBy' | 'dedupeKey' | 'dedupeOrder'>,
): Dataset {
  return {
    name,
    format: 'csv',
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

/** Dollars from summed cents: exact on both engines (`* 0.01`, never `/ 100`: see workflows/sql-dialect.ts). */
const dollars = (cents: string) => `CAST(${cents} AS DECIMAL(38,0)) * 0.01`;
const MONEY = 'DECIMAL(38,2)';

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
    ...PAYMENT_METHODS.map((m) => ({ name: `${m}_amount`, type: MONEY }) as const),
    { name: 'amount', type: MONEY },
  ],
  key: ['order_id'],
  sql: [
    'MERGE INTO ${analytics}.orders AS t',
    'USING (',
    '  WITH paid AS (',
    '    SELECT order_id,',
    ...PAYMENT_METHODS.map(
      (m) => `      sum(CASE WHEN payment_method = '${m}' THEN amount ELSE 0 END) AS ${m}_amount,`,
    ),
    '      sum(amount) AS amount',
    '    FROM ${cleansed}.payments',
    '    GROUP BY order_id',
    '  ), fresh AS (',
    '    SELECT o.id AS order_id, o.user_id AS customer_id, o.order_date, o.status,',
    ...PAYMENT_METHODS.map((m) => `      ${dollars(`coalesce(p.${m}_amount, 0)`)} AS ${m}_amount,`),
    `      ${dollars('coalesce(p.amount, 0)')} AS amount`,
    '    FROM ${cleansed}.orders o',
    '    LEFT JOIN paid p ON p.order_id = o.id',
    '  )',
    `  SELECT order_id, customer_id, order_date, status, ${PAYMENT_METHODS.map((m) => `${m}_amount`).join(', ')}, amount, 'upsert' AS op`,
    '  FROM fresh',
    '  UNION ALL',
    `  SELECT o.order_id, NULL, NULL, NULL, ${PAYMENT_METHODS.map(() => 'NULL').join(', ')}, NULL, 'delete' AS op`,
    '  FROM ${analytics}.orders o',
    '  WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.order_id = o.order_id)',
    ') AS s',
    'ON t.order_id = s.order_id',
    "WHEN MATCHED AND s.op = 'delete' THEN DELETE",
    `WHEN MATCHED THEN UPDATE SET customer_id = s.customer_id, order_date = s.order_date, status = s.status, ${PAYMENT_METHODS.map((m) => `${m}_amount = s.${m}_amount`).join(', ')}, amount = s.amount`,
    "WHEN NOT MATCHED AND s.op = 'upsert' THEN",
    `  INSERT (order_id, customer_id, order_date, status, ${PAYMENT_METHODS.map((m) => `${m}_amount`).join(', ')}, amount)`,
    `  VALUES (s.order_id, s.customer_id, s.order_date, s.status, ${PAYMENT_METHODS.map((m) => `s.${m}_amount`).join(', ')}, s.amount)`,
  ].join('\n'),
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
  sql: [
    'MERGE INTO ${analytics}.customers AS t',
    'USING (',
    '  WITH customer_orders AS (',
    '    SELECT user_id AS customer_id, min(order_date) AS first_order, max(order_date) AS most_recent_order,',
    '      count(id) AS number_of_orders',
    '    FROM ${cleansed}.orders',
    '    GROUP BY user_id',
    '  ), customer_payments AS (',
    '    SELECT o.user_id AS customer_id, sum(p.amount) AS amount',
    '    FROM ${cleansed}.payments p',
    '    JOIN ${cleansed}.orders o ON o.id = p.order_id',
    '    GROUP BY o.user_id',
    '  ), fresh AS (',
    '    SELECT c.id AS customer_id, c.first_name, c.last_name, co.first_order, co.most_recent_order,',
    `      co.number_of_orders, ${dollars('cp.amount')} AS customer_lifetime_value`,
    '    FROM ${cleansed}.customers c',
    '    LEFT JOIN customer_orders co ON co.customer_id = c.id',
    '    LEFT JOIN customer_payments cp ON cp.customer_id = c.id',
    '  )',
    "  SELECT customer_id, first_name, last_name, first_order, most_recent_order, number_of_orders, customer_lifetime_value, 'upsert' AS op",
    '  FROM fresh',
    '  UNION ALL',
    "  SELECT o.customer_id, NULL, NULL, NULL, NULL, NULL, NULL, 'delete' AS op",
    '  FROM ${analytics}.customers o',
    '  WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.customer_id = o.customer_id)',
    ') AS s',
    'ON t.customer_id = s.customer_id',
    "WHEN MATCHED AND s.op = 'delete' THEN DELETE",
    'WHEN MATCHED THEN UPDATE SET first_name = s.first_name, last_name = s.last_name, first_order = s.first_order,',
    '  most_recent_order = s.most_recent_order, number_of_orders = s.number_of_orders,',
    '  customer_lifetime_value = s.customer_lifetime_value',
    "WHEN NOT MATCHED AND s.op = 'upsert' THEN",
    '  INSERT (customer_id, first_name, last_name, first_order, most_recent_order, number_of_orders, customer_lifetime_value)',
    '  VALUES (s.customer_id, s.first_name, s.last_name, s.first_order, s.most_recent_order, s.number_of_orders, s.customer_lifetime_value)',
  ].join('\n'),
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
