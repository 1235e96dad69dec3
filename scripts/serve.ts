import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startDatabases } from './databases/start-databases';

const ROOT = resolve(__dirname, '..', '..');

/** what `npm run dev:redis` turns on: every flag that moves per-instance state to Redis */
export const REDIS_FLAGS: Record<string, string> = {
  SOCKET_ADAPTER: 'redis',
  PRESENCE_MODE: 'redis',
  USE_CACHE: 'true',
  RATE_LIMIT_STORE: 'redis',
};

/**
 * What `npm start` and `npm run dev` run: in development without MONGO_URL it starts the
 * embedded database (kept in .data/ across runs), then runs the server as a child so a
 * dev reload restarts only the server, and stops the database after the server exits.
 */
export async function serve(opts: { dev: boolean; redis?: boolean }): Promise<number> {
  const env = { ...process.env };
  if (opts.redis) {
    // `npm run dev:redis`: a throwaway redis-server (unless REDIS_URL is set) and the Redis-backed
    // flags on, each still overridable from the environment
    env.EMBEDDED_REDIS = 'true';
    for (const [name, value] of Object.entries(REDIS_FLAGS)) env[name] ||= value;
  }
  const embedded = env.NODE_ENV !== 'production' && (!env.MONGO_URL || (opts.redis && !env.REDIS_URL));
  const dbs = embedded
    ? await startDatabases({
        env,
        dataDir: resolve(ROOT, env.EMBEDDED_DATA_DIR ?? '.data'),
        redis: env.EMBEDDED_REDIS === 'true',
      })
    : undefined;
  if (dbs) {
    env.MONGO_URL = dbs.mongoUrl;
    if (dbs.redisUrl) env.REDIS_URL = dbs.redisUrl;
  }
  const [cmd, args] = opts.dev
    ? [
        join(ROOT, 'node_modules', '.bin', 'tsx'),
        ['watch', '--clear-screen=false', join(ROOT, 'backend', 'server.ts')],
      ]
    : [process.execPath, ['--enable-source-maps', join(ROOT, 'dist', 'backend', 'server.js')]];
  const child = spawn(cmd, args, { env, stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((ok) => child.once('exit', (c, s) => ok(c ?? (s ? 128 + 15 : 1))));
  await dbs?.stop();
  return code;
}

if (require.main === module) {
  serve({ dev: process.argv.includes('--dev'), redis: process.argv.includes('--redis') }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`npm start failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
