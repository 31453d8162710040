/** The data panel's small charts, drawn as inline SVG: where a batch's rows went, and why rows were quarantined. */
import { h, number } from './dom.js';

const W = 380;

/** One stacked bar of the rows read: cleansed, quarantined, duplicates; with a legend under it. */
export function rowsChart(rows) {
  const parts = [
    { key: 'cleansed', label: 'cleansed', value: rows.cleansed },
    { key: 'quarantined', label: 'quarantined', value: rows.quarantined },
    { key: 'duplicates', label: 'duplicates', value: rows.duplicates },
  ];
  const total = Math.max(rows.read, 1);
  let x = 0;
  const bars = parts.map((p) => {
    const w = (p.value / total) * W;
    const rect = h(
      'svg:rect',
      { class: `bar bar-${p.key}`, x: x.toFixed(1), y: 0, width: w.toFixed(1), height: 22 },
      h('svg:title', {}, `${p.label}: ${number(p.value)} of ${number(rows.read)} rows`),
    );
    x += w;
    return rect;
  });
  const svg = h(
    'svg:svg',
    {
      class: 'chart',
      viewBox: `0 0 ${W} 22`,
      width: '100%',
      height: 22,
      role: 'img',
      'aria-label': `Rows: ${number(rows.read)} read, ${number(rows.cleansed)} cleansed, ${number(rows.quarantined)} quarantined, ${number(rows.duplicates)} duplicates`,
      preserveAspectRatio: 'none',
    },
    h('svg:rect', { class: 'bar-bg', x: 0, y: 0, width: W, height: 22 }),
    bars,
  );
  const pct = (v) => (rows.read > 0 ? `${((v / rows.read) * 100).toFixed(1)}%` : '—');
  return h(
    'figure',
    { class: 'rows-chart' },
    svg,
    h(
      'ul',
      { class: 'chart-legend' },
      h('li', {}, h('strong', {}, number(rows.read)), ' read'),
      parts.map((p) =>
        h(
          'li',
          {},
          h('span', { class: `swatch bar-${p.key}`, 'aria-hidden': 'true' }),
          h('strong', {}, number(p.value)),
          ` ${p.label} `,
          h('span', { class: 'muted' }, `(${pct(p.value)})`),
        ),
      ),
    ),
  );
}

/** Horizontal bars: rows quarantined by each row rule. */
export function ruleBars(byRule) {
  const entries = Object.entries(byRule).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...entries.map(([, n]) => n));
  const rowH = 22;
  const labelW = 130;
  const barW = W - labelW - 50;
  return h(
    'svg:svg',
    {
      class: 'chart rule-bars',
      viewBox: `0 0 ${W} ${entries.length * rowH}`,
      width: '100%',
      role: 'img',
      'aria-label': `Rows quarantined by rule: ${entries.map(([r, n]) => `${r} ${n}`).join(', ')}`,
    },
    entries.map(([rule, n], i) =>
      h(
        'svg:g',
        { transform: `translate(0 ${i * rowH})` },
        h('svg:text', { x: labelW - 8, y: 15, 'text-anchor': 'end', class: 'chart-label' }, rule),
        h('svg:rect', {
          class: 'bar bar-quarantined',
          x: labelW,
          y: 4,
          width: ((n / max) * barW).toFixed(1),
          height: rowH - 8,
        }),
        h('svg:text', { x: labelW + (n / max) * barW + 6, y: 15, class: 'chart-value' }, number(n)),
      ),
    ),
  );
}
