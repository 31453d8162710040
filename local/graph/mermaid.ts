/**
 * ASL definition → Mermaid flowchart text, for Markdown that renders Mermaid. The same reading of the
 * ASL as the SVG (asl-graph.ts): Choice rules and Catch errors label their edges, Map and Parallel are
 * subgraphs holding their states.
 */
import { type AslNode, readDefinition } from './asl-graph';
import { subtitle } from './shapes';

/** Mermaid's entity codes, so quotes, angle brackets and `#` show as themselves inside a label. */
const text = (s: string) =>
  s.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');

const CLASSES: Record<string, string> = {
  task: 'fill:#eef4ff,stroke:#4a6fa5',
  choice: 'fill:#fff8e1,stroke:#a37b00',
  wait: 'fill:#f4effc,stroke:#7a5cc2',
  pass: 'fill:#f6f7f9,stroke:#6b7280,stroke-dasharray:5 3',
  succeed: 'fill:#e7f6ec,stroke:#2e7d4f',
  fail: 'fill:#fdecec,stroke:#b42318',
  terminal: 'fill:#374151,stroke:#374151,color:#ffffff',
};

export function renderMermaid(definition: unknown): string {
  const graph = readDefinition(definition);
  // Mermaid ids: letters, digits and _ only, never a keyword such as `end`; unique even if names clash
  // after cleaning ("a b" and "a_b").
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const n of graph.nodes) {
    const base =
      n.type === 'Start' ? 'start' : n.type === 'End' ? 'stop' : `s_${n.id.replace(/[^A-Za-z0-9]/g, '_')}`;
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}_${i}`;
    used.add(id);
    ids.set(n.id, id);
  }
  const idOf = (id: string) => ids.get(id) as string;

  const declare = (n: AslNode): string => {
    const sub = subtitle(n);
    const label = `"${text(n.name)}${sub ? `<br/><small>${text(sub)}</small>` : ''}"`;
    switch (n.type) {
      case 'Start':
      case 'End':
        return `${idOf(n.id)}(("${n.name}"))`;
      case 'Choice':
        return `${idOf(n.id)}{${label}}`;
      case 'Succeed':
      case 'Fail':
        return `${idOf(n.id)}([${label}])`;
      case 'Wait':
        return `${idOf(n.id)}[/${label}/]`;
      default:
        return `${idOf(n.id)}[${label}]`;
    }
  };

  const lines = ['flowchart TD'];
  const emit = (parent: string | null, indent: string) => {
    for (const n of graph.nodes.filter((m) => m.parent === parent)) {
      if (n.type === 'Map' || n.type === 'Parallel') {
        lines.push(`${indent}subgraph ${idOf(n.id)} ["${text(n.name)} (${n.type})"]`);
        lines.push(`${indent}  direction TB`);
        emit(n.id, `${indent}  `);
        lines.push(`${indent}end`);
      } else lines.push(`${indent}${declare(n)}`);
    }
  };
  emit(null, '  ');
  for (const e of graph.edges) {
    const arrow = e.kind === 'catch' ? '-.->' : '-->';
    const label = e.label === undefined ? '' : `|"${text(e.label)}"|`;
    lines.push(`  ${idOf(e.from)} ${arrow}${label} ${idOf(e.to)}`);
  }
  for (const [cls, style] of Object.entries(CLASSES)) lines.push(`  classDef ${cls} ${style}`);
  for (const cls of Object.keys(CLASSES)) {
    const members = graph.nodes.filter((n) =>
      cls === 'terminal' ? n.type === 'Start' || n.type === 'End' : n.type.toLowerCase() === cls,
    );
    if (members.length) lines.push(`  class ${members.map((n) => idOf(n.id)).join(',')} ${cls}`);
  }
  return `${lines.join('\n')}\n`;
}
