/**
 * The inspector page: the executions list, the state machine graph coloured by the selected execution,
 * and the detail panels. Where you are lives in the URL hash (#/executions/<name>/states/<id>), so a
 * link or the back button returns to it; the server's live feed (SSE) keeps everything current.
 */
import { badge, duration, fill, h, message, time } from './dom.js';
import { dataPanel, eventsPanel, runPanel, statePanel } from './panels.js';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const STATE_CLASSES = ['succeeded', 'failed', 'retried', 'caught', 'running', 'notreached'].map(
  (s) => `status-${s}`,
);
const TABS = ['run', 'state', 'data', 'events'];

const $ = (id) => document.getElementById(id);

const ui = {
  overview: null,
  graph: null,
  graphMachine: null,
  list: null,
  filter: sessionStorage.getItem('lakestep.filter') ?? 'ALL',
  execution: null,
  detail: null,
  detailError: null,
  stateId: null,
  entryIndex: null,
  tab: 'run',
  events: null,
  eventsKey: null,
  zoom: null,
  scrolledFor: null,
};

// ---------------------------------------------------------------- errors: messages, never stack traces
function banner(text) {
  const b = $('banner');
  b.hidden = !text;
  b.textContent = text ?? '';
}
window.addEventListener('error', (e) => banner(`The page hit an error: ${e.message}. Reload to try again.`));
window.addEventListener('unhandledrejection', (e) =>
  banner(`The page hit an error: ${e.reason?.message ?? String(e.reason)}. Reload to try again.`),
);

async function getJson(url) {
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new Error(`${url} answered ${res.status} without JSON`);
  }
  if (!res.ok) throw new Error(body?.error ?? `${url} answered ${res.status}`);
  return body;
}

// ---------------------------------------------------------------- routing
function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  let execution = null;
  let stateId = null;
  if (parts[0] === 'executions' && parts[1]) {
    execution = parts[1];
    if (parts[2] === 'states' && parts.length > 3) stateId = parts.slice(3).join('/');
  } else if (parts[0] === 'states' && parts.length > 1) stateId = parts.slice(1).join('/');
  return { execution, stateId };
}

function hashFor(execution, stateId) {
  const e = execution ? `/executions/${encodeURIComponent(execution)}` : '';
  const s = stateId ? `/states/${stateId.split('/').map(encodeURIComponent).join('/')}` : '';
  return `#${e}${s}` || '#/';
}

function go(execution, stateId) {
  const target = hashFor(execution, stateId);
  if (location.hash !== target) location.hash = target;
  else route();
}

function route() {
  const { execution, stateId } = parseHash();
  const executionChanged = execution !== ui.execution;
  const stateChanged = stateId !== ui.stateId;
  ui.execution = execution;
  ui.stateId = stateId;
  if (executionChanged) {
    ui.detail = null;
    ui.detailError = null;
    ui.events = null;
    ui.eventsKey = null;
    ui.entryIndex = null;
    ui.scrolledFor = null;
    connect();
    if (!stateId) ui.tab = 'run';
  }
  if (stateChanged) {
    ui.entryIndex = null;
    if (stateId) ui.tab = 'state';
    else if (ui.tab === 'state') ui.tab = 'run';
  }
  renderList();
  renderDetail();
  applyGraphState();
}
window.addEventListener('hashchange', route);

// ---------------------------------------------------------------- live feed
let source = null;
function connect() {
  source?.close();
  live('connecting');
  const url = `/api/live${ui.execution ? `?execution=${encodeURIComponent(ui.execution)}` : ''}`;
  source = new EventSource(url);
  source.onopen = () => live('open');
  source.onerror = () => live(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  source.addEventListener('executions', (e) => {
    ui.list = JSON.parse(e.data);
    renderList();
  });
  source.addEventListener('execution', (e) => {
    const detail = JSON.parse(e.data);
    if (detail.record.name !== ui.execution) return;
    ui.detail = detail;
    ui.detailError = null;
    void ensureGraph(detail.stateMachine).then(() => {
      applyGraphState();
      scrollToInterest();
    });
    renderDetail();
  });
  source.addEventListener('execution-error', (e) => {
    const err = JSON.parse(e.data);
    if (err.name !== ui.execution) return;
    ui.detail = null;
    ui.detailError = err;
    renderDetail();
    applyGraphState();
  });
  source.addEventListener('feed-error', (e) => banner(`The live feed failed: ${JSON.parse(e.data).error}`));
}

function live(stateName) {
  const el = $('live');
  el.dataset.state = stateName;
  const running = ui.detail?.record.status === 'RUNNING';
  $('live-text').textContent =
    stateName === 'open'
      ? running
        ? 'live: following the running execution'
        : 'live'
      : stateName === 'connecting'
        ? 'connecting…'
        : 'server unreachable, retrying…';
}

// ---------------------------------------------------------------- executions list
function renderFilters() {
  const counts = ui.list?.counts ?? {};
  const total = ui.list?.total ?? 0;
  const options = ['ALL', ...STATUSES];
  fill(
    $('filters'),
    options.map((s) =>
      h(
        'button',
        {
          type: 'button',
          class: `chip chip-${s.toLowerCase()}`,
          'aria-pressed': String(ui.filter === s),
          'data-filter': s,
          onclick: () => {
            ui.filter = s;
            sessionStorage.setItem('lakestep.filter', s);
            renderList();
          },
        },
        s === 'ALL' ? 'all' : s.toLowerCase().replace('_', ' '),
        h('span', { class: 'chip-count' }, String(s === 'ALL' ? total : (counts[s] ?? 0))),
      ),
    ),
  );
}

/** An object key as its file name first, then where it sits: the part that tells runs apart. */
function keyLabel(key) {
  const i = key.lastIndexOf('/');
  return h(
    'span',
    { class: 'execution-key' },
    h('strong', {}, i >= 0 ? key.slice(i + 1) : key),
    i >= 0 ? h('span', { class: 'muted' }, ` ${key.slice(0, i)}`) : null,
  );
}

function renderList() {
  const focused = document.activeElement?.closest?.('#executions-body [data-name], #filters [data-filter]');
  const focusKey = focused ? (focused.dataset.name ?? `filter:${focused.dataset.filter}`) : null;
  renderFilters();
  const list = ui.list;
  const msg = $('executions-message');
  $('lake').textContent = list ? list.lake : ' ';
  $('lake').title = list ? `Lake: ${list.lake}` : '';
  $('executions-count').textContent = list ? `(${list.total})` : '';
  if (!list) {
    fill($('execution-list'));
    msg.hidden = false;
    fill(msg, h('p', { class: 'muted' }, 'Loading executions…'));
    return;
  }
  const shown = list.executions.filter((x) => ui.filter === 'ALL' || x.status === ui.filter);
  fill(
    $('execution-list'),
    shown.map((x) =>
      h(
        'li',
        {},
        h(
          'a',
          {
            class: `execution status-${(x.status ?? 'unknown').toLowerCase()}`,
            href: hashFor(x.name, null),
            'data-name': x.name,
            'aria-current': x.name === ui.execution ? 'page' : null,
            title: x.name,
          },
          h(
            'span',
            { class: 'execution-line' },
            badge(x.status ?? 'unreadable'),
            keyLabel(x.objectKey ?? x.name),
          ),
          h(
            'span',
            { class: 'execution-meta' },
            h('span', {}, time(x.startDate)),
            h(
              'span',
              { class: 'num', 'data-live-duration': x.status === 'RUNNING' ? x.startDate : null },
              x.status === 'RUNNING'
                ? duration(Date.now() - Date.parse(x.startDate))
                : duration(x.durationMs),
            ),
            x.redriveCount > 0 ? h('span', { class: 'tag' }, `redriven ${x.redriveCount}×`) : null,
            x.orphaned
              ? h('span', { class: 'tag tag-bad', title: 'Its process is gone: replay it' }, 'process gone')
              : null,
            x.error ? h('span', { class: 'execution-error' }, x.error) : null,
          ),
          x.problem ? h('span', { class: 'execution-problem' }, x.problem) : null,
        ),
      ),
    ),
  );
  if (focusKey) {
    const el = focusKey.startsWith('filter:')
      ? $('filters').querySelector(`[data-filter="${focusKey.slice(7)}"]`)
      : $('execution-list').querySelector(`[data-name="${CSS.escape(focusKey)}"]`);
    el?.focus();
  }
  msg.hidden = shown.length > 0;
  if (!list.lakeExists)
    fill(
      msg,
      message(
        'warn',
        'This lake does not exist yet',
        h('p', {}, `Nothing at ${list.lake}. Run the pipeline to make executions:`),
        h('pre', { class: 'command' }, `npx lakestep run --lake ${list.lake}`),
      ),
    );
  else if (list.total === 0)
    fill(
      msg,
      message(
        'info',
        'No executions yet',
        h('p', {}, `${list.executionsDir} holds no executions. Run the pipeline to make some:`),
        h('pre', { class: 'command' }, `npx lakestep run --lake ${list.lake}`),
      ),
    );
  else fill(msg, h('p', { class: 'muted' }, `No ${ui.filter.toLowerCase().replace('_', ' ')} executions.`));
}

// ---------------------------------------------------------------- graph
async function ensureGraph(machine) {
  if (!machine || ui.graphMachine === machine) return;
  ui.graphMachine = machine;
  try {
    ui.graph = await getJson(`/api/graph/${encodeURIComponent(machine)}`);
  } catch (e) {
    ui.graph = null;
    fill($('graph'), message('error', 'The graph cannot be drawn', h('p', {}, e.message)));
    return;
  }
  $('graph-title').textContent = `State machine: ${machine}`;
  $('graph').innerHTML = ui.graph.svg; // our own server's SVG, escaped by the renderer
  applyZoom();
  applyGraphState();
}

function applyZoom() {
  const svg = $('graph').querySelector('svg');
  if (!svg || !ui.graph) return;
  const fit = Math.min(1, ($('graph').clientWidth - 24) / ui.graph.width);
  const z = ui.zoom ?? Math.max(0.3, fit);
  svg.setAttribute('width', String(Math.round(ui.graph.width * z)));
  svg.setAttribute('height', String(Math.round(ui.graph.height * z)));
  $('zoom-fit').setAttribute('aria-pressed', String(ui.zoom === null));
}

function zoomBy(factor) {
  const current =
    ui.zoom ?? Number($('graph').querySelector('svg')?.getAttribute('width') ?? 1) / (ui.graph?.width ?? 1);
  ui.zoom = Math.min(2.5, Math.max(0.3, current * factor));
  applyZoom();
}

function applyGraphState() {
  const root = $('graph');
  const views = new Map((ui.detail?.view.states ?? []).map((s) => [s.id, s]));
  for (const el of root.querySelectorAll('[data-state]')) {
    const id = el.getAttribute('data-state');
    if (!el.dataset.label) el.dataset.label = el.getAttribute('aria-label') ?? id;
    el.classList.remove(...STATE_CLASSES, 'selected');
    const view = views.get(id);
    let label = el.dataset.label;
    if (view) {
      el.classList.add(`status-${view.status}`);
      const attempts = view.entries.at(-1)?.attempts.length ?? 0;
      label += `: ${view.status === 'notreached' ? 'not reached' : view.status}${attempts > 1 ? ` after ${attempts} attempts` : ''}`;
    }
    if (id === ui.stateId) {
      el.classList.add('selected');
      el.setAttribute('aria-pressed', 'true');
    } else el.removeAttribute('aria-pressed');
    el.setAttribute('aria-label', label);
  }
  const taken = new Set((ui.detail?.view.transitions ?? []).map((t) => `${t.from}\u0000${t.to}`));
  for (const el of root.querySelectorAll('.edge[data-from]'))
    el.classList.toggle(
      'status-taken',
      taken.has(`${el.getAttribute('data-from')}\u0000${el.getAttribute('data-to')}`),
    );
}

/** Once per execution: bring its failing (or running) state into view. */
function scrollToInterest() {
  if (!ui.detail || ui.scrolledFor === ui.execution) return;
  ui.scrolledFor = ui.execution;
  const target =
    (ui.stateId && $('graph').querySelector(`[data-state="${CSS.escape(ui.stateId)}"]`)) ||
    $('graph').querySelector('.status-failed, .status-running, .status-caught');
  if (!target) return;
  const pane = $('graph');
  const box = target.getBoundingClientRect();
  const paneBox = pane.getBoundingClientRect();
  pane.scrollTop += box.top - paneBox.top - pane.clientHeight / 2 + box.height / 2;
}

function selectState(id) {
  go(ui.execution, id);
}

$('graph').addEventListener('click', (e) => {
  const el = e.target.closest?.('[data-state]');
  if (el) selectState(el.getAttribute('data-state'));
});
$('graph').addEventListener('keydown', (e) => {
  const el = e.target.closest?.('[data-state]');
  if (el && (e.key === 'Enter' || e.key === ' ')) {
    e.preventDefault();
    selectState(el.getAttribute('data-state'));
  }
});
$('zoom-in').addEventListener('click', () => zoomBy(1.2));
$('zoom-out').addEventListener('click', () => zoomBy(1 / 1.2));
$('zoom-fit').addEventListener('click', () => {
  ui.zoom = null;
  applyZoom();
});
new ResizeObserver(() => {
  if (ui.zoom === null) applyZoom();
}).observe($('graph'));

// ---------------------------------------------------------------- detail panels
function setTab(tab, focus = false) {
  ui.tab = tab;
  for (const t of TABS) {
    const button = $(`tab-${t}`);
    button.setAttribute('aria-selected', String(t === tab));
    button.tabIndex = t === tab ? 0 : -1;
    $(`panel-${t}`).hidden = t !== tab;
  }
  if (focus) $(`tab-${tab}`).focus();
  if (tab === 'events') void loadEvents();
}

for (const t of TABS) $(`tab-${t}`).addEventListener('click', () => setTab(t));
document.querySelector('[role="tablist"]').addEventListener('keydown', (e) => {
  const i = TABS.indexOf(ui.tab);
  const next =
    e.key === 'ArrowRight'
      ? TABS[(i + 1) % TABS.length]
      : e.key === 'ArrowLeft'
        ? TABS[(i + TABS.length - 1) % TABS.length]
        : e.key === 'Home'
          ? TABS[0]
          : e.key === 'End'
            ? TABS.at(-1)
            : null;
  if (next) {
    e.preventDefault();
    setTab(next, true);
  }
});

/** Re-renders a panel in place: keeps which control had focus and which <details> were open. */
function renderPanel(panel, children) {
  const focusables = () => [...panel.querySelectorAll('button, a, summary, [tabindex="0"]')];
  const active = panel.contains(document.activeElement) ? focusables().indexOf(document.activeElement) : -1;
  const open = [...panel.querySelectorAll('details')].map((d) => d.open);
  fill(panel, children);
  [...panel.querySelectorAll('details')].forEach((d, i) => {
    if (open[i]) d.open = true;
  });
  if (active >= 0) focusables()[active]?.focus({ preventScroll: true });
}

function renderDetail() {
  const problems = $('problems');
  const d = ui.detail;
  const list = ui.list;
  problems.hidden = !(d && d.problems.length > 0);
  fill(problems, d ? d.problems.map((p) => h('p', {}, p)) : []);
  $('detail-title').textContent = ui.execution ? 'Execution' : 'Details';
  live($('live').dataset.state ?? 'connecting');

  if (!ui.execution) {
    renderPanel(
      $('panel-run'),
      list && list.total === 0
        ? message(
            'info',
            'Nothing to inspect yet',
            h('p', {}, 'Run the pipeline; its executions appear here as they start.'),
          )
        : message(
            'info',
            'No execution selected',
            h('p', {}, 'Choose an execution on the left to colour the graph by its outcome.'),
          ),
    );
    renderPanel(
      $('panel-data'),
      h('p', { class: 'muted' }, 'Select an execution to see the data it produced.'),
    );
    renderPanel(
      $('panel-events'),
      h('p', { class: 'muted' }, 'Select an execution to see its event history.'),
    );
  } else if (ui.detailError) {
    const err = ui.detailError;
    const body = message(
      'error',
      err.notFound ? 'Execution not found' : 'This execution cannot be shown',
      h('p', {}, err.error),
      h('p', {}, h('a', { href: '#/' }, 'Back to all executions')),
    );
    renderPanel($('panel-run'), body);
    renderPanel($('panel-data'), []);
    renderPanel($('panel-events'), []);
  } else if (!d) {
    renderPanel($('panel-run'), h('p', { class: 'muted' }, 'Loading the execution…'));
  } else {
    renderPanel($('panel-run'), runPanel(d, selectState));
    renderPanel($('panel-data'), dataPanel(d));
    const key = `${d.record.name}:${d.eventCount}`;
    if (ui.tab === 'events' && ui.eventsKey !== key) void loadEvents();
  }
  renderStatePanel();
  setTab(ui.tab);
}

function renderStatePanel() {
  const panel = $('panel-state');
  const node = ui.graph?.states.find((s) => s.id === ui.stateId);
  if (!ui.stateId) {
    renderPanel(
      panel,
      h('p', { class: 'muted' }, 'Click a state in the graph (or Tab to it and press Enter).'),
    );
    return;
  }
  if (!node) {
    renderPanel(
      panel,
      ui.graph
        ? message('warn', 'No such state', h('p', {}, `The state machine has no state “${ui.stateId}”.`))
        : h('p', { class: 'muted' }, 'Loading the graph…'),
    );
    return;
  }
  renderPanel(
    panel,
    statePanel({
      node,
      view: ui.detail?.view.states.find((s) => s.id === node.id) ?? null,
      definition: ui.graph.definitions?.[node.name] ?? null,
      entryIndex: ui.entryIndex,
      executionName: ui.detail ? ui.execution : null,
      onEntry: (n) => {
        ui.entryIndex = n;
        renderStatePanel();
      },
    }),
  );
}

async function loadEvents() {
  if (!ui.execution || !ui.detail) return;
  const key = `${ui.detail.record.name}:${ui.detail.eventCount}`;
  if (ui.eventsKey === key) return;
  ui.eventsKey = key;
  try {
    const { events, problem, total } = await getJson(
      `/api/executions/${encodeURIComponent(ui.execution)}/events`,
    );
    renderPanel($('panel-events'), eventsPanel(events, problem, total));
  } catch (e) {
    renderPanel($('panel-events'), message('error', 'The history cannot be read', h('p', {}, e.message)));
  }
}

// Running durations tick once a second, in place (fixed-width digits, so nothing moves).
setInterval(() => {
  for (const el of document.querySelectorAll('[data-live-duration]')) {
    const start = Date.parse(el.getAttribute('data-live-duration'));
    if (Number.isFinite(start)) el.textContent = duration(Date.now() - start);
  }
}, 1000);

// ---------------------------------------------------------------- start
async function start() {
  try {
    ui.overview = await getJson('/api/overview');
  } catch (e) {
    banner(`The inspector server cannot be reached: ${e.message}`);
    return;
  }
  const machine = ui.overview.machines[0];
  if (machine) await ensureGraph(machine);
  else
    fill(
      $('graph'),
      message('error', 'No state machine', h('p', {}, 'No committed ASL (asl/*.asl.json) was found.')),
    );
  route();
  if (!ui.execution) connect();
}
void start();
