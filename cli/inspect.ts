/** `lakestep inspect` — placeholder while issue 6 is built; replaced by its implementation. */
export async function inspectCommand(_argv: string[]): Promise<number> {
  console.error('lakestep inspect: not built yet (issue 6)');
  return 1;
}
