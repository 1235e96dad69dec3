import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../backend/app';
import { buildConfig } from '../../backend/config/config';
import { createServices, type Services } from '../../backend/services';
import { conforming } from './api-conformance';
import { freshMongoUrl, testServerEnv } from './test-env';

export interface TestApp {
  app: Express;
  services: Services;
  http: ReturnType<typeof supertest>;
  close(): Promise<void>;
}

type Env = Record<string, string | undefined>;
let defaults: { env: Env; created?: ((app: TestApp) => void) | undefined } = { env: {} };

/**
 * To run an existing suite again under other settings (tests/integration/*-cached.test.ts):
 * env under every later createTestApp of this test file (the call's own env still wins), and
 * a hook that sees each app. The module registry is per test file, so nothing leaks.
 */
export function setTestAppDefaults(env: Env, created?: (app: TestApp) => void): void {
  defaults = { env, created };
}

/** The real app on a fresh database of the real server; close() drops it. */
export async function createTestApp(env: Env = {}): Promise<TestApp> {
  const config = buildConfig(testServerEnv({ MONGO_URL: freshMongoUrl(), ...defaults.env, ...env }));
  const services = await createServices(config);
  const app = createApp(services);
  const testApp: TestApp = {
    app,
    services,
    // every response is checked against /openapi.json (tests/support/api-conformance.ts)
    http: conforming(supertest(app)),
    close: async () => {
      await services.mongo.dropDatabase().catch(() => {});
      await services.close();
    },
  };
  defaults.created?.(testApp);
  return testApp;
}
