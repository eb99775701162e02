// Shared by every project's jest.config.js. Tests are TypeScript compiled by SWC; each
// test run gets one PostgreSQL server (DATABASE_URL's, or an embedded one) with a migrated
// template database, and each test file clones its own database from it (@cec/testing).
const { join } = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
    // temporal-polyfill (and its temporal-utils) ship ES modules only: Node 20 runs them, jest's CommonJS runtime needs them compiled.
    '^.+/node_modules/(temporal-polyfill|temporal-utils)/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(temporal-polyfill|temporal-utils)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/**/*.test.ts'],
  globalSetup: join(__dirname, 'libs/testing/src/global-setup.ts'),
  globalTeardown: join(__dirname, 'libs/testing/src/global-teardown.ts'),
  testTimeout: 60_000,
  // The machine is shared: two workers per project keeps runs steady.
  maxWorkers: 2,
};
