import { createTestApp, type TestApp } from '../support/test-app';
import { ADMIN_AUTH } from '../support/test-env';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ INSTANCE_ID: 'health-test' });
});
afterAll(() => t.close());

describe('When health is asked', () => {
  it('then live passes and ready is 200 while the database answers', async () => {
    expect((await t.http.get('/health/live')).body).toEqual({ status: 'pass' });
    expect((await t.http.get('/health/ready')).status).toBe(200);
  });

  it('then /health has the contract shape with the database checked', async () => {
    const res = await t.http.get('/health').set(ADMIN_AUTH);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      instance: 'health-test',
      version: expect.any(String),
      uptimeSeconds: expect.any(Number),
      checks: { database: { status: 'ok', latencyMs: expect.any(Number) }, redis: { status: 'disabled' } },
    });
    expect(new Date(res.body.timestamp).toString()).not.toBe('Invalid Date');
  });

  it('then /health/features lists every flag', async () => {
    const res = await t.http.get('/health/features').set(ADMIN_AUTH);
    expect(res.body.instance).toBe('health-test');
    expect(res.body.flags).toMatchObject({
      'presence.mode': 'memory',
      'cache.enabled': false,
      'socket.adapter': 'memory',
    });
  });

  it('then readiness turns 503 the moment draining starts', async () => {
    const other = await createTestApp();
    try {
      other.services.readiness.startDraining();
      const res = await other.http.get('/health/ready');
      expect(res.status).toBe(503);
      expect((await other.http.get('/health/live')).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('then a database that is gone makes ready 503 and /health fail', async () => {
    const other = await createTestApp();
    await other.services.mongo.close();
    try {
      expect((await other.http.get('/health/ready')).status).toBe(503);
      const res = await other.http.get('/health').set(ADMIN_AUTH);
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('fail');
      expect(res.body.checks.database.status).toBe('fail');
      const api = await other.http.post('/api/auth/login').send({ login: 'someone', password: 'whatever1' });
      expect(api.status).toBe(503);
      expect(api.body.error.code).toBe('UNAVAILABLE');
    } finally {
      await other.close();
    }
  });
});
