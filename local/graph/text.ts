/**
 * Text size without a DOM: widths estimated per character class, calibrated on DejaVu Sans (the widest
 * common fallback for system-ui; measured in Chromium), so boxes do not clip with any usual font.
 */

const NARROW = new Set("il.,:;'|!()[]{}ftjrI `");
const WIDE = new Set('mwMW@%');

/** Estimated advance width of `text` at `fontSize` px (semi-bold adds ~14%). */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    if (NARROW.has(ch)) em += 0.32;
    else if (WIDE.has(ch)) em += 0.86;
    else if (ch >= 'A' && ch <= 'Z') em += 0.68;
    else if (ch >= '0' && ch <= '9') em += 0.58;
    else em += 0.56;
  }
  return em * fontSize * 1.08 * (bold ? 1.14 : 1);
}

/**
 * Splits `text` into lines no wider than `maxWidth` at spaces; a single word wider than that is broken
 * after a `/`, `.` or `_`. Each line keeps its trailing space, so the lines joined give back the text.
 */
export function wrap(text: string, fontSize: number, maxWidth: number, bold = false): string[] {
  const fits = (s: string) => textWidth(s.trimEnd(), fontSize, bold) <= maxWidth;
  const tokens = (text.match(/\S+\s*|\s+/g) ?? [text]).flatMap((word) =>
    fits(word) ? [word] : (word.match(/[^/._]+[/._]*\s*|[/._]+\s*/g) ?? [word]),
  );
  const lines: string[] = [];
  let line = '';
  for (const token of tokens) {
    if (line && !fits(line + token)) {
      lines.push(line);
      line = token;
    } else line += token;
  }
  if (line) lines.push(line);
  return lines;
}
