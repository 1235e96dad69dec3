import { createTestApp, type TestApp } from '../support/test-app';
import { TEST_ADMIN_TOKEN, testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `pc${Date.now().toString(36)}:`,
    PRESENCE_MODE: 'dual-write',
    USE_REDIS_PERCENTAGE: '50',
    PRESENCE_SHADOW_READ: 'true',
  });
});
afterAll(() => t.close());

const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

describe('When GET /admin/presence/consistency is called', () => {
  it('then it needs the admin token: 401 without, 403 with a wrong one', async () => {
    const none = await t.http.get('/admin/presence/consistency');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    const wrong = await t.http
      .get('/admin/presence/consistency')
      .set({ Authorization: 'Bearer nope-nope-nope-nope' });
    expect(wrong.status).toBe(403);
  });

  it("then it reports this instance's shadow tally, which counts the reads made through services.presence", async () => {
    const first = await t.http.get('/admin/presence/consistency').set(admin);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ instance: t.services.config.instanceId, mismatches: 0 });
    expect(new Date(first.body.since).toString()).not.toBe('Invalid Date');

    await t.services.presence.add('hal', 'h1');
    await t.services.presence.add('ida', 'i1');
    // read until compared: the start-up sync (when Redis is ready) restarts the tally once
    const body = await waitFor('three comparisons', async () => {
      await t.services.presence.isOnline(['hal', 'ida', 'joe']);
      const res = await t.http.get('/admin/presence/consistency').set(admin);
      return res.body.compared >= 3 && res.body;
    });
    expect(body.mismatches).toBe(0);
    expect(body.errors).toBe(0);
  });
});
