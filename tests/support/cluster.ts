import { type ServerProcess, startServerProcess } from './server-process';
import { freshMongoUrl, testRedisUrl } from './test-env';

export interface Cluster {
  instances: ServerProcess[];
  mongoUrl: string;
  redisUrl: string;
  /** env every instance got, to start another one like them */
  env: Record<string, string | undefined>;
  add(extraEnv?: Record<string, string | undefined>): Promise<ServerProcess>;
  stop(): Promise<void>;
}

/**
 * N real server processes sharing one fresh database and one Redis (with a fresh key prefix,
 * so clusters of parallel test files do not see each other). Always call stop() in afterAll /
 * finally; it stops every instance even if a test failed half-way.
 */
export async function startCluster(
  n: number,
  env: Record<string, string | undefined> = {},
): Promise<Cluster> {
  const mongoUrl = env.MONGO_URL ?? freshMongoUrl('cluster');
  const redisUrl = env.REDIS_URL ?? testRedisUrl();
  const prefix = `t${Math.random().toString(36).slice(2, 8)}:`;
  const shared = { MONGO_URL: mongoUrl, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, ...env };
  const instances: ServerProcess[] = [];
  const cluster: Cluster = {
    instances,
    mongoUrl,
    redisUrl,
    env: shared,
    add: async (extra = {}) => {
      const p = await startServerProcess({
        ...shared,
        INSTANCE_ID: `i${instances.length}-${prefix.slice(1, 5)}`,
        ...extra,
      });
      instances.push(p);
      return p;
    },
    stop: async () => {
      await Promise.all(instances.map((p) => p.stop()));
    },
  };
  try {
    // one at a time: the first creates indexes, the rest find them
    for (let i = 0; i < n; i++) await cluster.add();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
