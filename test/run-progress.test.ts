/**
 * The run's progress renderer (issue 12 item 4, issue 14 items 9 and 13): one stable block per execution
 * off a terminal, never interleaved when several run at once; in a terminal one bar with counts and an
 * ETA, and the state each running execution is in with its elapsed time.
 */

import { RunProgress } from '../cli/run-progress';
import type { StoredEvent } from '../local/execution-store';
import type { ExecutionSummary } from '../local/execution-summary';

process.env.NO_COLOR = '1';

/** The live area's redraw: cursor up N lines, clear to the end of the screen. */
const REDRAW = new RegExp(`${String.fromCharCode(27)}\\[\\d+F${String.fromCharCode(27)}\\[J`, 'g');

const key = (n: string) => `raw_statistics/region=${n}/${n.toUpperCase()}videos.csv`;
const started = (n: string, t: number): StoredEvent => ({
  type: 'ExecutionStarted',
  timestamp: t,
  input: { detail: { object: { key: key(n) } } },
});
const entered = (state: string, t: number): StoredEvent => ({
  type: 'StateEntered',
  timestamp: t,
  stateName: state,
  stateType: 'Task',
});
const exited = (state: string, t: number): StoredEvent => ({
  type: 'StateExited',
  timestamp: t,
  stateName: state,
  stateType: 'Task',
});

function summary(n: string, over: Partial<ExecutionSummary> = {}): ExecutionSummary {
  return {
    name: `exec-${n}`,
    objectKey: key(n),
    dataset: 'statistics',
    region: n,
    status: 'SUCCEEDED',
    outcome: 'succeeded',
    error: null,
    cause: null,
    reason: null,
    states: [],
    rows: null,
    warnings: [],
    ...over,
  };
}

function harness(mode: 'lines' | 'bar' | 'verbose', total: number) {
  let clock = 1_000_000;
  let out = '';
  const progress = new RunProgress({
    mode,
    total,
    write: (s) => {
      out += s;
    },
    now: () => clock,
    columns: 100,
  });
  return {
    progress,
    advance: (ms: number) => {
      clock += ms;
      return clock;
    },
    at: () => clock,
    output: () => out,
  };
}

describe('run progress, off a terminal (lines)', () => {
  it('writes each execution as one block in start order, even when two run at once', () => {
    const h = harness('lines', 2);
    const p = h.progress;
    p.onEvent('exec-us', started('us', h.at()));
    p.onEvent('exec-us', entered('Ingest object', h.at()));
    p.onEvent('exec-gb', started('gb', h.advance(1)));
    p.onEvent('exec-gb', entered('Ingest object', h.at()));
    p.onEvent('exec-gb', exited('Ingest object', h.advance(5)));
    // gb finishes first; its block waits for us's.
    p.finish(summary('gb'));
    expect(h.output()).not.toContain('GBvideos');
    p.onEvent('exec-us', exited('Ingest object', h.advance(7)));
    p.finish(summary('us', { status: 'FAILED', outcome: 'failed', error: 'Lambda.ServiceException' }));
    p.close();
    const text = h.output();
    expect(text).not.toContain('\x1b['); // no cursor movement off a terminal
    const us = text.indexOf('[1/2] raw_statistics/region=us/USvideos.csv');
    const gb = text.indexOf('[2/2] raw_statistics/region=gb/GBvideos.csv');
    expect(us).toBeGreaterThanOrEqual(0);
    expect(gb).toBeGreaterThan(us);
    const usBlock = text.slice(us, gb);
    expect(usBlock).toMatch(/✓ Ingest object\s+\d+ ms/);
    expect(usBlock).toContain('→ FAILED');
    expect(text.slice(gb)).toContain('→ succeeded');
  });

  it("shows a materialization check's warning under the execution that found it", () => {
    const h = harness('lines', 1);
    h.progress.onEvent('exec-us', started('us', h.at()));
    h.progress.finish(
      summary('us', { warnings: [{ materialization: 'orders', check: 'orphan_order', violations: 99 }] }),
    );
    h.progress.close();
    expect(h.output()).toContain('! warning: check orphan_order of analytics.orders: 99 violating rows');
  });

  it('counts a duplicate event apart from a run, and says it was not run again', () => {
    const h = harness('lines', 2);
    h.progress.finish(summary('us', { duplicateEvent: true }));
    h.progress.onEvent('exec-gb', started('gb', h.at()));
    h.progress.finish(summary('gb'));
    h.progress.close();
    expect(h.progress.counted()).toMatchObject({ succeeded: 1, duplicate: 1 });
    expect(h.output()).toContain('already processed (same object version): not run again');
  });
});

describe('run progress, in a terminal (bar)', () => {
  it('shows one bar with the counts, the running state with its elapsed time, and an ETA', () => {
    const h = harness('bar', 4);
    const p = h.progress;
    p.onEvent('exec-us', started('us', h.at()));
    p.onEvent('exec-us', entered('Transform batch', h.at()));
    h.advance(10_900);
    const live = p.liveText();
    expect(live[0]).toMatch(/\[░+\] 0\/4 {2}succeeded 0 {2}rejected 0 {2}dq_failed 0 {2}failed 0/);
    expect(live[1]).toContain('raw_statistics/region=us/USvideos.csv  Transform batch 10.9 s');
    expect(live[0]).not.toContain('ETA'); // nothing to estimate from yet
    p.finish(summary('us'));
    // Two executions in flight at once: each keeps its own state.
    p.onEvent('exec-gb', started('gb', h.at()));
    p.onEvent('exec-gb', entered('Ingest object', h.at()));
    p.onEvent('exec-ca', started('ca', h.at()));
    p.onEvent('exec-ca', entered('Promote batch', h.at()));
    h.advance(2_000);
    const two = p.liveText();
    expect(two[0]).toMatch(/1\/4 {2}succeeded 1 .*ETA 32\.7 s/); // 10.9 s per execution, 3 left
    expect(two.slice(1)).toEqual([
      expect.stringContaining('region=gb/GBvideos.csv  Ingest object 2.0 s'),
      expect.stringContaining('region=ca/CAvideos.csv  Promote batch 2.0 s'),
    ]);
    p.close();
  });

  it('shows the file being landed, with its elapsed time, until it has landed', () => {
    const h = harness('bar', 1);
    h.progress.landing('/data/USvideos.csv');
    h.advance(3_300);
    expect(h.progress.liveText()).toContain('  ⋯ landing /data/USvideos.csv  3.3 s');
    h.progress.landing(null);
    expect(h.progress.liveText().join('\n')).not.toContain('landing');
    h.progress.close();
  });

  it('writes nothing per succeeded object, one line per other outcome, and redraws in place', () => {
    const h = harness('bar', 3);
    const p = h.progress;
    p.onEvent('exec-us', started('us', h.at()));
    p.onEvent('exec-us', entered('Ingest object', h.at()));
    p.onEvent('exec-us', exited('Ingest object', h.advance(3)));
    p.finish(summary('us'));
    p.onEvent('exec-gb', started('gb', h.at()));
    p.finish(
      summary('gb', { status: 'FAILED', outcome: 'rejected', error: 'ObjectRejected', reason: 'encoding' }),
    );
    p.finish(summary('ca', { duplicateEvent: true }));
    p.close();
    const text = h.output();
    expect(text).not.toContain('✓ Ingest object');
    expect(text).not.toContain('region=us/USvideos.csv →');
    expect(text).toContain('raw_statistics/region=gb/GBvideos.csv → rejected (encoding)');
    expect(text).toContain('raw_statistics/region=ca/CAvideos.csv → already processed');
    expect(text).toMatch(REDRAW); // the live lines are redrawn, not appended
    expect(p.counted()).toMatchObject({ succeeded: 1, rejected: 1, duplicate: 1 });
  });

  it('cuts live lines to the terminal width so that redrawing never meets a wrapped line', () => {
    let out = '';
    const p = new RunProgress({ mode: 'bar', total: 1, write: (s) => (out += s), columns: 40, now: () => 0 });
    p.onEvent('x', started('us', 0));
    p.onEvent('x', entered('Materialize category_daily', 0));
    p.close();
    for (const line of out.replace(REDRAW, '').split('\n')) expect([...line].length).toBeLessThanOrEqual(40);
  });
});

describe('run progress, in a terminal with --verbose', () => {
  it('keeps the per-state detail, with the live lines below it', () => {
    const h = harness('verbose', 1);
    h.progress.onEvent('exec-us', started('us', h.at()));
    h.progress.onEvent('exec-us', entered('Ingest object', h.at()));
    h.progress.onEvent('exec-us', exited('Ingest object', h.advance(8)));
    h.progress.finish(summary('us'));
    h.progress.close();
    expect(h.output()).toMatch(/✓ Ingest object\s+8 ms/);
    expect(h.output()).toContain('\x1b[');
  });
});
