// SWC strips types without a TypeScript API, so the test transform does not depend on
// the compiler version (TypeScript 7 ships no JS API for ts-jest); `tsc` type-checks in the build.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { target: 'es2022' }, module: { type: 'commonjs', ignoreDynamic: true } },
  ],
};

/**
 * Two projects: tests/unit needs no database, so it has no global setup (`npm run test:unit`,
 * or `npx jest tests/unit/x.test.ts`, starts nothing); the rest share the databases the global
 * setup starts once. Jest runs a project's global setup only when one of its tests runs.
 * @type {import('jest').Config}
 */
const base = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform,
};

/** @type {import('jest').Config} */
module.exports = {
  // global options: a project's own testTimeout would be ignored
  testTimeout: 30000,
  maxWorkers: 2,
  projects: [
    { ...base, displayName: 'unit', roots: ['<rootDir>/tests/unit'] },
    {
      ...base,
      displayName: 'databases',
      roots: ['<rootDir>/tests'],
      // staging tests need nginx: `npm run test:staging` (jest.staging.config.js); the security
      // suites run on their own: `npm run test:security` (jest.security.config.js), and so do the
      // chaos suites: `npm run test:chaos` (jest.chaos.config.js)
      testPathIgnorePatterns: [
        '/node_modules/',
        '/tests/staging/',
        '/tests/unit/',
        '/tests/security/',
        '/tests/chaos/',
      ],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
    },
  ],
};
