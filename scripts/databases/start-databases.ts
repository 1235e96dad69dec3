import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb } from './ferretdb';
import { startMongoMemoryServer } from './mongo-memory-server';
import { startRedisServer } from './redis-server';

export interface Databases {
  mongoUrl: string;
  /** which server answers: for logs and for verify-indexes' choice of check */
  mongoKind: 'external' | 'mongodb-memory-server' | 'ferretdb';
  /** the store's process when it was started here (the bench charges its CPU to each run) */
  mongoPid?: number | undefined;
  redisUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * The one place that finds or starts databases for dev, tests and the multi-instance harness.
 * Mongo: MONGO_URL; else real mongod via mongodb-memory-server-core; else FerretDB (built once).
 * Redis: REDIS_URL; else, when asked, a redis-server on a free port.
 */
export async function startDatabases(opts: {
  env?: NodeJS.ProcessEnv;
  /** keep data here across runs (npm start); default is a temp folder removed on stop */
  dataDir?: string;
  redis?: boolean;
  log?: (line: string) => void;
}): Promise<Databases> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const stops: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    let mongoUrl = env.MONGO_URL;
    let mongoKind: Databases['mongoKind'] = 'external';
    let mongoPid: number | undefined;
    if (!mongoUrl) {
      const tmp = opts.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'social-db-'));
      if (tmp) stops.push(async () => rmSync(tmp, { recursive: true, force: true }));
      const mongod = await startMongoMemoryServer(
        opts.dataDir ? { dataDir: join(opts.dataDir, 'mongod') } : {},
      );
      if (mongod) {
        stops.push(mongod.stop);
        mongoUrl = mongod.url;
        mongoKind = 'mongodb-memory-server';
        mongoPid = (mongod.process as { pid?: number } | undefined)?.pid;
      } else {
        const ferret = await startFerretDb({ dataDir: join(opts.dataDir ?? tmp!, 'ferretdb') });
        stops.push(ferret.stop);
        mongoUrl = ferret.url;
        mongoKind = 'ferretdb';
        mongoPid = ferret.process.pid;
      }
      log(`[databases] ${mongoKind} on ${mongoUrl}`);
    }
    let redisUrl = env.REDIS_URL;
    if (!redisUrl && opts.redis) {
      const redis = await startRedisServer();
      stops.push(redis.stop);
      redisUrl = redis.url;
      log(`[databases] redis-server on ${redisUrl}`);
    }
    return { mongoUrl, mongoKind, mongoPid, redisUrl, stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
