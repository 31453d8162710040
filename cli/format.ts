/** Human output: state paths, durations, counts and tables, readable in a terminal and in CI logs. */
import type { ExecutionSummary, StateRun } from '../local/execution-summary';

const color = (code: number) => (s: string) =>
  process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[${code}m${s}\x1b[0m` : s;
export const green = color(32);
export const red = color(31);
export const yellow = color(33);
export const dim = color(2);
export const bold = color(1);

/** "1 row", "2 rows": a count with its noun, singular for one. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

export function ms(n: number | null): string {
  if (n === null) return '–';
  return n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`;
}

export function stateLine(s: StateRun): string {
  const mark = s.status === 'SUCCEEDED' ? green('✓') : s.status === 'CAUGHT' ? yellow('↷') : red('✗');
  const retries = s.attempts > 1 ? yellow(` (${s.attempts} attempts)`) : '';
  return `    ${mark} ${s.name.padEnd(38)} ${dim(ms(s.durationMs).padStart(8))}${retries}`;
}

export function outcomeLabel(e: ExecutionSummary): string {
  switch (e.outcome) {
    case 'succeeded':
      return green('succeeded');
    case 'rejected':
      return yellow(`rejected (${e.reason})`);
    case 'dq_failed':
      return yellow(`dq_failed (${e.reason})`);
    case 'failed':
      return red(`FAILED at "${failedState(e)}" with ${e.error}`);
  }
}

export function failedState(e: ExecutionSummary): string {
  return [...e.states].reverse().find((s) => s.status === 'FAILED')?.name ?? '?';
}

export function rowsLine(e: ExecutionSummary): string {
  if (!e.rows) return '';
  const r = e.rows;
  return `rows: ${r.read} read, ${r.cleansed} cleansed, ${r.quarantined} quarantined, ${r.duplicates} duplicates`;
}

export function table(columns: string[], rows: Record<string, unknown>[]): string {
  const cells = rows.map((r) =>
    columns.map((c) => (r[c] === null || r[c] === undefined ? 'NULL' : String(r[c]))),
  );
  const widths = columns.map((c, i) =>
    Math.min(60, Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length))),
  );
  const fitCell = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => fitCell(v, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [bold(line(columns)), dim(widths.map((w) => '─'.repeat(w)).join('  ')), ...cells.map(line)].join(
    '\n',
  );
}
