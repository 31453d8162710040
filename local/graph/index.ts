/**
 * The state machine graph, drawn from the committed ASL: read and check the definition (asl-graph.ts),
 * lay it out with dagre (layout.ts), render it as SVG (svg.ts) or Mermaid (mermaid.ts).
 */
import { readDefinition } from './asl-graph';
import { layoutGraph } from './layout';
import { renderSvg } from './svg';
import type { StateGraph } from './types';

export { AslDefinitionError, END_ID, START_ID, shortResource } from './asl-graph';
export { renderMermaid } from './mermaid';
export { GRAPH_CSS, renderSvg, type SvgOptions } from './svg';
export type { GraphEdge, GraphNode, GraphNodeType, StateGraph } from './types';

/**
 * ASL definition (parsed JSON; `${Placeholders}` allowed) → laid-out graph: one node per state, nested
 * states included, plus the Start and End pseudo nodes. Throws an AslDefinitionError naming the state
 * and the problem when the definition is malformed.
 */
export function graphFromDefinition(definition: unknown): StateGraph {
  return layoutGraph(readDefinition(definition));
}

/** The standalone SVG file of a definition, as `lakestep graph` prints it and docs/state-machine.svg holds it. */
export function documentSvg(definition: unknown): string {
  const comment = (definition as { Comment?: unknown } | null)?.Comment;
  const title = typeof comment === 'string' ? `State machine: ${comment}` : 'State machine';
  return renderSvg(graphFromDefinition(definition), { title, standalone: true });
}
