// Jest globalSetup: the contract tests read ../shared (the reference program and the real data). Say so
// once, clearly, instead of failing dozens of tests with ENOENT when the clone is not beside it.
const { existsSync } = require('node:fs');
const { resolve } = require('node:path');

module.exports = async () => {
  const shared = process.env.LAKESTEP_SHARED ?? resolve(__dirname, '..', '..', '..', 'shared');
  const tool = resolve(shared, 'tools', 'category_daily_reference.py');
  if (!existsSync(tool))
    throw new Error(
      `lakestep tests need the shared contract at ${shared} (missing ${tool}). Clone the project beside shared/, as CI does, or set LAKESTEP_SHARED=/path/to/shared.`,
    );
};
