import { Agent, request as httpRequest } from 'node:http';
import { canConnect } from '../../scripts/databases/free-port';
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
  const response = new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
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
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }),
        );
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

/** status and raw headers of one request on a fresh connection (node:http keeps Connection) */
function rawGet(url: string): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    // a keep-alive client of its own, so what the server says about the connection is its choice
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const req = httpRequest(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        agent.destroy();
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('When an instance is draining', () => {
  it('then a new Socket.IO session is sent elsewhere (503) while keep-alive stays on, a session already here keeps working, and once it stops listening responses say Connection: close', async () => {
    const draining = await startServerProcess({
      MONGO_URL: freshMongoUrl('drain'),
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: `dr${Date.now()}:`,
      SHUTDOWN_DRAIN_MS: '1500',
    });
    try {
      const before = await rawGet(`${draining.url}/health/live`);
      expect(before).toEqual({ status: 200, connection: 'keep-alive' });
      // a polling session opened before the signal
      const handshake = await requestJson(`${draining.url}/socket.io/?EIO=4&transport=polling`);
      expect(handshake.status).toBe(200);
      const sid = JSON.parse(String(handshake.body).slice(1)).sid as string;
      // a request in flight across the whole shutdown: it ends after the listener has closed
      const slow = startSlowRequest(draining.url, {
        username: 'drain_late',
        email: 'drainlate@example.test',
        password: 'correct horse battery',
      });
      await slow.sent;

      draining.kill('SIGTERM');
      await waitFor(
        'readiness 503',
        () => requestJson(`${draining.url}/health/ready`),
        (r) => r.status === 503,
        1000,
        20,
      );
      // draining, still listening: a keep-alive client is not told to reconnect (nginx would
      // reconnect here, and a connection queued when the listener closes is reset)
      expect(await rawGet(`${draining.url}/health/live`)).toEqual({ status: 200, connection: 'keep-alive' });
      const fresh = await rawGet(`${draining.url}/socket.io/?EIO=4&transport=polling`);
      expect(fresh.status).toBe(503);
      // the session from before still answers (its pending packet: the CONNECT it has not sent)
      const existing = await rawGet(`${draining.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
      expect(existing.status).toBe(200);

      const port = Number(new URL(draining.url).port);
      await waitFor(
        'the listener closed',
        () => canConnect(port),
        (open) => !open,
        5000,
        20,
      );
      slow.finish();
      const late = await slow.response;
      expect(late.status).toBe(201);
      expect(late.connection).toBe('close');
      expect(await draining.exited).toEqual({ code: 0, signal: null });
    } finally {
      await draining.stop();
    }
  });
});
