/**
 * The analytics checks' query port on the local warehouse: the check's SELECT runs on DuckDB as the
 * Lambda's runs on Athena (one query: the count beside a sample), between the warehouse's writes so
 * that it reads a table no MERGE is half-way through.
 */
import { violationsOf, violationsQuery } from '../handlers/core/check-analytics-query';
import type { AnalyticsCheckPort } from '../handlers/core/ports';
import type { Warehouse } from './catalog';

export class WarehouseAnalyticsChecks implements AnalyticsCheckPort {
  constructor(private readonly warehouse: Warehouse) {}

  async violations(sql: string, sampleSize: number) {
    const rows = await this.warehouse.exclusive(async () => {
      const reader = await this.warehouse.conn.runAndReadAll(violationsQuery(sql, sampleSize));
      // JSON-safe values (BIGINT and DECIMAL as text, dates as ISO text), as Athena's answer is text.
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    });
    return violationsOf(rows);
  }
}
