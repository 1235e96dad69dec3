// `npm run test:staging`: the shipped nginx config in front of real instances. Separate from
// `npm test` because it needs an nginx binary; .ci/run installs one and runs both.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = { ...base, roots: ['<rootDir>/tests/staging'], testPathIgnorePatterns: ['/node_modules/'] };
