import mongoose, { type Connection } from 'mongoose';
import type { Logger } from './logger';

// Defence in depth behind zod: filters built from user input cannot smuggle operators
// ({"$ne": null}) and unknown filter paths throw instead of being silently dropped.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

export async function connectMongo(url: string, logger: Logger): Promise<Connection> {
  const conn = mongoose.createConnection(url, {
    serverSelectionTimeoutMS: 5000,
    // Fail fast while the database is away (503) instead of queueing requests until it returns.
    bufferCommands: false,
    maxPoolSize: 20,
    // command events feed mongo_command_duration_seconds (infra/mongo-metrics.ts)
    monitorCommands: true,
    // FerretDB and MongoDB both answer ping; autoIndex stays on so a fresh database gets its
    // indexes (syncIndexes at start is the documented, idempotent way to keep them in step).
    autoIndex: true,
  });
  // a disconnect we asked for (shutdown) is not news
  conn.on('disconnected', () =>
    closing.has(conn) ? logger.debug('mongo closed') : logger.warn('mongo disconnected'),
  );
  conn.on('reconnected', () => logger.info('mongo reconnected'));
  conn.on('error', (err: Error) => logger.error({ err }, 'mongo error'));
  await conn.asPromise();
  return conn;
}

const closing = new WeakSet<Connection>();

export async function closeMongo(conn: Connection): Promise<void> {
  closing.add(conn);
  await conn.close();
}

export async function pingMongo(conn: Connection): Promise<number> {
  const started = performance.now();
  if (!conn.db) throw new Error('mongo not connected');
  await conn.db.admin().ping();
  return performance.now() - started;
}
