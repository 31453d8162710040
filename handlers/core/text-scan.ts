/**
 * Character scans for outside values of any length. A backtracking regular expression such as
 * `/^[0-9]+$/` may need stack in proportion to the value (V8 does when it compiles a pattern without
 * its loop optimizations), and a 16 MB id then ends in "Maximum call stack size exceeded": a system
 * fault instead of the data outcome. These loops use constant stack whatever the length.
 */

/** Whether every UTF-16 unit of `s` satisfies `ok` (true for the empty string). */
export function everyCode(s: string, ok: (code: number) => boolean): boolean {
  for (let i = 0; i < s.length; i++) if (!ok(s.charCodeAt(i))) return false;
  return true;
}

export const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;

/** Whether `s` is one or more ASCII digits. */
export const isDigits = (s: string): boolean => s.length > 0 && everyCode(s, isDigitCode);

/** `s` without its leading zeros, keeping the last character (`"000"` → `"0"`, `"007"` → `"7"`). */
export function withoutLeadingZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  return s.slice(i);
}
