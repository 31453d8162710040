/** `lakestep rerun` — placeholder while issue 5 is built; replaced by its implementation. */
export async function rerunCommand(_argv: string[]): Promise<number> {
  console.error('lakestep rerun: not built yet (issue 5)');
  return 1;
}
