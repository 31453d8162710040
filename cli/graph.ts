/** `lakestep graph` — placeholder while issue 6 is built; replaced by its implementation. */
export async function graphCommand(_argv: string[]): Promise<number> {
  console.error('lakestep graph: not built yet (issue 6)');
  return 1;
}
