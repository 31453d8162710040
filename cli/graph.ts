/** `lakestep graph`: the state machine graph of the committed ASL (or any ASL file), as SVG or Mermaid. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { documentSvg, renderMermaid } from '../local/graph';
import { parse, UsageError } from './args';

export const DEFAULT_DEFINITION = join(__dirname, '..', 'asl', 'youtube-trending.asl.json');

export const GRAPH_USAGE = `usage: lakestep graph [--format svg|mermaid] [--out FILE] [--definition FILE]

  --format svg|mermaid  svg (default): a standalone drawing laid out with dagre;
                        mermaid: a flowchart for Markdown that renders Mermaid
  --out FILE            write to FILE instead of stdout
  --definition FILE     the ASL to draw (default: the committed asl/youtube-trending.asl.json)`;

/** The drawing of an ASL file's text; errors name the file (bad JSON) or the state (bad ASL). */
export function renderGraphFile(file: string, format: 'svg' | 'mermaid'): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read the ASL definition ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not JSON: ${(e as Error).message}`);
  }
  try {
    return format === 'mermaid' ? renderMermaid(definition) : documentSvg(definition);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

export async function graphCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      format: { type: 'string', default: 'svg' },
      out: { type: 'string' },
      definition: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'graph',
  );
  if (values.help) {
    console.log(GRAPH_USAGE);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`lakestep graph: unexpected argument "${positionals[0]}"\n${GRAPH_USAGE}`);
  const format = values.format;
  if (format !== 'svg' && format !== 'mermaid')
    throw new UsageError(`lakestep graph: --format must be svg or mermaid, not "${format}"\n${GRAPH_USAGE}`);
  const file = values.definition ? resolve(values.definition) : DEFAULT_DEFINITION;
  const output = renderGraphFile(file, format);
  if (values.out) {
    const out = resolve(values.out);
    writeFileSync(out, output);
    console.error(`wrote ${out}`);
  } else process.stdout.write(output);
  return 0;
}
