/*
 * The dashboard: the analytics API's first client (the local stand-in for the QuickSight dashboard).
 * It calls /v1 with the key (from the #key= fragment once, then sessionStorage) and draws four charts
 * with chart.js; every API error is shown as its message.
 */

const KEY_STORE = 'lakestep.apiKey';
const MAX_CATEGORY_LINES = 8;
const PALETTE = [
  '#0b5cad',
  '#d1495b',
  '#2a9d8f',
  '#e9a23b',
  '#6a4c93',
  '#5c946e',
  '#b5651d',
  '#3f88c5',
  '#8d99ae',
];
const charts = {};

const $ = (id) => document.getElementById(id);

class ApiFailure extends Error {}

function takeKeyFromFragment() {
  const m = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(KEY_STORE, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY_STORE);
}

async function api(path, params = {}) {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  const res = await fetch(`/v1/${path}${qs.size ? `?${qs}` : ''}`, {
    headers: { 'x-api-key': sessionStorage.getItem(KEY_STORE) ?? '' },
  });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiFailure(`The API answered ${res.status} without JSON`);
  }
  if (!res.ok) {
    if (res.status === 401) $('key-form').hidden = false;
    throw new ApiFailure(`${body?.error?.message ?? `HTTP ${res.status}`} (HTTP ${res.status})`);
  }
  return body;
}

function showMessage(text) {
  const el = $('message');
  el.textContent = text ?? '';
  el.hidden = !text;
}

/** Every row of the range, page by page (the cursor). */
async function allDailyRows(region, from, to) {
  const rows = [];
  let cursor;
  do {
    const page = await api('category-daily', { region, from, to, limit: 1000, cursor });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

function draw(id, config) {
  charts[id]?.destroy();
  charts[id] = new Chart($(id), {
    ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
  });
}

function drawDaily(rows) {
  const days = [...new Set(rows.map((r) => r.trending_date))].sort();
  const totals = new Map();
  for (const r of rows) totals.set(r.category_title, (totals.get(r.category_title) ?? 0) + Number(r.views));
  const top = [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_CATEGORY_LINES)
    .map(([t]) => t);
  const series = top.map((title, i) => ({
    label: title,
    data: days.map((d) =>
      rows
        .filter((r) => r.trending_date === d && r.category_title === title)
        .reduce((n, r) => n + Number(r.views), 0),
    ),
    borderColor: PALETTE[i % PALETTE.length],
    backgroundColor: PALETTE[i % PALETTE.length],
    tension: 0.2,
  }));
  draw('chart-daily', {
    type: 'line',
    data: { labels: days, datasets: series },
    options: { plugins: { legend: { position: 'bottom' } } },
  });
  $('chart-daily').setAttribute(
    'aria-label',
    `Views per day by category, ${days[0] ?? ''} to ${days[days.length - 1] ?? ''}: ${top.join(', ')}`,
  );
}

function drawTop(top) {
  draw('chart-top', {
    type: 'bar',
    data: {
      labels: top.items.map((i) => i.category_title),
      datasets: [
        { label: 'views', data: top.items.map((i) => Number(i.value)), backgroundColor: PALETTE[0] },
      ],
    },
    options: { indexAxis: 'y', plugins: { legend: { display: false } } },
  });
  $('chart-top').setAttribute(
    'aria-label',
    `Top categories by views: ${top.items.map((i) => `${i.category_title} ${i.value}`).join(', ')}`,
  );
}

function drawRegions(perRegion) {
  draw('chart-regions', {
    type: 'bar',
    data: {
      labels: perRegion.map((r) => r.region.toUpperCase()),
      datasets: [
        { label: 'views', data: perRegion.map((r) => r.views), backgroundColor: PALETTE[0], yAxisID: 'y' },
        { label: 'likes', data: perRegion.map((r) => r.likes), backgroundColor: PALETTE[2], yAxisID: 'y' },
      ],
    },
    options: { plugins: { legend: { position: 'bottom' } } },
  });
}

function drawHealth(days) {
  draw('chart-health', {
    data: {
      labels: days.map((d) => d.day),
      datasets: [
        {
          type: 'bar',
          label: 'rows read',
          data: days.map((d) => d.rowsRead),
          backgroundColor: PALETTE[0],
          yAxisID: 'rows',
        },
        {
          type: 'bar',
          label: 'batches passed',
          data: days.map((d) => d.batchesPassed),
          backgroundColor: PALETTE[2],
          yAxisID: 'batches',
        },
        {
          type: 'bar',
          label: 'batches quarantined',
          data: days.map((d) => d.batchesQuarantined),
          backgroundColor: PALETTE[1],
          yAxisID: 'batches',
        },
        {
          type: 'line',
          label: 'quarantined share %',
          data: days.map((d) => +(d.quarantinedShare * 100).toFixed(2)),
          borderColor: PALETTE[3],
          backgroundColor: PALETTE[3],
          yAxisID: 'share',
        },
      ],
    },
    options: {
      plugins: { legend: { position: 'bottom' } },
      scales: {
        rows: { position: 'left', title: { display: true, text: 'rows' } },
        batches: {
          position: 'right',
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'batches' },
        },
        share: {
          position: 'right',
          grid: { drawOnChartArea: false },
          title: { display: true, text: '% quarantined' },
        },
      },
    },
  });
}

async function regionTotals(regions, from, to) {
  return Promise.all(
    regions.map(async (r) => {
      const top = await api('top-categories', { region: r.region, from, to, limit: 1000 });
      const sum = (k) => top.items.reduce((n, i) => n + Number(i[k]), 0);
      return { region: r.region, views: sum('views'), likes: sum('likes') };
    }),
  );
}

let regions = [];

async function refresh() {
  const region = $('region').value;
  const from = $('from').value || undefined;
  const to = $('to').value || undefined;
  document.body.dataset.state = 'loading';
  try {
    const [rows, top, perRegion, health] = await Promise.all([
      allDailyRows(region, from, to),
      api('top-categories', { region, from, to, limit: 10 }),
      regionTotals(regions, from, to),
      api('data-health', { region }),
    ]);
    showMessage(
      rows.length === 0
        ? `No rows for ${region} between ${from ?? 'the first day'} and ${to ?? 'the last day'}`
        : null,
    );
    drawDaily(rows);
    drawTop(top);
    drawRegions(perRegion);
    drawHealth(health.items);
    document.body.dataset.state = 'drawn';
  } catch (e) {
    showMessage(e instanceof ApiFailure ? e.message : `The dashboard could not draw: ${e.message}`);
    document.body.dataset.state = 'error';
  }
}

async function start() {
  document.body.dataset.state = 'loading';
  if (!takeKeyFromFragment()) {
    $('key-form').hidden = false;
    showMessage('Enter the API key to see the analytics');
    document.body.dataset.state = 'needs-key';
    return;
  }
  try {
    regions = (await api('regions')).items;
  } catch (e) {
    showMessage(e.message);
    document.body.dataset.state = 'error';
    return;
  }
  $('key-form').hidden = true;
  if (regions.length === 0) {
    showMessage(
      'No analytics yet: run `lakestep run` in this lake; the rows appear here after its materialization',
    );
    document.body.dataset.state = 'empty';
    return;
  }
  $('region').replaceChildren(
    ...regions.map((r) => new Option(`${r.region.toUpperCase()} (${r.firstDay} – ${r.lastDay})`, r.region)),
  );
  pickRange();
  await refresh();
}

/** A region's whole range, and the date inputs bounded by it. */
function pickRange() {
  const r = regions.find((x) => x.region === $('region').value);
  if (!r) return;
  for (const id of ['from', 'to']) {
    $(id).min = r.firstDay;
    $(id).max = r.lastDay;
  }
  $('from').value = r.firstDay;
  $('to').value = r.lastDay;
}

$('region').addEventListener('change', () => {
  pickRange();
  refresh();
});

$('filters').addEventListener('submit', (e) => {
  e.preventDefault();
  refresh();
});
$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY_STORE, $('key').value.trim());
  $('key').value = '';
  start();
});
start();
