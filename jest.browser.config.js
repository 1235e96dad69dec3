/**
 * The browser suite (tests/browser): playwright-core driving Debian's Chromium
 * (/usr/bin/chromium, `apt-get install -y chromium`) against real instances with Redis.
 * `npm run test:browser`; run by .ci/run. Screenshots land in test-results/browser/.
 */
const { projects } = require('./jest.config');
const databases = projects.find((p) => p.displayName === 'databases');

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  // each file starts its own instances and a browser: one at a time on a 2-core machine
  maxWorkers: 1,
  projects: [
    {
      ...databases,
      displayName: 'browser',
      roots: ['<rootDir>/tests/browser'],
      testPathIgnorePatterns: ['/node_modules/'],
    },
  ],
};
