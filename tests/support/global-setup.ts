import { join } from 'node:path';
import { startDatabases } from '../../scripts/databases/start-databases';

/**
 * Starts the databases once for the whole run (FerretDB is built on first use) and hands
 * their URLs to the test workers through env, which workers inherit when Jest spawns them.
 */
export default async function globalSetup(): Promise<void> {
  // Multi-instance tests run dist/ as production does; compile it if the sources are newer.
  const { ensureBuilt } = (await import(join(__dirname, '..', '..', 'scripts', 'start.mjs'))) as {
    ensureBuilt(opts: { allowTypeErrors: boolean }): void;
  };
  ensureBuilt({ allowTypeErrors: true });
  const dbs = await startDatabases({ redis: true, log: (l) => process.stderr.write(`${l}\n`) });
  process.env.TEST_MONGO_URL = dbs.mongoUrl;
  process.env.TEST_MONGO_KIND = dbs.mongoKind;
  process.env.TEST_REDIS_URL = dbs.redisUrl;
  (globalThis as { __databases__?: typeof dbs }).__databases__ = dbs;
}
