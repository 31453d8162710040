#!/usr/bin/env node
// `npm test`'s pretest step: the inspector's browser tests drive Debian's Chromium through
// playwright-core (nothing downloaded by npm). On a fresh machine it is missing, so install it with
// apt-get, non-interactively; say clearly what to do when that cannot work. See docs/decisions/0017.
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');

const CHROMIUM = process.env.LAKESTEP_CHROMIUM ?? '/usr/bin/chromium';

function fail(message) {
  console.error(`\nlakestep tests: ${message}\n`);
  process.exit(1);
}

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

if (existsSync(CHROMIUM)) process.exit(0);
if (process.env.LAKESTEP_CHROMIUM)
  fail(`LAKESTEP_CHROMIUM=${CHROMIUM} does not exist: point it at a Chromium binary, or unset it.`);
if (!has('apt-get'))
  fail(
    `the inspector's browser tests need Chromium at ${CHROMIUM} and this machine has no apt-get to install it: install Chromium and set LAKESTEP_CHROMIUM=/path/to/chromium.`,
  );

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = root
  ? []
  : spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0
    ? ['sudo', '-n']
    : null;
if (!sudo)
  fail(
    `the inspector's browser tests need Chromium at ${CHROMIUM}; installing it needs root: run \`sudo apt-get install -y chromium\` once (or set LAKESTEP_CHROMIUM=/path/to/chromium), then npm test again.`,
  );

console.error(
  `lakestep tests: no Chromium at ${CHROMIUM}; installing Debian's chromium with apt-get (once)…`,
);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
// Wait for another apt/dpkg run (another test run installing it too) instead of failing on its lock.
const lock = ['-o', 'DPkg::Lock::Timeout=600'];
const apt = (args) => {
  const [cmd, ...rest] = [...sudo, 'apt-get', ...lock, ...args];
  return spawnSync(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
};
if (!apt(['update', '-qq'])) fail('`apt-get update` failed (see above): cannot install chromium.');
if (!apt(['install', '-y', '-qq', 'chromium'])) fail('`apt-get install chromium` failed (see above).');
if (!existsSync(CHROMIUM)) fail(`apt-get installed chromium, but ${CHROMIUM} is still missing.`);
console.error(`lakestep tests: installed ${CHROMIUM}.`);
