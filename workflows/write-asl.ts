/** `npm run asl`: renders every workflow into asl/<name>.asl.json (committed). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aslFileName, renderAslText } from './render-asl';
import { WORKFLOWS } from './youtube-trending';

for (const workflow of WORKFLOWS) {
  const file = join(__dirname, '..', 'asl', aslFileName(workflow));
  writeFileSync(file, renderAslText(workflow));
  console.log(`wrote ${file}`);
}
