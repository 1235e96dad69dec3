import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache-dir';
import type { ChildService } from './child-service';

const RETRY_AFTER_MS = 7 * 24 * 3600 * 1000;

function markerFile(): string {
  return join(cacheDir(), 'mongodb-memory-server.failed');
}

/** A recent failed download is remembered so an offline machine does not wait on every start. */
export function recentlyFailed(): string | undefined {
  const file = markerFile();
  if (!existsSync(file)) return undefined;
  try {
    const { at, error } = JSON.parse(readFileSync(file, 'utf8')) as { at: number; error: string };
    return Date.now() - at < RETRY_AFTER_MS ? error : undefined;
  } catch {
    return undefined;
  }
}

/** Real mongod through mongodb-memory-server-core, where its binary can be downloaded. */
export async function startMongoMemoryServer(
  opts: { dataDir?: string } = {},
): Promise<ChildService | undefined> {
  if (process.env.SKIP_MONGODB_MEMORY_SERVER === 'true' || recentlyFailed()) return undefined;
  let mod: typeof import('mongodb-memory-server-core');
  try {
    mod = require('mongodb-memory-server-core') as typeof import('mongodb-memory-server-core');
  } catch {
    return undefined; // a production install without dev dependencies
  }
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  try {
    const server = await mod.MongoMemoryServer.create({
      instance: {
        ip: '127.0.0.1',
        ...(opts.dataDir ? { dbPath: opts.dataDir, storageEngine: 'wiredTiger' } : {}),
      },
      binary: { version: '7.0.14' },
    });
    const url = new URL(server.getUri());
    return {
      url: `mongodb://127.0.0.1:${url.port}`,
      port: Number(url.port),
      process: server.instanceInfo?.instance.mongodProcess as never,
      stop: async () => {
        await server.stop({ doCleanup: !opts.dataDir });
      },
    };
  } catch (err) {
    process.stderr.write(
      `[databases] mongodb-memory-server unavailable (${(err as Error).message.split('\n')[0]}); remembered for 7 days\n`,
    );
    writeFileSync(
      markerFile(),
      JSON.stringify({ at: Date.now(), error: String((err as Error).message).slice(0, 500) }),
    );
    return undefined;
  }
}
