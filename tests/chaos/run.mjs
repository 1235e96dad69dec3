// `npm run test:chaos [-- --long] [jest args]`: the chaos suites under Jest, with a 60 s soak,
// or a 10-minute one with --long (CHAOS_LONG=1). Reports land in bench-results/chaos/.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const long = args.includes('--long');
const rest = args.filter((a) => a !== '--long');
const env = { ...process.env, CHAOS_LONG: process.env.CHAOS_LONG ?? (long ? '1' : '0') };
const res = spawnSync('npx', ['jest', '--config', 'jest.chaos.config.js', '--runInBand', ...rest], {
  stdio: 'inherit',
  env,
});
process.exit(res.status ?? 1);
