/**
 * After dagre: draws each Map/Parallel container tight around its title and states, ends the edges to
 * and from containers on their border, and closes the empty horizontal bands that dagre's cluster
 * ranks leave, so the drawing is as short as its content. Every step keeps the order of things
 * top to bottom, so boxes that did not overlap still don't, and children stay inside their container.
 */
import { labelText } from './shapes';
import type { GraphEdge, GraphNode, StateGraph } from './types';

/** Vertical gap between ranks (dagre's ranksep), and the widest empty band left after tidying. */
export const RANK_GAP = 40;
const SIDE_PAD = 16;
const BOTTOM_PAD = 16;
const TITLE_PAD = 4;
const MARGIN = 16;

export type Point = { x: number; y: number };
export type Rect = { x: number; y: number; width: number; height: number };

const round = (n: number) => Math.round(n * 10) / 10;
const inside = (p: Point, r: Rect) => p.x > r.x && p.x < r.x + r.width && p.y > r.y && p.y < r.y + r.height;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const nearestOnBorder = (p: Point, r: Rect): Point => ({
  x: clamp(p.x, r.x, r.x + r.width),
  y: clamp(p.y, r.y, r.y + r.height),
});

export function labelRect(e: GraphEdge): Rect | null {
  if (e.label === undefined) return null;
  const t = labelText(e.label);
  return {
    x: (e.labelX ?? 0) - t.width / 2,
    y: (e.labelY ?? 0) - t.height / 2,
    width: t.width,
    height: t.height,
  };
}

function bbox(rects: Rect[], points: Point[]) {
  const xs = [...rects.flatMap((r) => [r.x, r.x + r.width]), ...points.map((p) => p.x)];
  const ys = [...rects.flatMap((r) => [r.y, r.y + r.height]), ...points.map((p) => p.y)];
  return { minX: Math.min(...xs), maxX: Math.max(...xs), minY: Math.min(...ys), maxY: Math.max(...ys) };
}

/** Where the segment a→b, one end inside r and the other outside, crosses r's border. */
function crossing(a: Point, b: Point, r: Rect): Point {
  let lo = 0;
  let hi = 1;
  const aIn = inside(a, r);
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (inside({ x: a.x + (b.x - a.x) * mid, y: a.y + (b.y - a.y) * mid }, r) === aIn) lo = mid;
    else hi = mid;
  }
  return { x: a.x + (b.x - a.x) * hi, y: a.y + (b.y - a.y) * hi };
}

/** An edge leaving a container starts on its border: the route inside it (from the hidden anchor) goes. */
export function clipStart(points: Point[], r: Rect): Point[] {
  for (let i = points.length - 2; i >= 0; i--) {
    const a = points[i] as Point;
    const b = points[i + 1] as Point;
    if (inside(a, r) && !inside(b, r)) return [crossing(a, b, r), ...points.slice(i + 1)];
  }
  const [first, ...rest] = points;
  return first ? [nearestOnBorder(first, r), ...rest] : points;
}

/**
 * An edge leaving a container through the bottom starts right above where it heads, rather than at the
 * hidden anchor and then along the border.
 */
function leaveStraight(points: Point[], r: Rect): Point[] {
  const bottom = r.y + r.height;
  const first = points[0];
  if (!first || Math.abs(first.y - bottom) > 1) return points;
  const away = points.findIndex((p) => p.y > bottom + 14);
  if (away < 1) return points;
  const p = points[away] as Point;
  return [{ x: clamp(p.x, r.x + 12, r.x + r.width - 12), y: bottom }, ...points.slice(away)];
}

/** An edge entering a container ends on its border. */
export function clipEnd(points: Point[], r: Rect): Point[] {
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i] as Point;
    const b = points[i + 1] as Point;
    if (!inside(a, r) && inside(b, r)) return [...points.slice(0, i + 1), crossing(a, b, r)];
  }
  const last = points[points.length - 1];
  return last ? [...points.slice(0, -1), nearestOnBorder(last, r)] : points;
}

/** A monotone map of y that shrinks every empty horizontal band taller than RANK_GAP to RANK_GAP. */
function closeGaps(objects: Rect[]): (y: number) => number {
  const spans = objects.map((r) => [r.y, r.y + r.height] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const gaps: { from: number; to: number }[] = [];
  let end = spans[0]?.[1] ?? 0;
  for (const [top, bottom] of spans) {
    if (top - end > RANK_GAP) gaps.push({ from: end, to: top });
    end = Math.max(end, bottom);
  }
  return (y) => {
    let shift = 0;
    for (const gap of gaps) {
      const excess = gap.to - gap.from - RANK_GAP;
      if (y >= gap.to) shift += excess;
      else if (y > gap.from) shift += ((y - gap.from) / (gap.to - gap.from)) * excess;
    }
    return y - shift;
  };
}

/**
 * nodes: dagre's boxes (containers as dagre sized them); titles: each container's title band;
 * edges: dagre's routes, those of containers ending at the hidden anchors inside them.
 */
export function tidy(nodes: GraphNode[], titles: Map<string, Rect>, edges: GraphEdge[]): StateGraph {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = (n: GraphNode): number => (n.parent ? 1 + depth(byId.get(n.parent) as GraphNode) : 0);

  // Innermost containers first, so an outer one wraps the tightened inner ones.
  const containers = nodes.filter((n) => titles.has(n.id)).sort((a, b) => depth(b) - depth(a));
  for (const c of containers) {
    const inner = edges.filter((e) => byId.get(e.from)?.parent === c.id && byId.get(e.to)?.parent === c.id);
    const title = titles.get(c.id) as Rect;
    const box = bbox(
      [
        title,
        ...nodes.filter((n) => n.parent === c.id),
        ...inner.map(labelRect).filter((r): r is Rect => r !== null),
      ],
      inner.flatMap((e) => e.points),
    );
    c.x = box.minX - SIDE_PAD;
    c.y = title.y - TITLE_PAD;
    c.width = box.maxX - box.minX + 2 * SIDE_PAD;
    c.height = box.maxY + BOTTOM_PAD - c.y;
  }
  for (const e of edges) {
    const from = byId.get(e.from) as GraphNode;
    const to = byId.get(e.to) as GraphNode;
    if (titles.has(e.from)) e.points = clipStart(e.points, from);
    if (titles.has(e.to)) e.points = clipEnd(e.points, to);
  }

  // A container is solid only in its title band and bottom padding, so the empty bands inside it close too.
  const solid = nodes.flatMap((n): Rect[] =>
    titles.has(n.id)
      ? [
          { ...n, height: (titles.get(n.id) as Rect).y + (titles.get(n.id) as Rect).height - n.y },
          { ...n, y: n.y + n.height - BOTTOM_PAD, height: BOTTOM_PAD },
        ]
      : [n],
  );
  const f = closeGaps([...solid, ...edges.map(labelRect).filter((r): r is Rect => r !== null)]);
  for (const n of nodes) {
    const bottom = f(n.y + n.height);
    n.y = f(n.y);
    n.height = bottom - n.y;
  }
  for (const e of edges) {
    e.points = e.points.map((p) => ({ x: p.x, y: f(p.y) }));
    if (e.labelY !== undefined) e.labelY = f(e.labelY);
    if (titles.has(e.from)) e.points = leaveStraight(e.points, byId.get(e.from) as GraphNode);
  }

  // Margins: the drawing starts at (MARGIN, MARGIN) whatever dagre's and the tidying left.
  const labels = edges.map(labelRect).filter((r): r is Rect => r !== null);
  const all = bbox(
    [...nodes, ...labels],
    edges.flatMap((e) => e.points),
  );
  const dx = MARGIN - all.minX;
  const dy = MARGIN - all.minY;
  for (const n of nodes) {
    n.x = round(n.x + dx);
    n.y = round(n.y + dy);
    n.width = round(n.width);
    n.height = round(n.height);
  }
  for (const e of edges) {
    e.points = e.points.map((p) => ({ x: round(p.x + dx), y: round(p.y + dy) }));
    if (e.labelX !== undefined) e.labelX = round(e.labelX + dx);
    if (e.labelY !== undefined) e.labelY = round(e.labelY + dy);
  }
  return {
    nodes,
    edges,
    width: round(all.maxX - all.minX + 2 * MARGIN),
    height: round(all.maxY - all.minY + 2 * MARGIN),
  };
}
