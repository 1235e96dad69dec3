import supertest from 'supertest';
import { buildConfig } from '../../backend/config/config';
import { type RunningServer, startServer } from '../../backend/server';
import { conforming } from './api-conformance';
import { freshMongoUrl, testServerEnv } from './test-env';

export interface TestServer {
  server: RunningServer;
  url: string;
  http: ReturnType<typeof supertest>;
  close(): Promise<void>;
}

/**
 * The whole server in this process (HTTP and Socket.IO on a free port, fresh database), for
 * single-instance socket tests that also want to look at its services. close() runs the real
 * shutdown sequence and drops the database.
 */
export async function startTestServer(env: Record<string, string | undefined> = {}): Promise<TestServer> {
  const config = buildConfig(testServerEnv({ MONGO_URL: freshMongoUrl('rt'), ...env }));
  const server = await startServer(config);
  const url = `http://127.0.0.1:${server.port}`;
  return {
    server,
    url,
    http: conforming(supertest(url)),
    close: async () => {
      await server.services.mongo.dropDatabase().catch(() => {});
      await server.shutdown('test done');
    },
  };
}
