/** `lakestep status` — placeholder while issue 4 is built; replaced by its implementation. */
export async function statusCommand(_argv: string[]): Promise<number> {
  console.error('lakestep status: not built yet (issue 4)');
  return 1;
}
