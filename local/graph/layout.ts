/**
 * Positions the states with dagre (layered, top to bottom). Map and Parallel are dagre compound nodes;
 * since dagre cannot route edges to a compound node itself, each container gets two hidden anchors
 * inside it — a title band at its top (where its inner flow starts) and a point at its bottom (where it
 * ends) — and edges to or from the container are routed to those anchors, then clipped at its border.
 */
import { Graph, layout } from '@dagrejs/dagre';
import type { AslEdge, AslGraph, AslNode } from './asl-graph';
import { boxText, labelText } from './shapes';
import { RANK_GAP, type Rect, tidy } from './tidy';
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

export function layoutGraph(asl: AslGraph): StateGraph {
  const g = new Graph<Record<string, unknown>, NodeData, EdgeData>({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: RANK_GAP, edgesep: 14, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));

  // dagre's own self-loops come out tangled; we draw them (selfLoop below) in room reserved beside the box.
  const loopRoom = new Map<string, number>();
  for (const e of asl.edges)
    if (e.from === e.to)
      loopRoom.set(
        e.from,
        (loopRoom.get(e.from) ?? 0) + LOOP_OUT + 6 + (e.label ? labelText(e.label).width : 0),
      );
  for (const node of asl.nodes) {
    const box = boxText(node);
    g.setNode(node.id, { width: box.width + 2 * (loopRoom.get(node.id) ?? 0), height: box.height });
    if (node.parent) g.setParent(node.id, node.parent);
    const scope = asl.scopes.get(node.id);
    if (scope) {
      g.setNode(inAnchor(node.id), { width: box.width, height: box.height });
      g.setParent(inAnchor(node.id), node.id);
      g.setNode(outAnchor(node.id), { width: 1, height: 1 });
      g.setParent(outAnchor(node.id), node.id);
    }
  }
  // Edges may only join plain nodes: one to or from a container goes to its anchors instead.
  const routeFrom = (id: string) => (asl.scopes.has(id) ? outAnchor(id) : id);
  const routeTo = (id: string) => (asl.scopes.has(id) ? inAnchor(id) : id);
  for (const [id, scope] of asl.scopes) {
    // Heavy start edges keep every branch's first state at the top, even a branch of one state.
    for (const s of scope.starts)
      g.setEdge(inAnchor(id), routeTo(s), { minlen: 1, weight: 8 }, `anchor:${s}`);
    for (const e of scope.ends)
      g.setEdge(routeFrom(e), outAnchor(id), { minlen: 1, weight: 1 }, `anchor:${e}`);
    if (scope.ends.length === 0) g.setEdge(inAnchor(id), outAnchor(id), { minlen: 2 }, 'anchor');
  }

  asl.edges.forEach((e, i) => {
    if (e.from === e.to) return;
    const data: EdgeData = { minlen: 1, weight: e.kind === 'catch' ? 1 : 2 };
    if (e.label) {
      const text = labelText(e.label);
      Object.assign(data, { width: text.width, height: text.height, labelpos: 'c' });
    }
    g.setEdge(routeFrom(e.from), routeTo(e.to), data, `e${i}`);
  });

  layout(g);

  const rect = (id: string): Rect => {
    const n = g.node(id);
    const width = n.width - 2 * (loopRoom.get(id) ?? 0);
    return { x: (n.x ?? 0) - width / 2, y: (n.y ?? 0) - n.height / 2, width, height: n.height };
  };
  const nodes: GraphNode[] = asl.nodes.map((n: AslNode) => ({ ...n, ...rect(n.id) }));
  const titles = new Map([...asl.scopes.keys()].map((id) => [id, rect(inAnchor(id))]));
  const loopsSoFar = new Map<string, number>();
  const edges: GraphEdge[] = asl.edges.map((e, i) => {
    if (e.from === e.to) {
      const k = loopsSoFar.get(e.from) ?? 0;
      loopsSoFar.set(e.from, k + 1);
      return selfLoop(e, nodes.find((n) => n.id === e.from) as GraphNode, k);
    }
    const data = g.edge(routeFrom(e.from), routeTo(e.to), `e${i}`);
    const edge: GraphEdge = { ...e, points: (data.points ?? []).map((p) => ({ x: p.x, y: p.y })) };
    if (e.label !== undefined) Object.assign(edge, { labelX: data.x ?? 0, labelY: data.y ?? 0 });
    return edge;
  });
  return tidy(nodes, titles, edges);
}

const LOOP_OUT = 26;

/** A state's transition to itself: a loop out of its right side and back, the label beside it. */
function selfLoop(e: AslEdge, n: GraphNode, k: number): GraphEdge {
  const right = n.x + n.width;
  const mid = n.y + n.height / 2;
  const spread = n.type === 'Choice' ? 6 : n.height / 4;
  const out = right + LOOP_OUT + k * 18;
  const edge: GraphEdge = {
    ...e,
    points: [
      { x: right, y: mid - spread },
      { x: out, y: mid - spread - 8 },
      { x: out, y: mid + spread + 8 },
      { x: right, y: mid + spread },
    ],
  };
  if (e.label !== undefined)
    Object.assign(edge, { labelX: out + 6 + labelText(e.label).width / 2, labelY: mid });
  return edge;
}
