/** `lakestep replay --aws` — placeholder while issue 5 is built. */
export async function replayAwsCommand(_argv: string[]): Promise<number> {
  console.error('lakestep replay --aws: not built yet (issue 5)');
  return 1;
}
