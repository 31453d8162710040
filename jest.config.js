/** Jest runs TypeScript through @swc/jest (fast, no type-check: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // ESM-only dependencies are transformed to CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet-writer|hyparquet|aws-local-stepfunctions)/)'],
  setupFiles: ['<rootDir>/local/polyfills.ts'],
  globalSetup: '<rootDir>/test/helpers/check-shared.js',
  testTimeout: 120000,
  // Both cores of a CI machine: jest's default on 2 cores is a single worker, and CI had grown past
  // its ~15 minutes. Tests start their own services on free ports, so two files run side by side.
  maxWorkers: 2,
};
