import { request as httpRequest } from 'node:http';
import { requestJson } from '../support/http-json';
import { type ServerProcess, startServerProcess } from '../support/server-process';
import { freshMongoUrl, testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({
    MONGO_URL: freshMongoUrl('shutdown'),
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `sd${Date.now()}:`,
    SHUTDOWN_DRAIN_MS: '1500',
  });
});
afterAll(() => server?.stop());

/**
 * A request the server has started but cannot finish until we send the rest of its body: an
 * in-flight request under our control, on a keep-alive connection.
 */
function startSlowRequest(url: string, body: object) {
  const payload = Buffer.from(JSON.stringify(body));
  const half = Math.floor(payload.length / 2);
  let finish!: () => void;
  let sentHalf!: () => void;
  const sent = new Promise<void>((resolve) => {
    sentHalf = resolve;
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      `${url}/api/auth/register`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          connection: 'keep-alive',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.write(payload.subarray(0, half), () => sentHalf());
    finish = () => req.end(payload.subarray(half));
  });
  return { response, sent, finish: () => finish() };
}

describe('When SIGTERM arrives while requests are in flight', () => {
  it('then readiness is 503 during the drain, the in-flight requests complete, and the exit code is 0', async () => {
    const inflight = [0, 1, 2].map((i) =>
      startSlowRequest(server.url, {
        username: `drain_${i}`,
        email: `drain${i}@example.test`,
        password: 'correct horse battery',
      }),
    );
    // headers and half of each body are on the wire before the signal
    await Promise.all(inflight.map((r) => r.sent));
    server.kill('SIGTERM');

    const ready = await waitFor(
      'readiness 503',
      () => requestJson(`${server.url}/health/ready`),
      (r) => r.status === 503,
      1000,
      20,
    );
    expect(ready.body).toEqual({ status: 'fail', reason: 'shutting down' });
    // still serving during the drain: liveness passes
    expect((await requestJson(`${server.url}/health/live`)).status).toBe(200);

    for (const r of inflight) r.finish();
    const results = await Promise.all(inflight.map((r) => r.response));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(JSON.parse(results[0]!.body).user.username).toBe('drain_0');

    expect(await server.exited).toEqual({ code: 0, signal: null });
    const out = server.output();
    expect(out).toContain('shutdown: readiness off, draining');
    expect(out).toContain('shutdown: done');
    expect(out).not.toContain('shutdown timed out');
  });
});
