/**
 * The security suites (tests/security): fuzzing of every route and event, the injection
 * corpus, the authorization matrix and the abuse tests. `npm run test:security` (add `--long`
 * for 10,000 fuzz cases per route and event instead of 1,000); run by .ci/run.
 */
const { maxWorkers, projects } = require('./jest.config');
const databases = projects.find((p) => p.displayName === 'databases');

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 600000,
  maxWorkers,
  projects: [
    {
      ...databases,
      displayName: 'security',
      roots: ['<rootDir>/tests/security'],
      testPathIgnorePatterns: ['/node_modules/'],
    },
  ],
};
