/**
 * One runbook per alarm, current with the workflow, no orphan, and no dead link: every relative link
 * resolves to a file, and every `lakestep` command a runbook cites is one the CLI has.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { alarmsFor, RUNBOOK_DIR } from '../workflows/alarms';
import { sourceAlarmsFor } from '../workflows/fetch-alarms';
import { runbookFiles } from '../workflows/monitoring-runbooks';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

const ROOT = resolve(__dirname, '..');
// Pipeline alarms and the sources' fetch alarms (a source's per-region staleness alarms share one runbook).
const alarms = [...alarmsFor(YOUTUBE_TRENDING), ...sourceAlarmsFor(YOUTUBE_TRENDING)];
const runbooks = [...new Set(alarms.map((a) => a.runbook))];
const files = runbookFiles(YOUTUBE_TRENDING);
const docs = readdirSync(join(ROOT, RUNBOOK_DIR)).filter((f) => f.endsWith('.md'));
const STALE = 'run `npx tsx workflows/monitoring-write-runbooks.ts`';

describe('runbooks', () => {
  it('has exactly one runbook per alarm, plus the index', () => {
    expect(docs.sort()).toEqual(
      [...runbooks.map((r) => r.slice(RUNBOOK_DIR.length + 1)), 'README.md'].sort(),
    );
    for (const a of alarms) expect(existsSync(join(ROOT, a.runbook))).toBe(true);
  });

  it.each([...files.keys()])(`%s is current (else ${STALE})`, (path) => {
    expect([path, readFileSync(join(ROOT, path), 'utf8') === files.get(path)]).toEqual([path, true]);
  });

  it('has no dead relative link', () => {
    const dead: string[] = [];
    for (const f of [...docs.map((d) => join(RUNBOOK_DIR, d)), 'docs/monitoring.md']) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^https?:/.test(target as string)) continue;
        const path = (target as string).split('#')[0] as string;
        if (!existsSync(resolve(join(ROOT, dirname(f)), path))) dead.push(`${f} → ${target}`);
      }
    }
    expect(dead).toEqual([]);
  });

  it('says what it means, what to check, how to diagnose and how to replay', () => {
    for (const a of alarms) {
      const text = files.get(a.runbook) as string;
      for (const h of ['## What it means', '## First checks', '## Diagnose', '## Fix and replay'])
        expect([a.id, text.includes(h)]).toEqual([a.id, true]);
      // A shared runbook (one per source for its regions' staleness alarms) is written for any region.
      const region = a.type === 'metric' && a.scope.type === 'source' ? a.scope.region : null;
      expect(text).toContain(region ? a.summary.replaceAll(region, '<CC>') : a.summary);
      expect(text).toMatch(/npx lakestep (replay|rerun|status)/);
    }
  });

  it('cites only lakestep commands and flags the CLI has', () => {
    const known: Record<string, string[]> = {
      status: ['--lake', '--json', '--limit', '--now'],
      replay: [
        '--lake',
        '--aws',
        '--failed',
        '--since',
        '--state',
        '--error',
        '--dry-run',
        '--restart',
        '--yes',
        '--json',
        '--state-machine-arn',
      ],
      rerun: ['--object', '--lake'],
      run: ['--data', '--lake', '--json', '--inject-fault', '--concurrency'],
      backfill: ['--aws', '--state-machine-arn', '--rate', '--concurrency', '--dry-run', '--json'],
      query: ['--lake', '--json'],
      inspect: ['--lake', '--port', '--open'],
      fetch: ['--region', '--date', '--api-url', '--lake', '--json'],
    };
    for (const [path, text] of files)
      for (const [, command, rest] of text.matchAll(/npx lakestep (\w+)([^\n`]*)/g)) {
        expect([path, command, Object.keys(known).includes(command as string)]).toEqual([
          path,
          command,
          true,
        ]);
        for (const [flag] of (rest as string).matchAll(/--[a-z-]+/g))
          expect([path, command, flag, known[command as string]?.includes(flag)]).toEqual([
            path,
            command,
            flag,
            true,
          ]);
      }
  });

  it('names only states the workflow has', () => {
    const states = new Set(YOUTUBE_TRENDING.steps.map((s) => s.stateName));
    for (const [path, text] of files)
      for (const [, state] of text.matchAll(/--(?:state|inject-fault) "([^":]+)/g))
        expect([path, state, states.has(state as string)]).toEqual([path, state, true]);
  });
});
