/**
 * The README's commands do all the set-up (issue 14 item 1): `npm test` gets its Chromium itself (a
 * pretest step), and `.ci/run` runs exactly the README's commands — it installs nothing of its own.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandsOf } from './helpers/docs-blocks';
import { ROOT } from './helpers/lake';

const ENSURE = join(ROOT, 'test', 'helpers', 'ensure-chromium.js');

describe('the set-up of the README commands', () => {
  it('npm test installs Chromium first when it is missing (pretest), then runs jest', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.pretest).toBe('node test/helpers/ensure-chromium.js');
    expect(pkg.scripts.test).toBe('jest');
  });

  it(".ci/run calls the README's commands in order and installs nothing itself", () => {
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    const commands = ci
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^npm /.test(l));
    const readme = commandsOf('README.md', 'quick-start')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .flatMap((l) => l.split('&&').map((c) => c.trim()));
    expect(readme).toEqual(['npm install', 'npm start', 'npm test']);
    expect(commands.filter((c) => readme.includes(c))).toEqual(readme);
    expect(commands).toEqual(expect.arrayContaining(['npm run typecheck', 'npm run lint']));
    expect(ci).not.toMatch(/apt-get|chromium/);
  });

  it('the pretest step passes at once when a Chromium is there', () => {
    const node = process.execPath;
    const out = spawnSync(node, [ENSURE], { env: { ...process.env, LAKESTEP_CHROMIUM: node } });
    expect(out.status).toBe(0);
    expect(out.stderr.toString()).toBe('');
  });

  it('the pretest step stops with what to do when it cannot get one', () => {
    const out = spawnSync(process.execPath, [ENSURE], {
      env: { ...process.env, LAKESTEP_CHROMIUM: '/nonexistent/chromium' },
    });
    expect(out.status).toBe(1);
    expect(out.stderr.toString()).toContain('LAKESTEP_CHROMIUM=/nonexistent/chromium does not exist');
  });
});
