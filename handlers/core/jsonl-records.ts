/**
 * A streaming JSON Lines reader (the `jsonLines` format): UTF-8 text in, one record per non-blank line
 * (LF or CRLF), each JSON object turned into its text fields by handlers/core/json-records.ts; a line
 * that is not JSON, or not a record of the declared shape, is no error but a record broken by the rule
 * `record_shape`, its text kept for the quarantine file (glue/lakestep_rules.py `read_jsonl` reads alike).
 */
import { RECORD_SHAPE } from '../../workflows/datasets';
import type { FieldLocation } from './json-records';
import { jsonRecordFields } from './json-records';

export { RECORD_SHAPE } from '../../workflows/datasets';

/** Where a reader sends an object's records: each record's fields, or a broken record's rule and raw text. */
export interface RecordsSink {
  record(fields: string[]): void;
  broken(rule: string, raw: string[], problem: string): void;
}

/** JSON's whitespace (RFC 8259): a line of only these is blank, as JSON.parse and Python's json read it. */
const BLANK = /^[ \t\r]*$/;

export class JsonLinesReader {
  /** The text of the line not yet ended by a LF. */
  private pending = '';
  private lineNo = 0;

  constructor(
    private readonly locations: readonly FieldLocation[],
    private readonly sink: RecordsSink,
  ) {}

  push(text: string): void {
    let from = 0;
    for (let lf = text.indexOf('\n'); lf >= 0; lf = text.indexOf('\n', from)) {
      const line = this.pending + text.slice(from, lf);
      this.pending = '';
      this.line(line);
      from = lf + 1;
    }
    this.pending += text.slice(from);
  }

  end(): void {
    const last = this.pending;
    this.pending = '';
    this.line(last);
  }

  private line(raw: string): void {
    this.lineNo++;
    if (BLANK.test(raw)) return;
    // The raw text kept for quarantine is the line without its CRLF's CR.
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      this.sink.broken(RECORD_SHAPE, [line], `line ${this.lineNo} is not JSON (${(e as Error).message})`);
      return;
    }
    const r = jsonRecordFields(value, this.locations);
    if ('problem' in r) this.sink.broken(RECORD_SHAPE, [line], `line ${this.lineNo}: ${r.problem}`);
    else this.sink.record(r.fields);
  }
}
