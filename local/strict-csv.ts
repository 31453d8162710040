/**
 * Records as strict CSV for DuckDB's native reader: the lenient reading of the data contract over bytes,
 * from the start of an object or, for the parallel reading (local/parallel-records.ts), from a guessed
 * record boundary in its middle.
 */
import * as csv from '../handlers/core/csv-records';

// Module-local copies of the reader's constants: an imported binding is a getter call under CommonJS,
// which made the byte loop ~5x slower. COMMA and QUOTE are the strict CSV's own (what DuckDB reads);
// the input's are the dialect's, `this.delimiter` and `this.quote`.
const { COMMA, CR, EOL, LF, QUOTE } = csv;
const S = csv.CsvState;

/** DuckDB reads a record up to this size; a larger one (an unterminated quote) takes the appender path. */
export const MAX_NORMALIZED_RECORD = 1 << 20;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The lenient reading of handlers/core/csv-records.ts — the same state machine (LenientCsvMachine), fed
 * bytes instead of text — rewriting each record after the header as one strict CSV line DuckDB's parallel reader splits
 * unambiguously: `record_no,field_count,"c0",…,"c15"` (quotes doubled inside; missing fields empty, so
 * NULL), whatever the dialect read (its delimiter and quote are ordinary bytes of the output). The
 * structural characters are ASCII (a dialect's too), which never occur inside a UTF-8 sequence, so the
 * record boundaries are the text reader's; the bytes are copied, never decoded. Proven equal to
 * CsvRecordReader by test/bench-csv-normalizer.test.ts.
 */
export class StrictCsvWriter extends csv.LenientCsvMachine {
  private chunk: Buffer = Buffer.alloc(0);
  private pendingCr = false;
  private sawAny = false;
  private lastWasTerminator = false;
  private started = false;
  private head: Buffer = Buffer.alloc(0);
  /** The current record's fields as strict CSV (`"…","…"`); `ends[k]` is where field k's closing quote ends. */
  private rec = Buffer.allocUnsafe(1 << 16);
  private recLen = 0;
  private ends: number[] = [];
  private out = Buffer.allocUnsafe(1 << 20);
  private outLen = 0;
  private sawHeader = false;
  /** Records written (the header excluded). */
  records = 0;
  /** The longest record written, in bytes. */
  longest = 0;
  /** Records with exactly `width` fields (how plausible a guessed start is). */
  fullRecords = 0;
  /** Object offset of the next byte pushed. */
  private pushed = 0;
  /** Object offset of the current chunk's first byte, as processed. */
  private base = 0;
  /** Boundaries of a later part's guessed reading (offset → its records before it), to stop at. */
  private watch: ReadonlyMap<number, number> | null = null;
  /** Where the reading stopped on a boundary of `watch`, and that part's records before it. */
  stoppedAt: { offset: number; laterRecords: number } | null = null;
  private onBoundary: ((offset: number, records: number) => void) | null = null;

  /**
   * `sink` gets the strict CSV in pieces; a piece is only valid during the call (the buffer is reused).
   * Without `from` the bytes are an object from its start (a byte-order mark, then the header record);
   * with it, they start at `from.offset` in its middle, guessed to be a record's start (or, with
   * `inQuoted`, a quoted field's inside), and every record is data. `dialect`: the dataset's (default
   * the excel one).
   */
  constructor(
    private readonly width: number,
    private readonly sink: (bytes: Buffer) => void,
    from?: { offset: number; inQuoted: boolean },
    dialect?: csv.CsvDialect,
  ) {
    super(dialect);
    this.openField();
    if (from) {
      this.started = true;
      this.sawHeader = true;
      this.pushed = from.offset;
      if (from.inQuoted) this.state = S.InQuoted;
    }
  }

  /** Stop at the first record boundary that is also one of a later part's (the readings agree from there on). */
  stopAtAny(boundaries: ReadonlyMap<number, number>): void {
    this.watch = boundaries;
  }

  /** Reports every record boundary (for guessing a part's start). */
  reportBoundaries(onBoundary: (offset: number, records: number) => void): void {
    this.onBoundary = onBoundary;
  }

  push(bytes: Uint8Array): void {
    if (this.stoppedAt) return;
    let chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.base = this.pushed;
    this.pushed += chunk.length;
    if (!this.started) {
      // A leading byte-order mark is not data (the text path's TextDecoder drops it too); it may
      // arrive split over chunks, so the first three bytes are held until they are all here.
      chunk = Buffer.concat([this.head, chunk]);
      if (chunk.length < 3 && BOM.subarray(0, chunk.length).equals(chunk)) {
        this.head = chunk;
        return;
      }
      this.started = true;
      this.base -= this.head.length;
      this.head = Buffer.alloc(0);
      if (chunk.subarray(0, 3).equals(BOM)) {
        chunk = chunk.subarray(3);
        this.base += 3;
      }
    }
    if (chunk.length === 0) return;
    if (this.pendingCr) {
      chunk = Buffer.concat([Buffer.from([CR]), chunk]);
      this.base -= 1;
      this.pendingCr = false;
    }
    if (chunk[chunk.length - 1] === CR) {
      this.pendingCr = true;
      chunk = chunk.subarray(0, chunk.length - 1);
      if (chunk.length === 0) return;
    }
    this.process(chunk);
  }

  /** Writes out what is buffered, after a stop (the rest of the object is a later part's). */
  flush(): void {
    if (this.outLen > 0) this.sink(this.out.subarray(0, this.outLen));
    this.outLen = 0;
  }

  end(): void {
    if (this.stoppedAt) {
      this.flush();
      return;
    }
    if (!this.started && this.head.length > 0) {
      // Fewer than three bytes, all a prefix of the mark: data after all.
      this.started = true;
      const head = this.head;
      this.head = Buffer.alloc(0);
      this.push(head);
    }
    if (this.pendingCr) {
      this.pendingCr = false;
      this.process(Buffer.from([CR]));
    }
    if (this.sawAny && !this.lastWasTerminator) this.char(EOL, -1);
    if (this.state === S.InQuoted) {
      this.saveField();
      this.emit();
    }
    if (this.outLen > 0) this.sink(this.out.subarray(0, this.outLen));
    this.outLen = 0;
  }

  private process(chunk: Buffer): void {
    this.chunk = chunk;
    this.sawAny = true;
    const n = chunk.length;
    const { delimiter, quote } = this;
    for (let i = 0; i < n; i++) {
      const c = chunk[i] as number;
      if (this.state === S.InField && c !== delimiter && c !== CR && c !== LF) {
        if (this.segStart < 0) this.segStart = i;
        // Run to the end of the unquoted field in one tight loop.
        let j = i + 1;
        while (j < n) {
          const d = chunk[j];
          if (d === delimiter || d === CR || d === LF) break;
          j++;
        }
        i = j - 1;
        continue;
      }
      if (this.state === S.InQuoted && c !== quote) {
        if (this.segStart < 0) this.segStart = i;
        // Jump to the closing quote: quoted descriptions are long.
        const q = chunk.indexOf(quote, i + 1);
        i = (q < 0 ? n : q) - 1;
        continue;
      }
      this.char(c, i);
      if (c === LF || (c === CR && (i + 1 >= n || chunk[i + 1] !== LF))) {
        this.char(EOL, i + 1);
        if (this.state === S.StartRecord && (this.watch || this.onBoundary)) {
          const at = this.base + i + 1;
          this.onBoundary?.(at, this.records);
          const later = this.watch?.get(at);
          if (later !== undefined) {
            this.stoppedAt = { offset: at, laterRecords: later };
            this.chunk = Buffer.alloc(0);
            return;
          }
        }
      }
    }
    if (n > 0) {
      const last = chunk[n - 1];
      this.lastWasTerminator = last === LF || last === CR;
    }
    this.flushSegment(n);
    this.chunk = Buffer.alloc(0);
  }

  private ensureRec(extra: number): void {
    if (this.recLen + extra <= this.rec.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.rec.length * 2, this.recLen + extra));
    this.rec.copy(bigger, 0, 0, this.recLen);
    this.rec = bigger;
  }

  /** Appends chunk[from, to) to the current field, doubling the strict CSV's quotes (`"`, whatever the dialect's). */
  protected flushSegment(to: number): void {
    const from = this.segStart;
    if (from < 0) return;
    this.segStart = -1;
    const chunk = this.chunk;
    this.ensureRec(2 * (to - from));
    const rec = this.rec;
    let len = this.recLen;
    if (to - from <= 64) {
      // Short fields (ids, counts, flags): a byte loop beats native calls.
      for (let i = from; i < to; i++) {
        const c = chunk[i] as number;
        rec[len++] = c;
        if (c === QUOTE) rec[len++] = QUOTE;
      }
    } else {
      const segment = chunk.subarray(from, to);
      let at = 0;
      while (at < segment.length) {
        const q = segment.indexOf(QUOTE, at);
        const stop = q < 0 ? segment.length : q + 1;
        len += segment.copy(rec, len, at, stop);
        if (q >= 0) rec[len++] = QUOTE;
        at = stop;
      }
    }
    this.recLen = len;
  }

  private openField(): void {
    this.ensureRec(2);
    if (this.ends.length > 0) this.rec[this.recLen++] = COMMA;
    this.rec[this.recLen++] = QUOTE;
  }

  protected saveField(): void {
    this.ensureRec(1);
    this.rec[this.recLen++] = QUOTE;
    this.ends.push(this.recLen);
    this.openField();
  }

  protected emit(): void {
    const count = this.ends.length;
    if (count > 0) {
      if (!this.sawHeader) this.sawHeader = true;
      else this.write(count);
    }
    this.ends = [];
    this.recLen = 0;
    this.openField();
  }

  private write(count: number): void {
    this.records++;
    if (count === this.width) this.fullRecords++;
    const kept = Math.min(count, this.width);
    const fieldsEnd = this.ends[kept - 1] as number;
    const prefix = `${this.records},${count},`;
    const size = prefix.length + fieldsEnd + (this.width - kept) + 1;
    this.longest = Math.max(this.longest, size);
    if (this.outLen + size > this.out.length) {
      if (this.outLen > 0) this.sink(this.out.subarray(0, this.outLen));
      this.outLen = 0;
      if (size > this.out.length) this.out = Buffer.allocUnsafe(size);
    }
    const out = this.out;
    this.outLen += out.write(prefix, this.outLen, 'latin1');
    this.outLen += this.rec.copy(out, this.outLen, 0, fieldsEnd);
    for (let k = kept; k < this.width; k++) out[this.outLen++] = COMMA;
    out[this.outLen++] = LF;
  }
}
