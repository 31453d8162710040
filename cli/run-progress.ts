/**
 * What `lakestep run` shows while it runs, fed by the runtime's event callbacks keyed by execution name
 * (so several executions in flight at once each keep their own state):
 * - `lines` (stdout not a terminal, or --json's stderr): one stable block per finished execution, its
 *   states with durations and its result — the same text whatever the timing, for CI logs.
 * - `bar` (a terminal): one progress bar with the counts and an ETA, the state each running execution
 *   is in with its elapsed time, and one line per object that did not succeed.
 * - `verbose` (a terminal with --verbose): the blocks of `lines`, with the live lines of `bar` below.
 * Pure apart from `write`: the clock and the terminal width are given, so tests drive it by hand.
 */
import type { StoredEvent } from '../local/execution-store';
import type { ExecutionSummary } from '../local/execution-summary';
import { bold, dim, green, ms, outcomeLabel, red, rowsLine, stateLine, yellow } from './format';

export type ProgressMode = 'lines' | 'bar' | 'verbose';

export interface ProgressOptions {
  readonly mode: ProgressMode;
  readonly total: number;
  readonly write: (text: string) => void;
  readonly now?: () => number;
  /** Terminal width: live lines are cut to it so that redrawing never meets a wrapped line. */
  readonly columns?: number;
}

/** How one execution ended, as the run's summary counts it. */
export type Tally = 'succeeded' | 'rejected' | 'dq_failed' | 'failed' | 'aborted' | 'duplicate';

export function tallyOf(e: ExecutionSummary): Tally {
  if (e.duplicateEvent) return 'duplicate';
  if (e.status === 'ABORTED') return 'aborted';
  return e.outcome;
}

/** One execution in flight (or finished, while an earlier one still holds the screen in `lines`). */
interface Flight {
  readonly name: string;
  readonly key: string;
  readonly index: number;
  readonly t0: number;
  state: string | null;
  stateT0: number;
  attempts: number;
  lastError: string | null;
  /** Its block's lines not yet written (an earlier execution's block is still being written). */
  pending: string[];
  done: boolean;
}

const BAR_WIDTH = 24;

export class RunProgress {
  /** In start order: `lines` writes the blocks in this order, never interleaved. */
  private flights: Flight[] = [];
  private readonly counts: Record<Tally, number> = {
    succeeded: 0,
    rejected: 0,
    dq_failed: 0,
    failed: 0,
    aborted: 0,
    duplicate: 0,
  };
  private started = 0;
  private finished = 0;
  /** Time spent by executions that ran (duplicates take none): the ETA's rate. */
  private ranMs = 0;
  private ran = 0;
  private liveLines = 0;
  private readonly t0: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The file being landed now (a large upload takes seconds before its execution starts). */
  private landingFile: { path: string; t0: number } | null = null;
  private lastDraw = -Infinity;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.t0 = this.now();
  }

  /** Whether the bar and the running states are drawn (a terminal). */
  private get live(): boolean {
    return this.options.mode !== 'lines';
  }

  /** Whether each execution's block of state lines is written. */
  private get blocks(): boolean {
    return this.options.mode !== 'bar';
  }

  /** Redraws the live lines every `everyMs` (elapsed times move while a state runs); unref'd. */
  startTicking(everyMs = 250): void {
    if (!this.live || this.timer) return;
    this.timer = setInterval(() => this.redraw(), everyMs);
    this.timer.unref();
  }

  private begin(name: string, key: string, at: number): Flight {
    const flight: Flight = {
      name,
      key,
      index: ++this.started,
      t0: at,
      state: null,
      stateT0: at,
      attempts: 1,
      lastError: null,
      pending: [],
      done: false,
    };
    this.flights.push(flight);
    this.emit(flight, `${bold(`[${flight.index}/${this.options.total}]`)} ${key}`);
    return flight;
  }

  /** The file being landed now, or null once it has landed. */
  landing(path: string | null): void {
    this.landingFile = path === null ? null : { path, t0: this.now() };
    this.redraw();
  }

  /** An event of execution `name` (from the runtime's onEvent). */
  onEvent(name: string, e: StoredEvent): void {
    if (e.type === 'ExecutionStarted') this.begin(name, objectKeyOf(e.input) ?? name, e.timestamp);
    const flight = this.flights.find((f) => f.name === name && !f.done);
    if (!flight || typeof e.stateName !== 'string') return;
    if (e.type === 'StateEntered') {
      flight.state = e.stateName;
      flight.stateT0 = e.timestamp;
      flight.attempts = 1;
      flight.lastError = null;
    } else if (e.type === 'StateFailed') flight.lastError = String(e.error ?? 'error');
    else if (e.type === 'StateRetried') {
      flight.attempts++;
      this.emit(
        flight,
        dim(`      ↻ ${e.stateName}: ${flight.lastError ?? 'error'}, retrying (attempt ${flight.attempts})`),
      );
    } else if (e.type === 'StateExited' && e.stateType !== 'Fail')
      this.emit(
        flight,
        stateLine({
          name: e.stateName,
          status: 'SUCCEEDED',
          attempts: flight.attempts,
          startedAt: '',
          durationMs: e.timestamp - flight.stateT0,
        }),
      );
    // Events come in bursts (a state every few ms): redraw at most every 100 ms; the ticker does the rest.
    if (this.now() - this.lastDraw >= 100) this.redraw();
  }

  /** An execution (or a duplicate event that ran none) has ended: counted, and shown as its mode says. */
  finish(summary: ExecutionSummary): void {
    const flight =
      this.flights.find((f) => f.name === summary.name && !f.done) ??
      this.begin(summary.name, summary.objectKey, this.now());
    const tally = tallyOf(summary);
    this.counts[tally]++;
    this.finished++;
    if (tally !== 'duplicate') {
      this.ran++;
      this.ranMs += this.now() - flight.t0;
    }
    if (summary.duplicateEvent)
      this.emit(flight, dim('    already processed (same object version): not run again'));
    // States that succeeded were written as they finished; a state that failed is known only now.
    else
      for (const s of summary.states.filter((x) => x.status !== 'SUCCEEDED')) this.emit(flight, stateLine(s));
    const rows = rowsLine(summary);
    this.emit(flight, `    → ${resultLabel(summary)}${rows ? dim(`  ${rows}`) : ''}`);
    if (summary.outcome !== 'succeeded' && summary.cause) this.emit(flight, dim(`      ${summary.cause}`));
    for (const w of summary.warnings ?? [])
      this.emit(
        flight,
        `    ! warning: check ${w.check} of analytics.${w.materialization}: ${w.violations} violating row${w.violations === 1 ? '' : 's'}`,
      );
    flight.done = true;
    if (!this.blocks && tally !== 'succeeded') this.print(this.oneLine(summary, tally));
    this.flush();
  }

  /** A line above the live area (a skipped entry, a signal, a note), written at once. */
  print(text: string): void {
    this.clearLive();
    this.options.write(`${text}\n`);
    this.drawLive();
  }

  /** Stops ticking and removes the live lines (the summary follows in their place). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closed = true;
    this.clearLive();
    this.flush();
  }

  counted(): Readonly<Record<Tally, number>> {
    return this.counts;
  }

  private emit(flight: Flight, line: string): void {
    if (!this.blocks) return;
    flight.pending.push(line);
    this.flush();
  }

  /** Writes the blocks in start order: the oldest execution's lines now, the others' when it is done. */
  private flush(): void {
    const out: string[] = [];
    while (this.flights[0]) {
      const head = this.flights[0];
      out.push(...head.pending);
      head.pending = [];
      if (!head.done) break;
      this.flights.shift();
    }
    if (!this.blocks) this.flights = this.flights.filter((f) => !f.done);
    if (out.length) this.print(out.join('\n'));
  }

  private oneLine(e: ExecutionSummary, tally: Tally): string {
    const mark =
      tally === 'duplicate' ? dim('=') : tally === 'failed' || tally === 'aborted' ? red('✗') : yellow('↷');
    const what =
      tally === 'duplicate' ? dim('already processed (same object version): not run again') : resultLabel(e);
    return `${mark} ${e.objectKey} → ${what}`;
  }

  /** The bar, the counts and the ETA; then each running execution's state and elapsed time. */
  liveText(): string[] {
    const { total } = this.options;
    const done = Math.min(this.finished, total);
    const filled = total ? Math.round((done / total) * BAR_WIDTH) : BAR_WIDTH;
    const bar = `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
    const c = this.counts;
    const parts = [
      `${bar} ${done}/${total}`,
      green(`succeeded ${c.succeeded}`),
      c.rejected ? yellow(`rejected ${c.rejected}`) : 'rejected 0',
      c.dq_failed ? yellow(`dq_failed ${c.dq_failed}`) : 'dq_failed 0',
      c.failed ? red(`failed ${c.failed}`) : 'failed 0',
      ...(c.aborted ? [red(`aborted ${c.aborted}`)] : []),
      ...(c.duplicate ? [dim(`duplicates ${c.duplicate}`)] : []),
      dim(`${ms(this.now() - this.t0)} elapsed${this.eta()}`),
    ];
    const lines = [parts.join('  ')];
    const at = this.now();
    for (const f of this.flights)
      if (!f.done)
        lines.push(
          dim(
            `  ⋯ ${f.key}  ${f.state ? `${f.state} ${ms(at - f.stateT0)}${f.attempts > 1 ? ` (attempt ${f.attempts})` : ''}` : 'starting'}`,
          ),
        );
    if (this.landingFile)
      lines.push(dim(`  ⋯ landing ${this.landingFile.path}  ${ms(at - this.landingFile.t0)}`));
    return lines;
  }

  private eta(): string {
    const left = this.options.total - this.finished;
    if (left <= 0 || this.ran === 0) return '';
    return `, ETA ${ms(Math.round((this.ranMs / this.ran) * left))}`;
  }

  private redraw(): void {
    if (!this.live) return;
    this.clearLive();
    this.drawLive();
  }

  private clearLive(): void {
    if (!this.live || this.liveLines === 0) return;
    // Up to the first live line, then clear to the end of the screen.
    this.options.write(`\x1b[${this.liveLines}F\x1b[J`);
    this.liveLines = 0;
  }

  private drawLive(): void {
    if (!this.live || this.closed) return;
    const width = Math.max(20, (this.options.columns || 80) - 1);
    const lines = this.liveText().map((l) => cut(l, width));
    this.options.write(`${lines.join('\n')}\n`);
    this.liveLines = lines.length;
    this.lastDraw = this.now();
  }
}

/** The outcome of an execution in a few words; a timeout or an abort says so rather than FAILED. */
export function resultLabel(e: ExecutionSummary): string {
  if (e.status === 'TIMED_OUT' || e.status === 'ABORTED') {
    const at = [...e.states].reverse().find((s) => s.status !== 'SUCCEEDED')?.name;
    return red(`${e.status}${at ? ` at "${at}"` : ''}${e.error ? ` with ${e.error}` : ''}`);
  }
  return outcomeLabel(e);
}

/** The object key in an execution's input (the S3 "Object Created" event). */
function objectKeyOf(input: unknown): string | null {
  const key = (input as { detail?: { object?: { key?: unknown } } } | undefined)?.detail?.object?.key;
  return typeof key === 'string' ? key : null;
}

/** Cuts a line to `width` visible characters, keeping colour codes whole. */
function cut(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      if (end > 0) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= width) {
      out += '…';
      // Reset any colour left open by the cut.
      return line.includes('\x1b[') ? `${out}\x1b[0m` : out;
    }
    out += line[i];
    visible++;
  }
  return out;
}

export const summaryCounts = (c: Readonly<Record<Tally, number>>): string =>
  [
    `succeeded ${c.succeeded}`,
    `rejected ${c.rejected}`,
    `dq_failed ${c.dq_failed}`,
    `failed ${c.failed}`,
    ...(c.aborted ? [`aborted ${c.aborted}`] : []),
    `duplicates ${c.duplicate} ${dim('(already processed: not run again)')}`,
  ].join('   ');
