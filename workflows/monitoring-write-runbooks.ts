/** `npx tsx workflows/monitoring-write-runbooks.ts`: renders docs/runbooks/ from the workflow (committed). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNBOOK_DIR } from './alarms';
import { runbookFiles } from './monitoring-runbooks';
import { YOUTUBE_TRENDING } from './youtube-trending.workflow';

const root = join(__dirname, '..');
const files = runbookFiles(YOUTUBE_TRENDING);
mkdirSync(join(root, RUNBOOK_DIR), { recursive: true });
// A runbook whose alarm is gone is removed: a stale runbook would send on-call the wrong way.
for (const f of readdirSync(join(root, RUNBOOK_DIR)))
  if (f.endsWith('.md') && !files.has(`${RUNBOOK_DIR}/${f}`)) rmSync(join(root, RUNBOOK_DIR, f));
for (const [path, text] of files) writeFileSync(join(root, path), text);
console.log(`wrote ${files.size} files in ${join(root, RUNBOOK_DIR)}`);
