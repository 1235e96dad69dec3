import { registerUser } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';
import { ADMIN_AUTH, TEST_ADMIN_TOKEN, testRedisUrl } from '../support/test-env';

const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: `met${Date.now()}:` });
});
afterAll(() => t.close());

const metricsText = async () => {
  const res = await t.http.get('/metrics').set(ADMIN_AUTH);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  return res.text;
};

describe('When /metrics is scraped', () => {
  it('then HTTP durations are labelled by route template, never by raw URL', async () => {
    const u = await registerUser(t.http);
    const post = await t.http.post('/api/posts').set(u.auth).send({ text: 'hello' });
    expect(post.status).toBe(201);
    expect((await t.http.get(`/api/posts/${post.body.post.id}`).set(u.auth)).status).toBe(200);
    expect((await t.http.get('/no/such/route/123')).status).toBe(404);
    // an error thrown inside a mounted route keeps its template
    expect((await t.http.get('/api/posts/not-an-id').set(u.auth)).status).toBe(400);

    const text = await metricsText();
    expect(text).toContain(
      'http_request_duration_seconds_count{method="POST",route="/api/auth/register",status="201"}',
    );
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/api/posts/:id",status="200"}',
    );
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/api/posts/:id",status="400"}',
    );
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toContain(post.body.post.id);
    expect(text).not.toContain('/no/such/route');
  });

  it('then Mongo and Redis command durations, breaker state and event-loop delay are there', async () => {
    await t.http.get('/health').set(ADMIN_AUTH);
    const text = await metricsText();
    expect(text).toMatch(/mongo_command_duration_seconds_count\{command="find",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/mongo_command_duration_seconds_count\{command="insert",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/redis_command_duration_seconds_count\{client="fail-fast",outcome="ok"\} [1-9]/);
    expect(text).toContain('redis_breaker_state{breaker="fail-fast"} 0');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/flag_refreshes_total\{trigger="start"\} 1/);
    for (const series of [
      'socketio_connections',
      'cache_requests_total',
      'presence_reads_total',
      'presence_shadow_reads_total',
      'rate_limited_total',
    ])
      expect(text).toContain(`# TYPE ${series}`);
  });

  it('then turning metrics.enabled off answers 404 at once, and on again serves them', async () => {
    const off = await t.http
      .post('/admin/flags')
      .set(admin)
      .send({ flag: 'metrics.enabled', enabled: false });
    expect(off.status).toBe(200);
    const gone = await t.http.get('/metrics').set(ADMIN_AUTH);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
    await t.http.delete('/admin/flags/metrics.enabled').set(admin);
    expect((await t.http.get('/metrics').set(ADMIN_AUTH)).status).toBe(200);
  });
});
