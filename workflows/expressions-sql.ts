/**
 * A derived expression rendered as SQL text: fully parenthesized, so that no engine's precedence
 * matters, and cast to the column's declared type, so that DuckDB's and Spark's column types are the
 * declared one whatever precision their arithmetic rules give the inside. DuckDB runs this text
 * (local/transform-sql.ts); it is also the Spark SQL text of the same column.
 */
import type { ColumnType } from './column-types';
import type { Expr } from './expressions';

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * A type as both engines spell it: VARCHAR as STRING (DuckDB's alias of VARCHAR; Spark's VARCHAR needs
 * a length, `CAST(x AS VARCHAR)` is a parse error there), the rest as declared.
 */
const typeSql = (type: ColumnType) => (type === 'VARCHAR' ? 'STRING' : type);

/** SQL of `e`; `column(name)` gives the SQL of a column the expression reads. */
export function expressionSql(e: Expr, column: (name: string) => string): string {
  const sql = (x: Expr): string => {
    switch (x.k) {
      case 'column':
        return column(x.name);
      case 'integer':
      case 'decimal':
        return x.text;
      case 'string':
        return quote(x.value);
      case 'boolean':
        return x.value ? 'TRUE' : 'FALSE';
      case 'negate':
        return `(- ${sql(x.arg)})`;
      case 'arith':
      case 'compare':
        return `(${sql(x.left)} ${x.op} ${sql(x.right)})`;
      case 'and':
      case 'or':
        return `(${sql(x.left)} ${x.k.toUpperCase()} ${sql(x.right)})`;
      case 'not':
        return `(NOT ${sql(x.arg)})`;
      case 'isNull':
        return `(${sql(x.arg)} IS ${x.negated ? 'NOT ' : ''}NULL)`;
      case 'case': {
        const whens = x.whens.map((w) => `WHEN ${sql(w.when)} THEN ${sql(w.result)}`).join(' ');
        return `(CASE ${whens}${x.otherwise ? ` ELSE ${sql(x.otherwise)}` : ''} END)`;
      }
      case 'coalesce':
        return `coalesce(${x.args.map(sql).join(', ')})`;
      case 'cast':
        return `CAST(${sql(x.arg)} AS ${typeSql(x.type)})`;
      case 'round':
        return `round(${sql(x.arg)}, ${x.places})`;
    }
  };
  return sql(e);
}

/** The column's SQL: the expression cast to the declared type. */
export function derivedColumnSql(e: Expr, type: ColumnType, column: (name: string) => string): string {
  return `CAST(${expressionSql(e, column)} AS ${typeSql(type)})`;
}
