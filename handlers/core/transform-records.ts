/**
 * A dataset's transform over its records, pure: the header check, the first broken rule per record,
 * the typed row of a valid one, the in-batch dedupe (the greatest dedupe order wins; on a tie the first
 * record, or the last with dedupeKeep 'last') and the counts of the batch summary — what
 * glue/lakestep_rules.py `transform` computes.
 */
import { decimalShape } from '../../workflows/column-types';
import { rawSourceOf, type TransformSpec } from '../../workflows/datasets';
import { compileDerivedColumns } from '../../workflows/expressions-spec';
import { ContractError, capText } from './errors';
import { compileDerived } from './expression-eval';
import type { CellValue, RejectedRecord } from './transform-parquet';
import {
  batchRuleChecker,
  compileRules,
  dateParser,
  parseDecimal,
  parseIsoInstant,
  parseSignedBigint,
} from './transform-rules';

/** Schema columns that come from the batch, not from the record. */
export interface BatchContext {
  readonly region: string;
  readonly sourceObject: string;
  /** Microseconds since the epoch (TIMESTAMP). */
  readonly ingestedAt: bigint;
}

export interface RecordTransformResult {
  /** Typed rows in schema order, sorted by the dedupe key as the Glue script writes them. */
  readonly rows: CellValue[][];
  readonly rejected: RejectedRecord[];
  readonly read: number;
  readonly duplicates: number;
  /** Quarantined records per rule name, sorted by name. */
  readonly rules: Record<string, number>;
}

/** A value of the dedupe order: BIGINT, TIMESTAMP and DECIMAL as bigint, DATE as days, NULL (a derived column's). */
type Rank = bigint | number | boolean | string | null;

/** A kept row and the values it is ranked by (greatest wins). */
interface Kept {
  readonly rank: readonly Rank[];
  readonly row: CellValue[];
}

/** Feeds records one at a time (the first is the header), so the raw text is never held whole. */
export class RecordTransform {
  private readonly brokenRule: (fields: readonly string[]) => string | null;
  /** Batch rules (unique in the batch), checked after the record rules, in record order. */
  private readonly brokenBatchRule: (fields: readonly string[]) => string | null;
  private readonly typed: (fields: readonly string[]) => CellValue[];
  private readonly keyAt: readonly number[];
  private readonly rankAt: readonly number[];
  private readonly kept = new Map<string, Kept>();
  private readonly rejected: RejectedRecord[] = [];
  private readonly rules = new Map<string, number>();
  private readonly keepLast: boolean;
  private sawHeader = false;
  private read = 0;

  constructor(
    private readonly spec: TransformSpec,
    private readonly context: BatchContext,
  ) {
    this.brokenRule = compileRules(spec);
    this.brokenBatchRule = batchRuleChecker(spec);
    this.typed = typedRow(spec, context);
    const position = (name: string) => {
      const i = spec.schema.findIndex((c) => c.name === name);
      if (i < 0) throw new Error(`transform spec: dedupe column '${name}' is not in the schema`);
      return i;
    };
    this.keyAt = spec.dedupeKey.map(position);
    this.keepLast = spec.dedupeKeep === 'last';
    this.rankAt = spec.dedupeOrder.map(position);
  }

  /** Takes a record (the first is the header); returns the rule it broke, or null when it is kept. */
  push(fields: string[]): string | null {
    if (!this.sawHeader) {
      this.sawHeader = true;
      this.checkHeader(fields);
      return null;
    }
    this.read++;
    const rule = this.brokenRule(fields) ?? this.brokenBatchRule(fields);
    if (rule !== null) {
      this.quarantine(rule, fields);
      return rule;
    }
    const row = this.typed(fields);
    // An empty dedupe key keeps every valid record: each is a key of its own.
    const key = this.keyAt.length ? this.keyAt.map((i) => String(row[i])).join('\u0000') : String(this.read);
    const rank = this.rankAt.map((i) => row[i] as Rank);
    const best = this.kept.get(key);
    // Strictly greater replaces: on a tie the first record wins (ORDER BY …, record_no), or the last
    // with dedupeKeep 'last' (ORDER BY …, record_no DESC).
    if (!best || greater(rank, best.rank) || (this.keepLast && !greater(best.rank, rank)))
      this.kept.set(key, { rank, row });
    return null;
  }

  /**
   * Takes a record its format could not decode into fields (a JSON record out of shape): it is read and
   * quarantined under `rule` with `raw` as its raw fields (e.g. its text in the first raw column) and a
   * field count of 0 — a decoded record never has none, which is how the local transform's SQL and the
   * Glue script know such a record (local/format-records.ts).
   */
  pushBroken(rule: string, raw: readonly string[]): void {
    if (!this.sawHeader) throw new Error('pushBroken before the header record');
    this.read++;
    this.quarantine(rule, raw, 0);
  }

  private quarantine(rule: string, fields: readonly string[], fieldCount = fields.length): void {
    this.rules.set(rule, (this.rules.get(rule) ?? 0) + 1);
    this.rejected.push({
      recordNo: this.read,
      rule,
      fieldCount,
      fields: fields.slice(0, this.spec.rawColumns.length),
    });
  }

  result(): RecordTransformResult {
    if (!this.sawHeader) this.checkHeader([]);
    // In dedupe-key order (unique once deduped), as glue/lakestep_rules.py writes them; DuckDB's is unordered.
    const rows = [...this.kept.values()].map((k) => k.row);
    rows.sort((a, b) => {
      for (const i of this.keyAt) {
        const c = compare(a[i], b[i]);
        if (c !== 0) return c;
      }
      return 0;
    });
    const valid = this.read - this.rejected.length;
    return {
      rows,
      rejected: this.rejected,
      read: this.read,
      duplicates: valid - rows.length,
      rules: Object.fromEntries([...this.rules].sort(([a], [b]) => (a < b ? -1 : 1))),
    };
  }

  private checkHeader(header: readonly string[]): void {
    const expected = this.spec.rawColumns;
    if (header.length === expected.length && header.every((c, i) => c === expected[i])) return;
    throw new ContractError(
      `${this.context.sourceObject}: its header is [${header
        .slice(0, 20)
        .map((c) => JSON.stringify(capText(c)))
        .join(
          ', ',
        )}], the contract's is [${expected.join(', ')}]; the ingest step should have rejected it. Check that bronze holds what ingest accepted, then rerun the object`,
    );
  }
}

/** `a` ranks above `b`: compared value by value, a NULL below every value (DuckDB's DESC NULLS LAST). */
function greater(a: readonly Rank[], b: readonly Rank[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null || y === null) return y === null;
    return x > y;
  }
  return false;
}

/** Ascending, NULL last (as the Python rules sort). */
function compare(a: CellValue | undefined, b: CellValue | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return (a as string | number) < (b as string | number) ? -1 : 1;
}

/**
 * The typed row of a record that broke no rule, in schema order (local/transform-sql.ts typedSelectSql):
 * each derived column is evaluated after the columns before it, from their typed values.
 */
function typedRow(spec: TransformSpec, context: BatchContext): (fields: readonly string[]) => CellValue[] {
  const derived = new Map(compileDerivedColumns(spec).map((d) => [d.column.name, compileDerived(d)]));
  const position = new Map(spec.schema.map((c, i) => [c.name, i]));
  type Cell = (fields: readonly string[], row: readonly CellValue[]) => CellValue;
  const cells = spec.schema.map((col): Cell => {
    if (col.batch) {
      const value = context[col.batch];
      return () => value;
    }
    const evaluate = derived.get(col.name);
    if (evaluate) return (_, row) => evaluate((name) => row[position.get(name) as number] ?? null);
    const source = rawSourceOf(col) as string;
    const i = spec.rawColumns.indexOf(source);
    if (i < 0)
      throw new Error(
        `transform spec: schema column '${col.name}' reads '${source}', which is not a raw column`,
      );
    const raw = (f: readonly string[]) => f[i] ?? '';
    const decimal = decimalShape(col.type);
    if (decimal) return (f) => parseDecimal(raw(f), decimal.precision, decimal.scale);
    switch (col.type) {
      case 'BOOLEAN': {
        const yes = new Set(col.booleans?.true ?? []);
        const no = new Set(col.booleans?.false ?? []);
        return (f) => {
          const v = raw(f);
          return yes.has(v) ? true : no.has(v) ? false : null;
        };
      }
      case 'DATE': {
        const parse = dateParser(col.dateFormat as string);
        return (f) => parse(raw(f));
      }
      case 'TIMESTAMP':
        return (f) => parseIsoInstant(raw(f));
      case 'BIGINT':
        return (f) => parseSignedBigint(raw(f));
      default:
        return raw;
    }
  });
  return (fields) => {
    const row: CellValue[] = [];
    for (const cell of cells) row.push(cell(fields, row));
    return row;
  };
}
