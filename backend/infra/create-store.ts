import type { Connection } from 'mongoose';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { closeMongo, connectMongo } from './mongo';
import { observeMongoCommands } from './mongo-metrics';

export interface Store {
  mongo: Connection;
  /**
   * Creates the indexes of every model registered on the connection so far. Unique indexes
   * carry correctness (idempotent follows, likes and sends), so they must exist before the
   * first request, not whenever autoIndex gets to them.
   */
  ensureIndexes(): Promise<void>;
  close(): Promise<void>;
}

/** The MongoDB (or compatible) connection, with command metrics. */
export async function createStore(deps: {
  mongoUrl: string | undefined;
  logger: Logger;
  metrics: Metrics;
}): Promise<Store> {
  if (!deps.mongoUrl)
    throw new Error('MONGO_URL is not set (npm start provides an embedded database in development)');
  const mongo = await connectMongo(deps.mongoUrl, deps.logger);
  observeMongoCommands(mongo, deps.metrics);
  return {
    mongo,
    ensureIndexes: async () => {
      await Promise.all(Object.values(mongo.models).map((m) => m.createIndexes()));
    },
    close: () => closeMongo(mongo),
  };
}
