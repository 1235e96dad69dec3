/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // staging tests need nginx: `npm run test:staging` (jest.staging.config.js)
  testPathIgnorePatterns: ['/node_modules/', '/tests/staging/'],
  // SWC strips types without a TypeScript API, so the test transform does not depend on
  // the compiler version (TypeScript 7 ships no JS API for ts-jest); `tsc` type-checks in the build.
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs', ignoreDynamic: true } },
    ],
  },
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
