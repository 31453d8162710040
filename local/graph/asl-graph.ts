/**
 * ASL definition (parsed JSON) → the states and transitions to draw: one node per state (nested Map and
 * Parallel states included), one edge per Next / Choice rule / Default / Catch, with readable labels.
 * Positions come later (layout.ts); this module only reads and checks the definition.
 */
import { conditionLabel } from './conditions';
import type { GraphEdge, GraphNode } from './types';

/** A state as read from the definition: a GraphNode before layout gives it a place. */
export type AslNode = Omit<GraphNode, 'x' | 'y' | 'width' | 'height'>;

/** A transition as read from the definition: a GraphEdge before layout routes it. */
export type AslEdge = Omit<GraphEdge, 'labelX' | 'labelY' | 'points'>;

/** Where each Map/Parallel's inner flow begins (one per branch) and ends, for the layout's anchors. */
export interface AslScope {
  starts: string[];
  ends: string[];
}

export interface AslGraph {
  nodes: AslNode[];
  edges: AslEdge[];
  scopes: Map<string, AslScope>;
}

export const START_ID = '__start__';
export const END_ID = '__end__';

const STATE_TYPES = ['Task', 'Choice', 'Map', 'Parallel', 'Wait', 'Succeed', 'Fail', 'Pass'] as const;
type StateType = (typeof STATE_TYPES)[number];
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A malformed definition: the message names the state (or the scope) and what is wrong with it. */
export class AslDefinitionError extends Error {
  override name = 'AslDefinitionError';
}

/** "arn:aws:states:::glue:startJobRun.sync" → "glue:startJobRun.sync"; other forms as readable as they get. */
export function shortResource(resource: string): string {
  const integration = /^arn:[^:]+:states:::(?:aws-sdk:)?(.+)$/.exec(resource);
  if (integration) return integration[1] as string;
  const lambda = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(resource);
  if (lambda) return `lambda:${lambda[1]}`;
  const activity = /^arn:[^:]+:states:[^:]*:[^:]*:activity:(.+)$/.exec(resource);
  if (activity) return `activity:${activity[1]}`;
  return resource;
}

function waitDetail(state: Json): string | undefined {
  if (typeof state.Seconds === 'number') return `${state.Seconds} s`;
  if (typeof state.Seconds === 'string') return String(state.Seconds);
  if (typeof state.Timestamp === 'string') return `until ${state.Timestamp}`;
  for (const key of ['SecondsPath', 'TimestampPath'] as const)
    if (typeof state[key] === 'string') return `${key === 'SecondsPath' ? 'seconds' : 'until'} ${state[key]}`;
  return undefined;
}

function failDetail(state: Json): string | undefined {
  if (typeof state.Error === 'string') return state.Error;
  if (typeof state.ErrorPath === 'string') return state.ErrorPath;
  return undefined;
}

/** Reads one scope (the top level, a Map's processor or a Parallel branch) into `out`, recursively. */
function readScope(
  scope: unknown,
  where: string,
  parent: string | null,
  out: AslGraph,
  seen: Map<string, string>,
): { startAt: string; ends: string[] } {
  if (!isObject(scope)) throw new AslDefinitionError(`${where} must be an object with StartAt and States`);
  const states = scope.States;
  if (!isObject(states) || Object.keys(states).length === 0)
    throw new AslDefinitionError(`${where} has no States (an object of at least one state)`);
  const startAt = scope.StartAt;
  if (typeof startAt !== 'string')
    throw new AslDefinitionError(`${where} has no StartAt (the name of its first state)`);
  if (!(startAt in states))
    throw new AslDefinitionError(`${where}: StartAt '${startAt}' is not one of its states`);

  const idOf = (name: string) => (parent ? `${parent}/${name}` : name);
  const target = (from: string, field: string, next: unknown): string => {
    if (typeof next !== 'string' || next === '')
      throw new AslDefinitionError(`state '${from}': ${field} must be the name of a state`);
    if (!(next in states))
      throw new AslDefinitionError(`state '${from}': ${field} '${next}' is not a state in ${where}`);
    return idOf(next);
  };

  const ends: string[] = [];
  for (const [name, state] of Object.entries(states)) {
    const id = idOf(name);
    const earlier = seen.get(name);
    if (earlier !== undefined)
      throw new AslDefinitionError(
        `state '${name}' is defined twice (in ${earlier} and ${where}); state names must be unique in the whole state machine`,
      );
    seen.set(name, where);
    if (!isObject(state)) throw new AslDefinitionError(`state '${name}' must be an object`);
    const type = state.Type;
    if (typeof type !== 'string' || !(STATE_TYPES as readonly string[]).includes(type))
      throw new AslDefinitionError(
        `state '${name}' has ${type === undefined ? 'no Type' : `an unknown Type '${String(type)}'`} (expected one of ${STATE_TYPES.join(', ')})`,
      );
    const node: AslNode = { id, name, type: type as StateType, parent };
    out.nodes.push(node);

    switch (type as StateType) {
      case 'Task': {
        const r = state.Resource;
        if (typeof r === 'string') node.resource = shortResource(r);
        else if (r !== undefined) throw new AslDefinitionError(`state '${name}': Resource must be a string`);
        else throw new AslDefinitionError(`state '${name}' (Task) has no Resource`);
        break;
      }
      case 'Wait':
        node.detail = waitDetail(state);
        break;
      case 'Fail':
        node.detail = failDetail(state);
        break;
      case 'Map': {
        const processor = state.ItemProcessor ?? state.Iterator;
        if (processor === undefined)
          throw new AslDefinitionError(`state '${name}' (Map) has no ItemProcessor (or Iterator)`);
        const inner = readScope(processor, `the ItemProcessor of '${name}'`, id, out, seen);
        out.scopes.set(id, { starts: [inner.startAt], ends: inner.ends });
        break;
      }
      case 'Parallel': {
        const branches = state.Branches;
        if (!Array.isArray(branches) || branches.length === 0)
          throw new AslDefinitionError(`state '${name}' (Parallel) has no Branches (a non-empty array)`);
        const scope: AslScope = { starts: [], ends: [] };
        branches.forEach((b, i) => {
          const inner = readScope(b, `branch ${i + 1} of '${name}'`, id, out, seen);
          scope.starts.push(inner.startAt);
          scope.ends.push(...inner.ends);
        });
        out.scopes.set(id, scope);
        break;
      }
      default:
        break;
    }
    if (node.detail === undefined) delete node.detail;

    if (type === 'Choice') {
      const choices = state.Choices;
      if (!Array.isArray(choices) || choices.length === 0)
        throw new AslDefinitionError(`state '${name}' (Choice) has no Choices (a non-empty array of rules)`);
      choices.forEach((rule, i) => {
        if (!isObject(rule)) throw new AslDefinitionError(`state '${name}': rule ${i + 1} must be an object`);
        const to = target(name, `rule ${i + 1} Next`, rule.Next);
        let label: string;
        try {
          label =
            typeof rule.Comment === 'string' && rule.Comment.trim() ? rule.Comment : conditionLabel(rule);
        } catch (e) {
          throw new AslDefinitionError(`state '${name}': rule ${i + 1} ${(e as Error).message}`);
        }
        out.edges.push({ from: id, to, kind: 'choice', label });
      });
      if (state.Default !== undefined)
        out.edges.push({
          from: id,
          to: target(name, 'Default', state.Default),
          kind: 'default',
          label: 'otherwise',
        });
    } else if (type === 'Succeed' || type === 'Fail') {
      if (state.Next !== undefined)
        throw new AslDefinitionError(`state '${name}' (${type}) is terminal and cannot have Next`);
      if (type === 'Succeed') ends.push(id);
    } else {
      const hasNext = state.Next !== undefined;
      if (hasNext && state.End === true)
        throw new AslDefinitionError(`state '${name}' has both Next and End: true; it needs exactly one`);
      if (hasNext) out.edges.push({ from: id, to: target(name, 'Next', state.Next), kind: 'next' });
      else if (state.End === true) ends.push(id);
      else throw new AslDefinitionError(`state '${name}' (${type}) has neither Next nor End: true`);
    }

    if (state.Catch !== undefined) {
      if (type !== 'Task' && type !== 'Map' && type !== 'Parallel')
        throw new AslDefinitionError(`state '${name}' (${type}) cannot have Catch`);
      if (!Array.isArray(state.Catch))
        throw new AslDefinitionError(`state '${name}': Catch must be an array`);
      state.Catch.forEach((catcher, i) => {
        if (!isObject(catcher))
          throw new AslDefinitionError(`state '${name}': Catch ${i + 1} must be an object`);
        const errors = catcher.ErrorEquals;
        if (!Array.isArray(errors) || errors.length === 0 || errors.some((e) => typeof e !== 'string'))
          throw new AslDefinitionError(
            `state '${name}': Catch ${i + 1} needs ErrorEquals, a non-empty array of error names`,
          );
        const to = target(name, `Catch ${i + 1} Next`, catcher.Next);
        out.edges.push({ from: id, to, kind: 'catch', label: (errors as string[]).join(', ') });
      });
    }
  }
  return { startAt: idOf(startAt), ends };
}

/** Reads and checks an ASL definition; throws an AslDefinitionError naming the state and the problem. */
export function readDefinition(definition: unknown): AslGraph {
  if (!isObject(definition))
    throw new AslDefinitionError('the ASL definition must be a JSON object with StartAt and States');
  const out: AslGraph = { nodes: [], edges: [], scopes: new Map() };
  const { startAt, ends } = readScope(definition, 'the state machine', null, out, new Map());
  // Top-level pseudo nodes: where the execution starts and where it ends successfully. Fail states end it
  // too, but an edge from every Fail to End would only add long lines; a Fail box is visibly terminal.
  out.nodes.unshift({ id: START_ID, name: 'Start', type: 'Start', parent: null });
  out.nodes.push({ id: END_ID, name: 'End', type: 'End', parent: null });
  out.edges.unshift({ from: START_ID, to: startAt, kind: 'next' });
  for (const id of ends) out.edges.push({ from: id, to: END_ID, kind: 'next' });
  return out;
}
