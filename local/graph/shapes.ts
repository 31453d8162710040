/** What each box says and how big it is: the one place node and label sizes are decided. */
import type { AslNode } from './asl-graph';
import { textWidth, wrap } from './text';

export const NAME_SIZE = 13;
export const SUB_SIZE = 11;
export const LABEL_SIZE = 11;
export const NAME_LINE = 17;
export const SUB_LINE = 14;
export const LABEL_LINE = 14;
/** How far a Choice's pointed ends reach beyond its text. */
export const CHOICE_POINT = 14;

const NAME_MAX = 210;
const LABEL_MAX = 180;
const PAD_X = 14;
const PAD_Y = 9;

export interface BoxText {
  /** The state name, wrapped. */
  name: string[];
  /** The smaller second line: "Task · lambda:invoke", "Wait · 30 s", "Fail · DataQualityFailed". */
  sub: string | null;
  width: number;
  height: number;
}

export interface LabelText {
  lines: string[];
  width: number;
  height: number;
}

export function subtitle(node: AslNode): string | null {
  switch (node.type) {
    case 'Start':
    case 'End':
      return null;
    case 'Task':
      return node.resource ? `Task · ${node.resource}` : 'Task';
    default:
      return node.detail ? `${node.type} · ${node.detail}` : node.type;
  }
}

export function boxText(node: AslNode): BoxText {
  if (node.type === 'Start' || node.type === 'End')
    return { name: [node.name], sub: null, width: 64, height: 28 };
  const name = wrap(node.name, NAME_SIZE, NAME_MAX, true);
  const sub = subtitle(node);
  const textW = Math.max(
    ...name.map((l) => textWidth(l.trimEnd(), NAME_SIZE, true)),
    sub ? textWidth(sub, SUB_SIZE) : 0,
  );
  if (node.type === 'Map' || node.type === 'Parallel')
    // The container's own size comes from its children; this is the size of its title band.
    return {
      name,
      sub,
      width: Math.ceil(textW + 2 * PAD_X),
      height: PAD_Y + name.length * NAME_LINE + SUB_LINE,
    };
  const extra = node.type === 'Choice' ? 2 * CHOICE_POINT : 0;
  const width = Math.max(150, Math.ceil(textW + 2 * PAD_X + extra));
  const height = 2 * PAD_Y + name.length * NAME_LINE + (sub ? SUB_LINE : 0);
  return { name, sub, width, height };
}

export function labelText(label: string): LabelText {
  const lines = wrap(label, LABEL_SIZE, LABEL_MAX);
  const width = Math.ceil(Math.max(...lines.map((l) => textWidth(l.trimEnd(), LABEL_SIZE))) + 10);
  return { lines, width, height: lines.length * LABEL_LINE + 6 };
}
