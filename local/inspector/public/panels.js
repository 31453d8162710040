/** The detail panels of the inspector: the run, the selected state, the data a run produced, its events. */
import { rowsChart, ruleBars } from './chart.js';
import { badge, copyButton, dateTime, duration, facts, h, jsonView, message, number, time } from './dom.js';

function ordinal(n) {
  const v = n % 100;
  const suffix = v >= 11 && v <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function runningMs(start, stop) {
  const a = Date.parse(start);
  const b = stop ? Date.parse(stop) : Date.now();
  return Number.isFinite(a) && Number.isFinite(b) ? b - a : null;
}

function errorBox(error, cause) {
  if (!error && !cause) return null;
  return h(
    'div',
    { class: 'error-box' },
    h('p', { class: 'error-name' }, error ?? 'Error'),
    cause ? h('p', { class: 'error-cause' }, cause) : null,
  );
}

function replayBox(replay) {
  if (!replay) return null;
  return h(
    'div',
    { class: 'replay', 'aria-label': 'Replay command' },
    h(
      'p',
      { class: 'replay-title' },
      replay.kind === 'redrive' ? 'Redrive it after the fix' : 'Rerun the object after fixing the data',
    ),
    h(
      'div',
      { class: 'command' },
      h('code', { class: 'replay-command' }, replay.command),
      copyButton(replay.command, 'Copy the command'),
    ),
    h('p', { class: 'muted' }, replay.why),
  );
}

/** The Run tab: the execution, how it ended, what to do about it, its redrives, and the path it took. */
export function runPanel(detail, onSelectState) {
  const r = detail.record;
  const entries = detail.view.states
    .flatMap((s) => s.entries.map((e) => ({ state: s, entry: e })))
    .sort((a, b) => a.entry.seq - b.entry.seq);
  const redrives = detail.view.redrives;
  return [
    h('h3', { class: 'execution-name' }, r.name),
    facts([
      ['Status', badge(r.status)],
      ['Object', h('code', {}, r.objectKey)],
      ['Started', dateTime(r.startDate)],
      ['Stopped', r.stopDate ? dateTime(r.stopDate) : 'still running'],
      [
        'Duration',
        h(
          'span',
          { 'data-live-duration': r.stopDate ? null : r.startDate },
          duration(runningMs(r.startDate, r.stopDate)),
        ),
      ],
      ['State machine', detail.stateMachine],
      [
        'Redrives',
        r.redriveCount > 0
          ? `${r.redriveCount}${r.redriveDate ? ` (last ${dateTime(r.redriveDate)})` : ''}`
          : 'none',
      ],
    ]),
    errorBox(r.error, r.cause),
    replayBox(detail.replay),
    redrives.length > 1
      ? [
          h('h4', {}, 'Attempts of this execution'),
          h(
            'table',
            { class: 'table redrives' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'Attempt'),
                h('th', {}, 'Started'),
                h('th', {}, 'Took'),
                h('th', {}, 'Outcome'),
              ),
            ),
            h(
              'tbody',
              {},
              redrives.map((a) =>
                h(
                  'tr',
                  {},
                  h(
                    'td',
                    { title: a.resumeReason ?? '' },
                    a.redrive === 0 ? 'original run' : `redrive ${a.redrive}`,
                    a.resumeAt ? h('span', { class: 'muted resume' }, `from ${a.resumeAt}`) : null,
                  ),
                  h('td', {}, time(a.startedAt)),
                  h('td', { class: 'num' }, duration(a.stoppedAt ? a.stoppedAt - a.startedAt : null)),
                  h('td', {}, badge(a.status), a.error ? h('span', { class: 'muted' }, ` ${a.error}`) : null),
                ),
              ),
            ),
          ),
        ]
      : null,
    h('h4', {}, 'Path taken'),
    entries.length === 0
      ? h('p', { class: 'muted' }, 'No state has been entered yet.')
      : h(
          'ol',
          { class: 'path' },
          entries.map(({ state, entry }) =>
            h(
              'li',
              { class: `path-${entry.status}` },
              h(
                'button',
                { type: 'button', class: 'link', onclick: () => onSelectState(state.id) },
                h('span', { class: `dot-status status-${entry.status}`, 'aria-hidden': 'true' }),
                state.name,
              ),
              h(
                'span',
                { class: 'path-meta' },
                entry.attempts.length > 1
                  ? h('span', { class: 'tag' }, `${entry.attempts.length} attempts`)
                  : null,
                entry.redrive > 0 ? h('span', { class: 'tag' }, `redrive ${entry.redrive}`) : null,
                entry.index !== null ? h('span', { class: 'tag' }, `item ${entry.index}`) : null,
                h(
                  'span',
                  { class: 'num' },
                  entry.stoppedAt ? duration(entry.stoppedAt - entry.enteredAt) : entry.status,
                ),
              ),
            ),
          ),
        ),
    jsonView(r.input, 'Execution input'),
    r.status === 'SUCCEEDED' ? jsonView(r.output, 'Execution output') : null,
  ];
}

/** The State tab for one state: outcome, every entry (loops, iterations, redrives), attempts, input/output. */
export function statePanel({ node, view, definition, entryIndex, onEntry, executionName }) {
  const title = h(
    'div',
    { class: 'state-head' },
    h('h3', {}, node.name),
    h('span', { class: 'muted' }, node.resource ? `${node.type} · ${node.resource}` : node.type),
    view ? badge(view.status === 'notreached' ? 'not reached' : view.status) : null,
  );
  const def = definition
    ? h(
        'details',
        { class: 'definition' },
        h('summary', {}, 'Definition (ASL)'),
        jsonView(definition, `ASL of ${node.name}`),
      )
    : null;
  if (!executionName)
    return [title, h('p', { class: 'muted' }, 'Select an execution to see how this state ran.'), def];
  if (!view || view.entries.length === 0)
    return [
      title,
      message('info', 'Not reached', h('p', {}, `The execution did not enter “${node.name}”.`)),
      def,
    ];
  const entries = view.entries;
  // The server keeps the latest entries of a long history: the count says how many there were.
  const entryCount = view.entryCount ?? entries.length;
  const earlier = entryCount - entries.length;
  const i = Math.min(entryIndex ?? entries.length - 1, entries.length - 1);
  const entry = entries[i];
  const last = entry.attempts.at(-1);
  const task = [...entry.attempts].reverse().find((a) => a.task)?.task ?? null;
  return [
    title,
    entries.length > 1
      ? h(
          'div',
          { class: 'entries', role: 'group', 'aria-label': 'Entries of this state' },
          h(
            'span',
            { class: 'muted' },
            `Entered ${number(entryCount)} times${earlier > 0 ? ` (the latest ${entries.length} shown)` : ''}:`,
          ),
          entries.map((e, n) =>
            h(
              'button',
              { type: 'button', class: 'chip', 'aria-pressed': String(n === i), onclick: () => onEntry(n) },
              `${ordinal(earlier + n + 1)}${e.redrive > 0 ? ` · redrive ${e.redrive}` : ''}${e.index !== null ? ` · item ${e.index}` : ''}`,
            ),
          ),
        )
      : null,
    facts([
      ['Outcome', badge(entry.status)],
      ['Entered', time(entry.enteredAt)],
      ['Stopped', entry.stoppedAt ? time(entry.stoppedAt) : 'still running'],
      ['Took', entry.stoppedAt ? duration(entry.stoppedAt - entry.enteredAt) : '—'],
      ['Attempts', String(entry.attempts.length)],
      entry.redrive > 0 ? ['Redrive', String(entry.redrive)] : ['Redrive', null],
      entry.index !== null ? ['Map item', String(entry.index)] : ['Map item', null],
    ]),
    errorBox(entry.error, entry.cause),
    entry.attempts.length > 1 || (last && last.status === 'failed')
      ? [
          h('h4', {}, 'Attempts'),
          h(
            'table',
            { class: 'table attempts' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, '#'),
                h('th', {}, 'Started'),
                h('th', {}, 'Took'),
                h('th', {}, 'Outcome'),
              ),
            ),
            h(
              'tbody',
              {},
              entry.attempts.map((a) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'num' }, String(a.number)),
                  h('td', {}, time(a.startedAt)),
                  h(
                    'td',
                    { class: 'num' },
                    duration(a.task ? a.task.durationMs : a.stoppedAt ? a.stoppedAt - a.startedAt : null),
                  ),
                  h(
                    'td',
                    { title: a.cause ?? '' },
                    badge(a.status),
                    a.error ? h('span', { class: 'muted' }, ` ${a.error}`) : null,
                  ),
                ),
              ),
            ),
          ),
        ]
      : null,
    view.iterations.length > 0 ? iterationsTable(view.iterations, view.iterationCount) : null,
    jsonView(entry.input, 'Input'),
    entry.status === 'succeeded'
      ? jsonView(entry.output, 'Output')
      : h('p', { class: 'muted output-none' }, 'No output: the state did not succeed.'),
    task
      ? h(
          'details',
          { class: 'task-call' },
          h('summary', {}, 'Task call (the service request and its response)'),
          jsonView(task.input, 'Task request'),
          task.error ? jsonView(task.error, 'Task error') : jsonView(task.result, 'Task response'),
        )
      : null,
    def,
  ];
}

function iterationsTable(iterations, count = iterations.length) {
  return [
    h(
      'h4',
      {},
      `Map iterations (${number(count)}${count > iterations.length ? `, the latest ${iterations.length} shown` : ''})`,
    ),
    h(
      'table',
      { class: 'table iterations' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Item'), h('th', {}, 'Took'), h('th', {}, 'Outcome'))),
      h(
        'tbody',
        {},
        iterations.map((it) =>
          h(
            'tr',
            {},
            h('td', { class: 'num' }, `${it.index}${it.redrive > 0 ? ` (redrive ${it.redrive})` : ''}`),
            h('td', { class: 'num' }, duration(it.stoppedAt ? it.stoppedAt - it.startedAt : null)),
            h(
              'td',
              { title: it.cause ?? '' },
              badge(it.status),
              it.error ? h('span', { class: 'muted' }, ` ${it.error}`) : null,
            ),
          ),
        ),
      ),
    ),
  ];
}

/** The Data tab: where the rows went, the DQ rules and their outcomes, and the run's metrics. */
export function dataPanel(detail) {
  const d = detail.data;
  const out = [h('h3', {}, 'Data produced')];
  if (!d.rows)
    out.push(
      message(
        'info',
        'No row counts',
        h(
          'p',
          {},
          detail.record.status === 'RUNNING'
            ? 'The run has not checked data quality yet.'
            : 'This run stopped before its data quality check, so no rows were counted.',
        ),
      ),
    );
  else {
    out.push(rowsChart(d.rows));
    out.push(
      h(
        'p',
        { class: d.passed ? 'verdict verdict-passed' : 'verdict verdict-failed' },
        d.passed ? 'Data quality passed' : `Data quality failed${d.reason ? ` (${d.reason})` : ''}`,
      ),
    );
    if (d.cause) out.push(h('p', { class: 'error-cause' }, d.cause));
  }
  if (d.rules.length > 0)
    out.push(
      h('h4', {}, 'Batch DQ rules'),
      h(
        'table',
        { class: 'table rules' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Rule'), h('th', {}, 'Outcome'), h('th', {}, 'Detail'))),
        h(
          'tbody',
          {},
          d.rules.map((r) =>
            h(
              'tr',
              {},
              h('td', {}, h('code', {}, r.rule)),
              h('td', {}, badge(r.passed ? 'passed' : 'failed')),
              h('td', {}, r.detail ?? '—'),
            ),
          ),
        ),
      ),
    );
  if (d.quarantinedByRule && Object.keys(d.quarantinedByRule).length > 0)
    out.push(h('h4', {}, 'Rows quarantined by row rule'), ruleBars(d.quarantinedByRule));
  if (d.metrics.length > 0)
    out.push(
      h('h4', {}, 'Metrics (CloudWatch EMF)'),
      h(
        'table',
        { class: 'table metrics' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Metric'), h('th', {}, 'Value'), h('th', {}, 'Service'))),
        h(
          'tbody',
          {},
          d.metrics.map((m) =>
            h(
              'tr',
              {},
              h('td', {}, h('code', {}, m.name)),
              h(
                'td',
                { class: 'num' },
                Array.isArray(m.value)
                  ? m.value.join(', ')
                  : `${number(m.value)}${m.unit && m.unit !== 'Count' ? ` ${m.unit === 'Percent' ? '%' : m.unit}` : ''}`,
              ),
              h('td', { class: 'muted' }, (m.service ?? '').replace(/^lakestep-/, '')),
            ),
          ),
        ),
      ),
    );
  return out;
}

/** The Events tab: the raw history, one row per event, each expandable to its JSON. */
export function eventsPanel(events, problem, total = events?.length ?? 0) {
  if (!events) return [h('p', { class: 'muted' }, 'Loading the history…')];
  const t0 = events[0]?.timestamp ?? 0;
  return [
    h('h3', {}, `Event history (${number(total)})`),
    problem ? message('error', 'Part of the history is unreadable', h('p', {}, problem)) : null,
    h(
      'ol',
      { class: 'events' },
      events
        .slice(0, 3000)
        .map((e) =>
          h(
            'li',
            { class: `event event-${e.type}` },
            h(
              'details',
              {},
              h(
                'summary',
                {},
                h('span', { class: 'num event-time' }, `+${number(e.timestamp - t0)} ms`),
                h('span', { class: 'event-type' }, e.type),
                e.stateName ? h('span', { class: 'event-state' }, e.stateName) : null,
                e.error ? h('span', { class: 'event-error' }, e.error) : null,
                typeof e.retryAttempt === 'number'
                  ? h('span', { class: 'muted' }, `retry ${e.retryAttempt}`)
                  : null,
              ),
              jsonView(e, `${e.type} event`),
            ),
          ),
        ),
    ),
    total > Math.min(events.length, 3000)
      ? h('p', { class: 'muted' }, `… and ${number(total - Math.min(events.length, 3000))} more events.`)
      : null,
  ];
}
