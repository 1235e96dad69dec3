// `npm run test:staging`: the shipped nginx config in front of real instances. Separate from
// `npm test` because it needs an nginx binary; .ci/run installs one and runs both.
const { testTimeout, maxWorkers, projects } = require('./jest.config');
const databases = projects.find((p) => p.displayName === 'databases');

/** @type {import('jest').Config} */
module.exports = {
  testTimeout,
  maxWorkers,
  projects: [
    {
      ...databases,
      displayName: 'staging',
      roots: ['<rootDir>/tests/staging'],
      testPathIgnorePatterns: ['/node_modules/'],
    },
  ],
};
