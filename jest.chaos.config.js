/**
 * The chaos suites (tests/chaos): Redis and instance faults under load in each adapter mode, the
 * reconnect storm and the soak, against real instances and a Redis of their own.
 * `npm run test:chaos` (add `--long` for a 10-minute soak instead of 60 s); run by .ci/run.
 * One file at a time: each starts three instances and 200 users' load, which is what two
 * cores can carry.
 */
const { projects } = require('./jest.config');
const databases = projects.find((p) => p.displayName === 'databases');

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 600000,
  maxWorkers: 1,
  projects: [
    {
      ...databases,
      displayName: 'chaos',
      roots: ['<rootDir>/tests/chaos'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/'],
    },
  ],
};
