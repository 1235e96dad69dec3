import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../backend/app';
import { buildConfig } from '../../backend/config/config';
import { createServices, type Services } from '../../backend/services';
import { freshMongoUrl, testServerEnv } from './test-env';

export interface TestApp {
  app: Express;
  services: Services;
  http: ReturnType<typeof supertest>;
  close(): Promise<void>;
}

/** The real app on a fresh database of the real server; close() drops it. */
export async function createTestApp(env: Record<string, string | undefined> = {}): Promise<TestApp> {
  const config = buildConfig(testServerEnv({ MONGO_URL: freshMongoUrl(), ...env }));
  const services = await createServices(config);
  const app = createApp(services);
  return {
    app,
    services,
    http: supertest(app),
    close: async () => {
      await services.mongo.dropDatabase().catch(() => {});
      await services.close();
    },
  };
}
