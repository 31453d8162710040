/**
 * Runs one transform spec over the same records on the three engines — the small-object Lambda's
 * TypeScript, the local transform's DuckDB SQL and the Glue script's Python — and gives each outcome in
 * one shape (values as text: DATE as YYYY-MM-DD, TIMESTAMP as microseconds since the epoch), so a test
 * can ask that all three agree.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { RecordTransform } from '../../handlers/core/transform-records';
import { transformStatements } from '../../local/transform-sql';
import { decimalShape } from '../../workflows/column-types';
import type { TransformSpec } from '../../workflows/datasets';
import { GLUE_PREAMBLE } from './glue-python';
import { python } from './python';

export interface EngineOutcome {
  /** Cleansed rows in schema order, sorted. */
  rows: (string | null)[][];
  /** Quarantined records: record number and rule. */
  rejected: [number, string][];
  read: number;
  duplicates: number;
  rules: Record<string, number>;
}

const SOURCE_OBJECT = 'sample.csv';
const INGESTED_AT = '2026-01-02T03:04:05.678Z';
const sorted = (rows: (string | null)[][]) =>
  rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
const countRules = (rejected: [number, string][]) => {
  const rules: Record<string, number> = {};
  for (const [, rule] of rejected) rules[rule] = (rules[rule] ?? 0) + 1;
  return Object.fromEntries(Object.entries(rules).sort(([a], [b]) => (a < b ? -1 : 1)));
};

/** The TypeScript engine; `records` start with the header. */
export function typescriptEngine(spec: TransformSpec, records: readonly string[][]): EngineOutcome {
  const t = new RecordTransform(spec, {
    region: 'xx',
    sourceObject: SOURCE_OBJECT,
    ingestedAt: BigInt(Date.parse(INGESTED_AT)) * 1000n,
  });
  for (const r of records) t.push([...r]);
  const r = t.result();
  const text = (v: unknown, type: string) =>
    v === null || v === undefined
      ? null
      : type === 'DATE'
        ? new Date(Number(v) * 86_400_000).toISOString().slice(0, 10)
        : decimalShape(type)
          ? decimalText(v as bigint, decimalShape(type)?.scale as number)
          : String(v);
  return {
    rows: sorted(r.rows.map((row) => row.map((v, i) => text(v, spec.schema[i]?.type as string)))),
    rejected: r.rejected.map((x) => [x.recordNo, x.rule]),
    read: r.read,
    duplicates: r.duplicates,
    rules: r.rules,
  };
}

/** An unscaled DECIMAL as DuckDB prints it: 1000n at scale 2 is 10.00, -5n is -0.05. */
function decimalText(v: bigint, scale: number): string {
  const digits = (v < 0n ? -v : v).toString().padStart(scale + 1, '0');
  const sign = v < 0n ? '-' : '';
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** The DuckDB engine over the records staged as the local transform stages them. */
export async function duckdbEngine(
  spec: TransformSpec,
  records: readonly string[][],
): Promise<EngineOutcome> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const body = records.slice(1);
    const raw = spec.rawColumns.map((_, i) => `c${i} VARCHAR`).join(', ');
    await conn.run(`CREATE TABLE raw (record_no BIGINT, field_count BIGINT, ${raw})`);
    for (const [i, r] of body.entries()) {
      const params = [i + 1, r.length, ...spec.rawColumns.map((_, k) => r[k] ?? null)];
      await conn.run(
        `INSERT INTO raw VALUES (${params.map((_, k) => `$${k + 1}`).join(', ')})`,
        params as never,
      );
    }
    const s = transformStatements(spec, 'raw');
    await conn.run(s.checked);
    await conn.run(s.losers);
    const cols = spec.schema
      .map((c) => (c.type === 'TIMESTAMP' ? `epoch_us("${c.name}")::VARCHAR` : `"${c.name}"::VARCHAR`))
      .join(', ');
    const bound = Object.fromEntries(
      [
        ['region', 'xx'],
        ['source_object', SOURCE_OBJECT],
        ['ingested_at', INGESTED_AT.replace('T', ' ').replace('Z', '')],
      ].filter(([name]) => s.kept.includes(`$${name}`)),
    );
    const kept = await conn.runAndReadAll(`SELECT ${cols} FROM (${s.kept})`, bound);
    const rejected = (await conn.runAndReadAll(`SELECT record_no, rule FROM (${s.rejected(SOURCE_OBJECT)})`))
      .getRows()
      .map((row) => [Number(row[0]), String(row[1])] as [number, string]);
    const rows = sorted(kept.getRows().map((row) => row.map((v) => (v === null ? null : String(v)))));
    return {
      rows,
      rejected,
      read: body.length,
      duplicates: body.length - rejected.length - rows.length,
      rules: countRules(rejected),
    };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The Glue script's engine over the records written as a CSV text. */
export function pythonEngine(spec: TransformSpec, records: readonly string[][]): EngineOutcome {
  const quote = (f: string) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);
  const text = `${records.map((r) => r.map(quote).join(',')).join('\r\n')}\r\n`;
  const script = `${GLUE_PREAMBLE}
payload = json.loads(sys.stdin.read())
r = rules.transform(payload["text"], payload["spec"], region="xx", source_object=${JSON.stringify(SOURCE_OBJECT)}, ingested_at=${JSON.stringify(INGESTED_AT)})
print(json.dumps({
    "rows": [[cell(v) for v in row] for row in r.rows],
    "rejected": [[x[0], x[1]] for x in r.rejected],
    "read": r.read, "duplicates": r.duplicates, "rules": r.rules,
}))
`;
  const out = JSON.parse(python(script, [], JSON.stringify({ text, spec }))) as EngineOutcome;
  return { ...out, rows: sorted(out.rows) };
}
