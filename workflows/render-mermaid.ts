/**
 * Pure renderer: ASL definition → Mermaid flowchart, for the README and docs. Choice edges carry their
 * rule labels, Catch edges the error they handle; Fail states show their error name.
 */
import type { AslDefinition } from './render-asl';
import type { Workflow } from './types';

const id = (name: string) => name.replace(/[^A-Za-z0-9]/g, '_');
const text = (s: string) => s.replace(/"/g, "'");

export function renderMermaid(asl: AslDefinition, workflow?: Workflow): string {
  // Edge labels of Choice rules, keyed "choice state|next state".
  const labels = new Map<string, string>();
  const stepName = (stepId: string) => workflow?.steps.find((s) => s.id === stepId)?.stateName ?? stepId;
  for (const step of workflow?.steps ?? [])
    if (step.kind === 'choice')
      for (const r of step.rules) labels.set(`${step.stateName}|${stepName(r.next)}`, r.label);
  const lines = ['flowchart TD', `  start((start)) --> ${id(asl.StartAt)}`];
  for (const [name, s] of Object.entries(asl.States)) {
    const n = id(name);
    switch (s.Type) {
      case 'Choice':
        lines.push(`  ${n}{"${text(name)}"}`);
        break;
      case 'Fail':
        lines.push(`  ${n}[["${text(name)}<br/>${text(String(s.Error))}"]]`);
        break;
      case 'Succeed':
        lines.push(`  ${n}(["${text(name)}"])`);
        break;
      case 'Wait':
        lines.push(`  ${n}[/"${text(name)}"/]`);
        break;
      default:
        lines.push(`  ${n}["${text(name)}"]`);
    }
    if (typeof s.Next === 'string') lines.push(`  ${n} --> ${id(s.Next)}`);
    for (const c of (s.Choices as { Next: string }[] | undefined) ?? []) {
      lines.push(`  ${n} -->|${text(labels.get(`${name}|${c.Next}`) ?? 'rule')}| ${id(c.Next)}`);
    }
    if (typeof s.Default === 'string') lines.push(`  ${n} -->|otherwise| ${id(s.Default)}`);
    for (const c of (s.Catch as { ErrorEquals: string[]; Next: string }[] | undefined) ?? [])
      lines.push(`  ${n} -.->|${text(c.ErrorEquals.join(', '))}| ${id(c.Next)}`);
  }
  return `${lines.join('\n')}\n`;
}
