/** The laid-out state machine graph: what the SVG renderer draws and the inspector page clicks. */

export type GraphNodeType =
  | 'Task'
  | 'Choice'
  | 'Map'
  | 'Parallel'
  | 'Wait'
  | 'Succeed'
  | 'Fail'
  | 'Pass'
  | 'Start'
  | 'End';

export interface GraphNode {
  /** State path: "Name", or "Parent/Child" inside Map/Parallel; the pseudo nodes are "__start__"/"__end__". */
  id: string;
  name: string;
  type: GraphNodeType;
  /** Id of the enclosing Map/Parallel, or null at the top level. */
  parent: string | null;
  /** Task only: short service:action, e.g. "lambda:invoke", "glue:startJobRun.sync". */
  resource?: string;
  /** Wait: how long ("30 s"); Fail: the error name. */
  detail?: string;
  /** Top-left corner and size, px. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: 'next' | 'choice' | 'default' | 'catch';
  /** Choice rule (its Comment or condition), "otherwise" for Default, the errors for Catch. */
  label?: string;
  /** Centre of the label, px (present when label is). */
  labelX?: number;
  labelY?: number;
  /** The route from the source box's border to the target box's border. */
  points: { x: number; y: number }[];
}

export interface StateGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}
