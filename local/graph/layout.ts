/**
 * Positions the states with dagre (layered, top to bottom). Map and Parallel are dagre compound nodes;
 * since dagre cannot route edges to a compound node itself, each container gets two hidden anchors
 * inside it — a title band at its top (where its inner flow starts) and a point at its bottom (where it
 * ends) — and edges to or from the container are routed to those anchors, then clipped at its border.
 */
import { Graph, layout } from '@dagrejs/dagre';
import type { AslGraph, AslNode } from './asl-graph';
import { boxText, labelText } from './shapes';
import type { GraphEdge, GraphNode, StateGraph } from './types';

interface NodeData {
  width: number;
  height: number;
  x?: number;
  y?: number;
  [key: string]: unknown;
}
interface EdgeData {
  width?: number;
  height?: number;
  minlen?: number;
  weight?: number;
  labelpos?: 'l' | 'c' | 'r';
  x?: number;
  y?: number;
  points?: { x: number; y: number }[];
  [key: string]: unknown;
}

const inAnchor = (id: string) => `${id}\u0000in`;
const outAnchor = (id: string) => `${id}\u0000out`;
const round = (n: number) => Math.round(n * 10) / 10;

export function layoutGraph(asl: AslGraph): StateGraph {
  const g = new Graph<Record<string, unknown>, NodeData, EdgeData>({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 44, edgesep: 14, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));

  for (const node of asl.nodes) {
    const box = boxText(node);
    g.setNode(node.id, { width: box.width, height: box.height });
    if (node.parent) g.setParent(node.id, node.parent);
    const scope = asl.scopes.get(node.id);
    if (scope) {
      g.setNode(inAnchor(node.id), { width: box.width, height: box.height });
      g.setParent(inAnchor(node.id), node.id);
      g.setNode(outAnchor(node.id), { width: 1, height: 1 });
      g.setParent(outAnchor(node.id), node.id);
      for (const s of scope.starts) g.setEdge(inAnchor(node.id), s, { minlen: 1, weight: 4 }, `anchor:${s}`);
      for (const e of scope.ends) g.setEdge(e, outAnchor(node.id), { minlen: 1, weight: 4 }, `anchor:${e}`);
      if (scope.ends.length === 0) g.setEdge(inAnchor(node.id), outAnchor(node.id), { minlen: 2 }, 'anchor');
    }
  }

  const routeFrom = (id: string) => (asl.scopes.has(id) ? outAnchor(id) : id);
  const routeTo = (id: string) => (asl.scopes.has(id) ? inAnchor(id) : id);
  asl.edges.forEach((e, i) => {
    const data: EdgeData = { minlen: 1, weight: e.kind === 'catch' ? 1 : 2 };
    if (e.label) {
      const text = labelText(e.label);
      Object.assign(data, { width: text.width, height: text.height, labelpos: 'c' });
    }
    g.setEdge(routeFrom(e.from), routeTo(e.to), data, `e${i}`);
  });

  layout(g);

  const rect = (id: string) => {
    const n = g.node(id);
    return { x: (n.x ?? 0) - n.width / 2, y: (n.y ?? 0) - n.height / 2, width: n.width, height: n.height };
  };
  const nodes: GraphNode[] = asl.nodes.map((n: AslNode) => {
    const r = rect(n.id);
    return { ...n, x: round(r.x), y: round(r.y), width: round(r.width), height: round(r.height) };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges: GraphEdge[] = asl.edges.map((e, i) => {
    const data = g.edge(routeFrom(e.from), routeTo(e.to), `e${i}`);
    let points = (data.points ?? []).map((p) => ({ x: p.x, y: p.y }));
    const from = byId.get(e.from);
    const to = byId.get(e.to);
    if (from && asl.scopes.has(e.from)) points = clipStart(points, from);
    if (to && asl.scopes.has(e.to)) points = clipEnd(points, to);
    const edge: GraphEdge = {
      from: e.from,
      to: e.to,
      kind: e.kind,
      points: points.map((p) => ({ x: round(p.x), y: round(p.y) })),
    };
    if (e.label !== undefined) {
      edge.label = e.label;
      edge.labelX = round(data.x ?? 0);
      edge.labelY = round(data.y ?? 0);
    }
    return edge;
  });
  const graph = g.graph();
  return {
    nodes,
    edges,
    width: round(Number(graph.width ?? 0)),
    height: round(Number(graph.height ?? 0)),
  };
}

type Point = { x: number; y: number };
type Rect = { x: number; y: number; width: number; height: number };

const inside = (p: Point, r: Rect) => p.x > r.x && p.x < r.x + r.width && p.y > r.y && p.y < r.y + r.height;

/** Where the segment a→b (a inside r, b outside, or the reverse) crosses r's border. */
function crossing(a: Point, b: Point, r: Rect): Point {
  let lo = 0;
  let hi = 1;
  const aIn = inside(a, r);
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    const p = { x: a.x + (b.x - a.x) * mid, y: a.y + (b.y - a.y) * mid };
    if (inside(p, r) === aIn) lo = mid;
    else hi = mid;
  }
  return { x: a.x + (b.x - a.x) * hi, y: a.y + (b.y - a.y) * hi };
}

/** An edge leaving a container: drop the part inside it, start on its border. */
function clipStart(points: Point[], r: Rect): Point[] {
  for (let i = points.length - 2; i >= 0; i--) {
    const a = points[i] as Point;
    const b = points[i + 1] as Point;
    if (inside(a, r) && !inside(b, r)) return [crossing(a, b, r), ...points.slice(i + 1)];
  }
  return points;
}

/** An edge entering a container: stop at its border. */
function clipEnd(points: Point[], r: Rect): Point[] {
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i] as Point;
    const b = points[i + 1] as Point;
    if (!inside(a, r) && inside(b, r)) return [...points.slice(0, i + 1), crossing(a, b, r)];
  }
  return points;
}
