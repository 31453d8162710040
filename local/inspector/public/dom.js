/** DOM building and formatting helpers for the inspector page. Text goes in as text, never as markup. */

/**
 * h('p', { class: 'x', onclick: fn }, 'text', child) → an element. Attributes with null/false are
 * left out; `on*` functions become listeners; strings and numbers become text nodes.
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children, keeping its scroll position (live updates must not jump). */
export function fill(el, ...children) {
  const top = el.scrollTop;
  el.replaceChildren();
  append(el, children);
  el.scrollTop = top;
}

export function time(value) {
  if (value === null || value === undefined) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function dateTime(value) {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function number(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '—';
}

const TOKEN =
  /("(?:\\u[a-fA-F0-9]{4}|\\[^u]|[^\\"])*")(\s*:)?|\b(true|false)\b|\bnull\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const LIMIT = 200_000;

/** Pretty JSON with its tokens coloured, in a scrollable block with a copy button. */
export function jsonView(value, label) {
  const text = value === undefined ? 'undefined' : JSON.stringify(value, null, 2);
  const pre = h('pre', { class: 'json', tabindex: '0', 'aria-label': label });
  const render = (full) => {
    const shown = full || text.length <= LIMIT ? text : text.slice(0, LIMIT);
    pre.replaceChildren();
    let last = 0;
    for (const m of shown.matchAll(TOKEN)) {
      if (m.index > last) pre.append(shown.slice(last, m.index));
      const cls = m[1] ? (m[2] ? 'k' : 's') : m[3] ? 'b' : m[0] === 'null' ? 'n' : 'd';
      pre.append(h('span', { class: cls }, m[1] ?? m[0]));
      if (m[2]) pre.append(m[2]);
      last = m.index + m[0].length;
    }
    pre.append(shown.slice(last));
  };
  render(false);
  const more =
    text.length > LIMIT
      ? h(
          'button',
          {
            type: 'button',
            class: 'link',
            onclick: (e) => {
              render(true);
              e.currentTarget.remove();
            },
          },
          `Show all ${number(text.length)} characters`,
        )
      : null;
  return h(
    'figure',
    { class: 'json-block' },
    h('figcaption', {}, h('span', {}, label), copyButton(text, `Copy ${label}`)),
    pre,
    more,
  );
}

export function copyButton(text, label = 'Copy') {
  return h(
    'button',
    {
      type: 'button',
      class: 'copy',
      'aria-label': label,
      onclick: async (e) => {
        const btn = e.currentTarget;
        try {
          await navigator.clipboard.writeText(text);
          btn.textContent = 'Copied';
        } catch {
          btn.textContent = 'Select and copy';
        }
        setTimeout(() => {
          btn.textContent = 'Copy';
        }, 1500);
      },
    },
    'Copy',
  );
}

/** A definition list from [term, description] pairs (null descriptions are left out). */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

/**
 * How an execution ended, as the CLI says it: a rejected or DQ-failed object is a data outcome the
 * workflow reached on purpose (its Step Functions status is FAILED), not a failure of the pipeline.
 */
export function outcomeOf(x) {
  if (x?.status === 'FAILED' && x.error === 'ObjectRejected') return 'REJECTED';
  if (x?.status === 'FAILED' && x.error === 'DataQualityFailed') return 'DQ_FAILED';
  return x?.status ?? null;
}

/** The outcome's badge, with the Step Functions status beside it when they differ. */
export function outcomeBadge(x) {
  const outcome = outcomeOf(x);
  return h(
    'span',
    { class: 'outcome' },
    badge(outcome ?? 'unreadable'),
    outcome !== x?.status
      ? h('span', { class: 'muted sfn-status', title: 'Step Functions status' }, ` ${x.status}`)
      : null,
  );
}

export function badge(status) {
  const s = String(status ?? 'unknown').toLowerCase();
  return h('span', { class: `badge badge-${s}` }, s.replace('_', ' '));
}

export function message(kind, title, ...body) {
  return h('div', { class: `message message-${kind}` }, h('p', { class: 'message-title' }, title), ...body);
}
