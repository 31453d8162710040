#!/usr/bin/env node
// Entry point for `npx lakestep` and `npm start`: runs the TypeScript CLI through tsx, so nothing is
// compiled or bundled at install time.
require('tsx/cjs');
require('./main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
