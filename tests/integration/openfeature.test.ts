import { OpenFeature } from '@openfeature/server-sdk';
import { registerUser } from '../support/api-users';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { startTestServer, type TestServer } from '../support/test-server';

const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

describe('When the server runs, OpenFeature clients read its live flags', () => {
  it('then an override through the admin API is what the next evaluation answers', async () => {
    const client = OpenFeature.getClient();
    expect(OpenFeature.getProviderMetadata().name).toBe('social-scale live flags');
    expect(await client.getBooleanValue('cache.enabled', true)).toBe(false);
    await t.http.post('/admin/flags').set(admin).send({ flag: 'cache.ttlSeconds', value: 120 }).expect(200);
    expect(await client.getNumberValue('cache.ttlSeconds', 0)).toBe(120);
    await t.http.delete('/admin/flags/cache.ttlSeconds').set(admin).expect(200);
    expect(await client.getNumberValue('cache.ttlSeconds', 0)).toBe(300);
  });

  it('then a rollout at 100 % includes a real user and at 0 % excludes them', async () => {
    const user = await registerUser(t.http);
    const client = OpenFeature.getClient();
    const ask = () => client.getBooleanValue('presence.redisReadPercent', false, { targetingKey: user.id });
    await t.http
      .post('/admin/flags')
      .set(admin)
      .send({ flag: 'presence.redisReadPercent', value: 100 })
      .expect(200);
    expect(await ask()).toBe(true);
    await t.http
      .post('/admin/flags')
      .set(admin)
      .send({ flag: 'presence.redisReadPercent', value: 0 })
      .expect(200);
    expect(await ask()).toBe(false);
  });
});
