/** `lakestep replay` — placeholder while issue 5 is built; `--aws` goes to cli/replay-aws.ts. */
import { replayAwsCommand } from './replay-aws';

export async function replayCommand(argv: string[]): Promise<number> {
  if (argv.includes('--aws')) return replayAwsCommand(argv.filter((a) => a !== '--aws'));
  console.error('lakestep replay: not built yet (issue 5)');
  return 1;
}
