/**
 * StateGraph → SVG text. Every ASL state is a focusable `<g class="state state-<type>" data-state=…>`;
 * every edge a `<g class="edge edge-<kind>" data-from data-to>`; all styling is CSS classes in one
 * `<style>` block, so a page can recolour states by adding status-* classes. Same graph → same bytes.
 */
import { boxText, CHOICE_POINT, LABEL_LINE, labelText, NAME_LINE, SUB_LINE } from './shapes';
import type { GraphEdge, GraphNode, StateGraph } from './types';

export interface SvgOptions {
  /** Accessible title of the drawing (default: "State machine"). */
  title?: string;
  /** A file of its own (XML declaration, role="img"), rather than markup inlined in a page. */
  standalone?: boolean;
}

const PAD_Y = 9;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const num = (n: number) => String(Math.round(n * 10) / 10);
const isContainer = (n: GraphNode) => n.type === 'Map' || n.type === 'Parallel';
const isTerminal = (n: GraphNode) => n.type === 'Start' || n.type === 'End';

export const GRAPH_CSS = `
.lakestep-graph { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.lakestep-graph .background { fill: #ffffff; }
.lakestep-graph .shape { stroke-width: 1.5; }
.lakestep-graph .state-name { font-size: 13px; font-weight: 600; fill: #1f2937; }
.lakestep-graph .state-sub { font-size: 11px; fill: #4b5563; }
.lakestep-graph .state-task > .shape { fill: #eef4ff; stroke: #4a6fa5; }
.lakestep-graph .state-choice > .shape { fill: #fff8e1; stroke: #a37b00; }
.lakestep-graph .state-wait > .shape { fill: #f4effc; stroke: #7a5cc2; }
.lakestep-graph .state-pass > .shape { fill: #f6f7f9; stroke: #6b7280; stroke-dasharray: 5 3; }
.lakestep-graph .state-succeed > .shape { fill: #e7f6ec; stroke: #2e7d4f; }
.lakestep-graph .state-fail > .shape { fill: #fdecec; stroke: #b42318; }
.lakestep-graph .state-map > .shape, .lakestep-graph .state-parallel > .shape { fill: #f8fafc; stroke: #64748b; }
.lakestep-graph .state-map > .shape { stroke-dasharray: 8 4; }
.lakestep-graph .terminal > .shape { fill: #374151; stroke: #374151; }
.lakestep-graph .terminal > text { font-size: 12px; font-weight: 600; fill: #ffffff; }
.lakestep-graph [data-state] { cursor: pointer; }
.lakestep-graph [data-state]:focus { outline: none; }
.lakestep-graph [data-state].status-succeeded > .shape { fill: #dcfce7; stroke: #15803d; stroke-width: 2; stroke-dasharray: none; }
.lakestep-graph [data-state].status-failed > .shape { fill: #fee2e2; stroke: #b91c1c; stroke-width: 3; stroke-dasharray: none; }
.lakestep-graph [data-state].status-retried > .shape { fill: #fef3c7; stroke: #b45309; stroke-width: 2.5; stroke-dasharray: none; }
.lakestep-graph [data-state].status-caught > .shape { fill: #ffedd5; stroke: #c2410c; stroke-width: 2.5; stroke-dasharray: 6 3; }
.lakestep-graph [data-state].status-running > .shape { fill: #dbeafe; stroke: #1d4ed8; stroke-width: 3; stroke-dasharray: none; animation: lakestep-running 1.2s ease-in-out infinite; }
.lakestep-graph [data-state].status-notreached { opacity: 0.45; }
.lakestep-graph [data-state].status-notreached > .shape { fill: #f3f4f6; stroke: #9ca3af; }
.lakestep-graph [data-state]:focus-visible > .shape, .lakestep-graph [data-state].selected > .shape { stroke: #0b57d0; stroke-width: 3.5; }
@keyframes lakestep-running { 50% { stroke-opacity: 0.35; } }
@media (prefers-reduced-motion: reduce) { .lakestep-graph [data-state].status-running > .shape { animation: none; } }
.lakestep-graph .edge-path { fill: none; stroke: #6b7280; stroke-width: 1.5; }
.lakestep-graph .edge-choice > .edge-path { stroke: #8a6a00; }
.lakestep-graph .edge-default > .edge-path { stroke: #8a6a00; stroke-dasharray: 2 3; }
.lakestep-graph .edge-catch > .edge-path { stroke: #c2410c; stroke-dasharray: 6 4; }
.lakestep-graph .edge.status-taken > .edge-path { stroke: #15803d; stroke-width: 2.5; }
.lakestep-graph .arrow { fill: #6b7280; }
.lakestep-graph .arrow-choice { fill: #8a6a00; }
.lakestep-graph .arrow-catch { fill: #c2410c; }
.lakestep-graph .edge-label-bg { fill: #ffffff; fill-opacity: 0.92; stroke: #e5e7eb; }
.lakestep-graph .edge-label { font-size: 11px; fill: #374151; }
.lakestep-graph .edge-catch .edge-label { fill: #9a3412; }
`;

/** A smooth path through the route's points (a uniform B-spline that starts and ends on them). */
export function smoothPath(points: { x: number; y: number }[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  if (rest.length <= 1)
    return `M${num(first.x)},${num(first.y)}${rest.map((p) => `L${num(p.x)},${num(p.y)}`).join('')}`;
  const parts = [`M${num(first.x)},${num(first.y)}`];
  const p = points;
  const at = (i: number) => p[i] as { x: number; y: number };
  parts.push(`L${num((5 * at(0).x + at(1).x) / 6)},${num((5 * at(0).y + at(1).y) / 6)}`);
  for (let i = 1; i < p.length - 1; i++) {
    const a = at(i - 1);
    const b = at(i);
    const c = at(i + 1);
    parts.push(
      `C${num((2 * a.x + b.x) / 3)},${num((2 * a.y + b.y) / 3)} ${num((a.x + 2 * b.x) / 3)},${num((a.y + 2 * b.y) / 3)} ${num((a.x + 4 * b.x + c.x) / 6)},${num((a.y + 4 * b.y + c.y) / 6)}`,
    );
  }
  const y = at(p.length - 2);
  const z = at(p.length - 1);
  parts.push(
    `C${num((2 * y.x + z.x) / 3)},${num((2 * y.y + z.y) / 3)} ${num((y.x + 2 * z.x) / 3)},${num((y.y + 2 * z.y) / 3)} ${num(z.x)},${num(z.y)}`,
  );
  return parts.join('');
}

function shape(n: GraphNode): string {
  const { x, y, width: w, height: h } = n;
  if (n.type === 'Choice') {
    const pts = [
      [x + CHOICE_POINT, y],
      [x + w - CHOICE_POINT, y],
      [x + w, y + h / 2],
      [x + w - CHOICE_POINT, y + h],
      [x + CHOICE_POINT, y + h],
      [x, y + h / 2],
    ];
    return `<polygon class="shape" points="${pts.map(([px, py]) => `${num(px as number)},${num(py as number)}`).join(' ')}"/>`;
  }
  const r = n.type === 'Succeed' || n.type === 'Fail' || isTerminal(n) ? h / 2 : isContainer(n) ? 10 : 6;
  return `<rect class="shape" x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" rx="${num(Math.min(r, 18))}"/>`;
}

function stateText(n: GraphNode): string {
  const box = boxText(n);
  const cx = num(n.x + n.width / 2);
  const top = isContainer(n) ? n.y + 4 : n.y + (n.height - (box.height - 2 * PAD_Y)) / 2 - PAD_Y;
  const lines = box.name.map(
    (line, i) =>
      `<text class="state-name" x="${cx}" y="${num(top + PAD_Y + (i + 1) * NAME_LINE - 4)}" text-anchor="middle">${escapeXml(line)}</text>`,
  );
  if (box.sub)
    lines.push(
      `<text class="state-sub" x="${cx}" y="${num(top + PAD_Y + box.name.length * NAME_LINE + SUB_LINE - 3)}" text-anchor="middle">${escapeXml(box.sub)}</text>`,
    );
  return lines.join('');
}

function stateGroup(n: GraphNode): string {
  if (isTerminal(n))
    return `<g class="terminal terminal-${n.type.toLowerCase()}" aria-hidden="true">${shape(n)}<text x="${num(n.x + n.width / 2)}" y="${num(n.y + n.height / 2 + 4)}" text-anchor="middle">${escapeXml(n.name)}</text></g>`;
  const label = escapeXml(`${n.name} (${n.type})`);
  return `<g class="state state-${n.type.toLowerCase()}" data-state="${escapeXml(n.id)}" tabindex="0" role="button" aria-label="${label}">${shape(n)}${stateText(n)}</g>`;
}

function edgeGroup(e: GraphEdge): string {
  const arrow = e.kind === 'catch' ? 'catch' : e.kind === 'next' ? 'next' : 'choice';
  const parts = [
    `<path class="edge-path" d="${smoothPath(e.points)}" marker-end="url(#lakestep-arrow-${arrow})"/>`,
  ];
  if (e.label !== undefined) {
    const text = labelText(e.label);
    const lx = e.labelX ?? 0;
    const ly = e.labelY ?? 0;
    const top = ly - text.height / 2;
    parts.push(
      `<rect class="edge-label-bg" x="${num(lx - text.width / 2)}" y="${num(top)}" width="${num(text.width)}" height="${num(text.height)}" rx="3"/>`,
      `<text class="edge-label" text-anchor="middle">${text.lines
        .map(
          (l, i) =>
            `<tspan x="${num(lx)}" y="${num(top + 3 + (i + 1) * LABEL_LINE - 3)}">${escapeXml(l)}</tspan>`,
        )
        .join('')}</text>`,
    );
  }
  return `<g class="edge edge-${e.kind}" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}">${parts.join('')}</g>`;
}

const marker = (kind: string) =>
  `<marker id="lakestep-arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto"><path class="arrow arrow-${kind}" d="M0,0L10,5L0,10z"/></marker>`;

export function renderSvg(graph: StateGraph, options: SvgOptions = {}): string {
  const title = options.title ?? 'State machine';
  const depth = (n: GraphNode): number => {
    let d = 0;
    for (let p = n.parent; p; p = graph.nodes.find((m) => m.id === p)?.parent ?? null) d++;
    return d;
  };
  // Containers first (outermost first) so their children and the edges are drawn over them.
  const containers = graph.nodes
    .filter(isContainer)
    .map((n, i) => ({ n, i, d: depth(n) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((c) => c.n);
  const leaves = graph.nodes.filter((n) => !isContainer(n));
  const w = num(graph.width);
  const h = num(graph.height);
  const lines = [
    ...(options.standalone ? ['<?xml version="1.0" encoding="UTF-8"?>'] : []),
    `<svg xmlns="http://www.w3.org/2000/svg" class="lakestep-graph" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="${options.standalone ? 'img' : 'group'}" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<style>${GRAPH_CSS}</style>`,
    `<defs>${['next', 'choice', 'catch'].map(marker).join('')}</defs>`,
    ...(options.standalone ? [`<rect class="background" width="${w}" height="${h}"/>`] : []),
    `<g class="containers">`,
    ...containers.map(stateGroup),
    '</g>',
    `<g class="edges">`,
    ...graph.edges.map(edgeGroup),
    '</g>',
    `<g class="states">`,
    ...leaves.map(stateGroup),
    '</g>',
    '</svg>',
  ];
  return `${lines.join('\n')}\n`;
}
