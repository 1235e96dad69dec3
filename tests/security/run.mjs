// `npm run test:security [-- --long] [jest args]`: the security suites under Jest, with
// 1,000 fuzz cases per route and event (FUZZ_RUNS), or 10,000 with --long.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const long = args.includes('--long');
const rest = args.filter((a) => a !== '--long');
const env = { ...process.env, FUZZ_RUNS: process.env.FUZZ_RUNS ?? (long ? '10000' : '1000') };
const res = spawnSync('npx', ['jest', '--config', 'jest.security.config.js', ...rest], {
  stdio: 'inherit',
  env,
});
process.exit(res.status ?? 1);
