/** A query result as a terminal table: numbers right-aligned, long text cut at 60 characters. */
import type { JsonValue } from '../local/query-values';
import { bold, dim } from './format';

const MAX_WIDTH = 60;

const cell = (v: JsonValue): string =>
  v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v);

export function resultTable(
  columns: readonly string[],
  numeric: readonly boolean[],
  rows: readonly JsonValue[][],
): string {
  const cells = rows.map((r) => columns.map((_, i) => cell(r[i] ?? null).replace(/[\r\n\t]/g, ' ')));
  const widths = columns.map((c, i) =>
    Math.min(MAX_WIDTH, Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length))),
  );
  const fit = (s: string, i: number) => {
    const w = widths[i] ?? 0;
    if (s.length > w) return `${s.slice(0, w - 1)}…`;
    return numeric[i] ? s.padStart(w) : s.padEnd(w);
  };
  const line = (vals: readonly string[]) => vals.map(fit).join('  ').trimEnd();
  return [bold(line(columns)), dim(widths.map((w) => '─'.repeat(w)).join('  ')), ...cells.map(line)].join(
    '\n',
  );
}
