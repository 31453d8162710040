/**
 * The state machine graphs the inspector draws: one per committed ASL file, laid out by local/graph and
 * rendered to SVG once, then again only when the file changes (a regenerated ASL shows on the next load).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { graphFromDefinition, renderSvg } from '../graph';
import type { StateNode } from './state-view';

export const ASL_DIR = resolve(__dirname, '..', '..', 'asl');
const SUFFIX = '.asl.json';

export interface MachineGraph {
  readonly name: string;
  readonly definitionFile: string;
  /** The ASL states (pseudo Start/End nodes left out), nested ones included. */
  readonly states: (StateNode & { resource?: string; detail?: string })[];
  /** Each state's own ASL, by state name (names are unique across a machine). */
  readonly definitions: Record<string, unknown>;
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

export class GraphNotFound extends Error {}

export class Graphs {
  private readonly cache = new Map<string, { mtimeMs: number; graph: MachineGraph }>();

  constructor(private readonly aslDir: string = ASL_DIR) {}

  async machines(): Promise<string[]> {
    const files = await readdir(this.aslDir).catch(() => [] as string[]);
    return files
      .filter((f) => f.endsWith(SUFFIX))
      .map((f) => basename(f, SUFFIX))
      .sort();
  }

  async get(machine: string): Promise<MachineGraph> {
    if (!/^[A-Za-z0-9_.-]+$/.test(machine) || machine.startsWith('.'))
      throw new GraphNotFound(`"${machine}" is not a state machine name`);
    const file = resolve(this.aslDir, `${machine}${SUFFIX}`);
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(file)).mtimeMs;
    } catch {
      const known = await this.machines();
      throw new GraphNotFound(
        `No committed ASL for state machine "${machine}" (looked for ${file}; known: ${known.join(', ') || 'none'})`,
      );
    }
    const hit = this.cache.get(machine);
    if (hit && hit.mtimeMs === mtimeMs) return hit.graph;
    let definition: unknown;
    try {
      definition = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      throw new Error(`The ASL ${file} is not valid JSON (${(e as Error).message})`);
    }
    const laid = graphFromDefinition(definition);
    const graph: MachineGraph = {
      name: machine,
      definitionFile: file,
      states: laid.nodes
        .filter((n) => n.type !== 'Start' && n.type !== 'End')
        .map((n) => ({
          id: n.id,
          name: n.name,
          type: n.type,
          parent: n.parent,
          ...(n.resource ? { resource: n.resource } : {}),
          ...(n.detail ? { detail: n.detail } : {}),
        })),
      definitions: stateDefinitions(definition),
      svg: renderSvg(laid, { title: machine, standalone: false }),
      width: laid.width,
      height: laid.height,
    };
    this.cache.set(machine, { mtimeMs, graph });
    return graph;
  }
}

/** Every state's ASL by name, nested Map (Iterator / ItemProcessor) and Parallel (Branches) states too. */
export function stateDefinitions(definition: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const walk = (machine: unknown) => {
    if (!isObject(machine) || !isObject(machine.States)) return;
    for (const [name, state] of Object.entries(machine.States)) {
      if (!isObject(state)) continue;
      const { Iterator, ItemProcessor, Branches, ...own } = state;
      out[name] = own;
      walk(Iterator);
      walk(ItemProcessor);
      if (Array.isArray(Branches)) for (const b of Branches) walk(b);
    }
  };
  walk(definition);
  return out;
}
