/** "Did you mean …?": the nearest known word to a mistyped command, option or mode (edit distance). */

/** Levenshtein distance, with a transposition counted as one edit ("rnu" → "run"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The known word closest to `input`, when it is close enough to be a typo: at most a third of the
 * word's length in edits (at least 1, at most 3), or a prefix of it ("--verb" → "--verbose").
 */
export function nearest(input: string, known: readonly string[]): string | null {
  const lower = input.toLowerCase();
  let best: { word: string; distance: number } | null = null;
  for (const word of known) {
    const distance = editDistance(lower, word.toLowerCase());
    if (!best || distance < best.distance) best = { word, distance };
  }
  if (best && best.distance <= Math.min(3, Math.max(1, Math.floor(best.word.length / 3)))) return best.word;
  const prefixed = known.filter((w) => lower.length >= 3 && w.toLowerCase().startsWith(lower));
  return prefixed.length === 1 ? (prefixed[0] as string) : null;
}

/** ` (did you mean X?)`, or nothing when no known word is near. */
export function didYouMean(input: string, known: readonly string[]): string {
  const word = nearest(input, known);
  return word ? ` (did you mean ${word}?)` : '';
}
