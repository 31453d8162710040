/**
 * `npm run asl`: renders every workflow into asl/<name>.asl.json (committed), the README's diagram and
 * docs/state-machine.svg (the committed ASL drawn by local/graph).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentSvg, renderMermaid } from '../local/graph';
import { assertWorkflow } from './check-workflow';
import { WORKFLOWS } from './project';
import { aslFileName, renderAsl, renderAslText } from './render-asl';
import { YOUTUBE_TRENDING } from './youtube-trending.workflow';

const root = join(__dirname, '..');
// A spec with a definition error fails here, before a file is written (and again at `cdk synth`).
for (const workflow of WORKFLOWS) assertWorkflow(workflow);
for (const workflow of WORKFLOWS) {
  const file = join(root, 'asl', aslFileName(workflow));
  writeFileSync(file, renderAslText(workflow));
  console.log(`wrote ${file}`);
}

const readme = join(root, 'README.md');
// One Mermaid renderer: the README shows exactly what `lakestep graph --format mermaid` prints.
const diagram = `\`\`\`mermaid\n${renderMermaid(renderAsl(YOUTUBE_TRENDING))}\`\`\`\n`;
const text = readFileSync(readme, 'utf8');
writeFileSync(
  readme,
  text.replace(/(<!-- state-machine:begin -->\n)[\s\S]*?(<!-- state-machine:end -->)/, `$1${diagram}$2`),
);
console.log(`updated the state machine diagram in ${readme}`);

const svg = join(root, 'docs', 'state-machine.svg');
writeFileSync(svg, documentSvg(renderAsl(YOUTUBE_TRENDING)));
console.log(`wrote ${svg}`);
