/**
 * A streaming CSV record reader that reads exactly as Python's `csv.reader(…, delimiter=D,
 * quotechar=Q)` (doublequote, no escape character, strict=False) reads a text opened with newline='' —
 * the lenient reading the data contract names, in the dataset's dialect (default: the excel one, `,`
 * and `"`). Characters after a closing quote stay in the field (`"a"|"b"` → `a|"b"`), quoted fields
 * keep their CR/LF, a bare CR ends a record, blank lines yield no record, and an unterminated quote
 * runs to EOF.
 */

export const QUOTE = 34;
export const COMMA = 44;
export const LF = 10;
export const CR = 13;
/** A virtual character: Python's reader feeds one after every physical line. */
export const EOL = -1;

/** A CSV dialect: the `csv` format's `delimiter` and `quote` (workflows/datasets.ts); absent, the excel ones. */
export interface CsvDialect {
  readonly delimiter?: string;
  readonly quote?: string;
}

/**
 * What is wrong with a dialect, one sentence per field: each character must be one ASCII character
 * (so it is one byte of UTF-8, which the byte-level reader relies on) other than CR and LF (they end
 * records), and the two must differ. Shared by the readers and the definition-time check, which
 * names the fields its own way (`field`: `format.delimiter`).
 */
export function csvDialectProblems(dialect: CsvDialect, field = (name: string) => name): string[] {
  const problems: string[] = [];
  const delimiter = dialect.delimiter ?? ',';
  const quote = dialect.quote ?? '"';
  for (const [name, value] of [
    ['delimiter', delimiter],
    ['quote', quote],
  ] as const)
    if (value.length !== 1 || value.charCodeAt(0) > 127 || value === '\r' || value === '\n')
      problems.push(
        `${field(name)} is ${JSON.stringify(value)}: it must be one ASCII character other than CR and LF (e.g. ${name === 'delimiter' ? '";" or "\\t"' : `"'"`})`,
      );
  if (delimiter === quote)
    problems.push(
      `${field('quote')} is ${JSON.stringify(quote)}, the same as ${field('delimiter')}: they must differ (set ${field('quote')} to another character, e.g. ${quote === '"' ? `"'"` : '"\\""'})`,
    );
  return problems;
}

/** The dialect's character codes, once proven sound (a bad dialect is a definition error, named here). */
function dialectCodes(dialect: CsvDialect): { delimiter: number; quote: number } {
  const problems = csvDialectProblems(dialect);
  if (problems.length) throw new Error(`CSV dialect: ${problems.join('; ')}`);
  return {
    delimiter: (dialect.delimiter ?? ',').charCodeAt(0),
    quote: (dialect.quote ?? '"').charCodeAt(0),
  };
}

export enum CsvState {
  StartRecord = 0,
  StartField = 1,
  InField = 2,
  InQuoted = 3,
  QuoteInQuoted = 4,
  EatCrnl = 5,
}
const S = CsvState;

/**
 * The transitions of Python's csv reader (strict=False) in a dialect, once for both readers: the
 * text reader below and the byte-level one of the local transform (local/transform.ts). A reader feeds
 * it the structural characters (its own fast paths skip the ordinary ones) and keeps the field's
 * characters its own way: `add(i)` marks where they start in the current chunk, `flushSegment(i)`
 * takes them up to i, `saveField()` ends a field and `emit()` a record.
 */
export abstract class LenientCsvMachine {
  protected state: CsvState = S.StartRecord;
  /** Start, in the current chunk, of characters being added to the field; -1 when none. */
  protected segStart = -1;
  /** The dialect's character codes, picked once: the readers' fast paths compare against them. */
  protected readonly delimiter: number;
  protected readonly quote: number;

  constructor(dialect: CsvDialect = {}) {
    const codes = dialectCodes(dialect);
    this.delimiter = codes.delimiter;
    this.quote = codes.quote;
  }

  protected abstract flushSegment(i: number): void;
  protected abstract saveField(): void;
  protected abstract emit(): void;

  protected add(i: number): void {
    if (this.segStart < 0) this.segStart = i;
  }

  private endOfLine(c: number): void {
    this.saveField();
    if (c === EOL) {
      this.state = S.StartRecord;
      this.emit();
    } else this.state = S.EatCrnl;
  }

  protected char(c: number, i: number): void {
    switch (this.state) {
      case S.StartRecord:
        if (c === EOL) {
          this.emit(); // a blank line: no fields, so nothing is emitted
          return;
        }
        if (c === LF || c === CR) {
          this.state = S.EatCrnl;
          return;
        }
        this.state = S.StartField;
        this.startField(c, i);
        return;
      case S.StartField:
        this.startField(c, i);
        return;
      case S.InField:
        this.flushSegment(i);
        if (c === LF || c === CR || c === EOL) this.endOfLine(c);
        else if (c === this.delimiter) {
          this.saveField();
          this.state = S.StartField;
        }
        return;
      case S.InQuoted:
        this.flushSegment(i);
        if (c === this.quote) this.state = S.QuoteInQuoted;
        return;
      case S.QuoteInQuoted:
        if (c === this.quote) {
          this.add(i);
          this.state = S.InQuoted;
        } else if (c === this.delimiter) {
          this.saveField();
          this.state = S.StartField;
        } else if (c === LF || c === CR || c === EOL) this.endOfLine(c);
        else {
          // Lenient: characters after a closing quote stay in the field.
          this.add(i);
          this.state = S.InField;
        }
        return;
      case S.EatCrnl:
        if (c === EOL) {
          this.state = S.StartRecord;
          this.emit();
        }
        return;
    }
  }

  private startField(c: number, i: number): void {
    if (c === LF || c === CR || c === EOL) this.endOfLine(c);
    else if (c === this.quote) this.state = S.InQuoted;
    else if (c === this.delimiter) this.saveField();
    else {
      this.add(i);
      this.state = S.InField;
    }
  }
}

export type RecordSink = (fields: string[]) => void;

export class CsvRecordReader extends LenientCsvMachine {
  private fields: string[] = [];
  private field = '';
  private chunk = '';
  /** A CR at the end of a chunk waits for the next chunk to know whether CRLF follows. */
  private pendingCr = false;
  private sawAny = false;
  private lastWasTerminator = false;

  constructor(
    private readonly sink: RecordSink,
    dialect?: CsvDialect,
  ) {
    super(dialect);
  }

  push(text: string): void {
    if (text.length === 0) return;
    let chunk = this.pendingCr ? `\r${text}` : text;
    this.pendingCr = false;
    if (chunk.charCodeAt(chunk.length - 1) === CR) {
      this.pendingCr = true;
      chunk = chunk.slice(0, -1);
      if (chunk.length === 0) return;
    }
    this.process(chunk);
  }

  /** Flushes the last record, as Python does at end of input. */
  end(): void {
    if (this.pendingCr) {
      this.pendingCr = false;
      this.process('\r');
    }
    if (this.sawAny && !this.lastWasTerminator) this.char(EOL, -1);
    if (this.state === S.InQuoted) {
      this.saveField();
      this.emit();
    }
  }

  private process(chunk: string): void {
    this.chunk = chunk;
    this.sawAny = true;
    const n = chunk.length;
    const { delimiter, quote } = this;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      // Fast path: ordinary characters inside a field are only appended.
      if (this.state === S.InField && c !== delimiter && c !== CR && c !== LF) {
        if (this.segStart < 0) this.segStart = i;
        continue;
      }
      if (this.state === S.InQuoted && c !== quote) {
        // Line ends inside quotes are kept in the field; Python's end-of-line changes nothing here.
        if (this.segStart < 0) this.segStart = i;
        continue;
      }
      this.char(c, i);
      if (c === LF || (c === CR && (i + 1 >= n || chunk.charCodeAt(i + 1) !== LF))) this.char(EOL, i + 1);
    }
    if (n > 0) {
      const last = chunk.charCodeAt(n - 1);
      this.lastWasTerminator = last === LF || last === CR;
    }
    this.flushSegment(n);
    this.chunk = '';
  }

  protected flushSegment(i: number): void {
    if (this.segStart >= 0) {
      this.field += this.chunk.slice(this.segStart, i);
      this.segStart = -1;
    }
  }

  protected saveField(): void {
    this.fields.push(this.field);
    this.field = '';
  }

  protected emit(): void {
    const record = this.fields;
    this.fields = [];
    if (record.length > 0) this.sink(record);
  }
}

/** Reads a whole text in a dialect (default: the excel one); for tests and small objects. */
export function readCsvRecords(text: string, dialect?: CsvDialect): string[][] {
  const out: string[][] = [];
  const reader = new CsvRecordReader((r) => out.push(r), dialect);
  reader.push(text);
  reader.end();
  return out;
}
