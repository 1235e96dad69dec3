import { randomBytes } from 'node:crypto';
import { startDatabases } from '../databases/start-databases';
import { type ServerProcess, startServerProcess } from '../servers/server-process';
import { type NginxProcess, startNginx } from './nginx-process';

export interface Staging {
  /** nginx: what clients use */
  url: string;
  adminToken: string;
  instances: ServerProcess[];
  nginx: NginxProcess;
  mongoUrl: string;
  redisUrl: string;
  /** the env every instance got, to start another one like them */
  env: Record<string, string | undefined>;
  /** nginx, then the instances (graceful), then the databases this started */
  stop(): Promise<void>;
}

/**
 * What staging sets unless the caller's env says otherwise: the Redis-backed flags a
 * multi-instance deployment needs, and auth limits for a loopback where every client is
 * 127.0.0.1 (one IP would otherwise be 20 logins a minute for the whole load test).
 */
export const STAGING_DEFAULTS: Record<string, string> = {
  NODE_ENV: 'production',
  // nginx on this host is the one hop in front, and the only way in (docs/security.md)
  HOST: '127.0.0.1',
  TRUST_PROXY: '1',
  SOCKET_ADAPTER: 'redis',
  PRESENCE_MODE: 'redis',
  RATE_LIMIT_STORE: 'redis',
  RATE_LIMIT_AUTH_MAX: '1000',
  RATE_LIMIT_API_MAX: '100000',
  // the load test signs its virtual users up from the one loopback address
  REGISTER_LIMIT_PER_HOUR: '100000',
  // the load test's few virtual users post and open conversations far faster than people do
  QUOTA_POSTS_PER_MINUTE: '100000',
  QUOTA_FOLLOWS_PER_MINUTE: '100000',
  QUOTA_CONVERSATIONS_PER_HOUR: '100000',
};

/** Variables of the launcher's own, never passed to the instances. */
const LAUNCHER_ONLY = ['PORT', 'INSTANCE_ID', 'STAGING_PORT', 'STAGING_INSTANCES', 'INSTANCE_URL'];

/**
 * The staging topology on loopback: the shipped deploy/nginx/nginx.conf in front of `instances`
 * built servers, sharing Redis (REDIS_URL or a redis-server of its own) and a MongoDB
 * (MONGO_URL or the embedded store in a temp folder). Flags and every other server variable come
 * from env over STAGING_DEFAULTS. `npm run staging` and the staging test suite both start it here.
 */
export async function startStaging(
  opts: {
    env?: NodeJS.ProcessEnv;
    instances?: number;
    port?: number;
    progress?: (line: string) => void;
  } = {},
): Promise<Staging> {
  const source = opts.env ?? process.env;
  const log = opts.progress ?? (() => {});
  const n = opts.instances ?? 3;
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  };
  try {
    log('databases: starting (MONGO_URL / REDIS_URL when set, else embedded)…');
    const dbs = await startDatabases({ env: source, redis: true, log });
    stops.push(dbs.stop);
    const mongoUrl = source.MONGO_URL || `${dbs.mongoUrl}/staging`;
    const redisUrl = dbs.redisUrl!;
    const passed = Object.fromEntries(
      Object.entries(source).filter(([k, v]) => v !== undefined && v !== '' && !LAUNCHER_ONLY.includes(k)),
    );
    const env: Record<string, string | undefined> = {
      ...STAGING_DEFAULTS,
      ...passed,
      MONGO_URL: mongoUrl,
      REDIS_URL: redisUrl,
      JWT_SECRET: source.JWT_SECRET || randomBytes(32).toString('hex'),
      ADMIN_TOKEN: source.ADMIN_TOKEN || randomBytes(24).toString('hex'),
    };
    const instances: ServerProcess[] = [];
    stops.push(async () => {
      await Promise.all(instances.map((p) => p.stop(20000)));
    });
    // one at a time: the first creates the indexes, the rest find them
    for (let i = 1; i <= n; i++) {
      log(`instance app${i}: starting…`);
      const p = await startServerProcess({ ...env, INSTANCE_ID: `app${i}` });
      instances.push(p);
      log(`instance app${i}: ready on ${p.url}`);
    }
    log('nginx: starting with deploy/nginx/nginx.conf…');
    const nginx = await startNginx(
      instances.map((p) => p.port),
      opts.port ? { port: opts.port } : {},
    );
    stops.push(nginx.stop);
    log(`nginx: ${nginx.url}`);
    return {
      url: nginx.url,
      adminToken: env.ADMIN_TOKEN!,
      instances,
      nginx,
      mongoUrl,
      redisUrl,
      env,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
