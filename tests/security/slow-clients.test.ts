import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Slow clients (slowloris): a connection that sends its headers, or its body, a byte at a
 * time is closed once HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS have passed, while an
 * idle keep-alive connection between requests is governed by the keep-alive timeout alone.
 * Small timeouts here; production defaults are in docs/security.md "Limits".
 */
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
/** "closed before a generous bound": the old settings held such a connection 90 s and more */
const BOUND_MS = 15_000;

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  });
});
afterAll(() => t.close());

interface Trickle {
  socket: Socket;
  /** everything the server sent */
  received(): string;
  /** resolves true once the server closed the connection, false at the bound */
  closedWithin(ms: number): Promise<boolean>;
}

/** A raw connection that writes `head`, then one more byte every 100 ms until closed. */
async function trickle(head: string, next: () => string): Promise<Trickle> {
  const socket = connect({ host: '127.0.0.1', port: t.server.port });
  await once(socket, 'connect');
  let got = '';
  socket.on('data', (c) => {
    got += c.toString();
  });
  socket.on('error', () => {});
  const closed = once(socket, 'close').then(() => true);
  socket.write(head);
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(next());
  }, 100);
  void closed.then(() => clearInterval(timer));
  return {
    socket,
    received: () => got,
    closedWithin: async (ms) => {
      let bound: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((r) => {
        bound = setTimeout(() => r(false), ms);
      });
      const result = await Promise.race([closed, late]);
      clearTimeout(bound);
      clearInterval(timer);
      socket.destroy();
      return result;
    },
  };
}

describe('When a client sends its request headers a byte at a time', () => {
  it('then the server closes the connection once the headers timeout has passed', async () => {
    // a header value that never ends: each byte is valid, the headers are never complete
    const slow = await trickle('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ', () => 'a');
    expect(await slow.closedWithin(BOUND_MS)).toBe(true);
    expect(slow.received()).toMatch(/^(HTTP\/1\.1 408|$)/);
  });
});

describe('When a client sends its request body a byte at a time', () => {
  it('then the server closes the connection once the request timeout has passed', async () => {
    const head =
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n';
    const slow = await trickle(head, () => ' ');
    expect(await slow.closedWithin(BOUND_MS)).toBe(true);
    expect(slow.received()).toMatch(/^(HTTP\/1\.1 408|$)/);
  });
});

describe('When a keep-alive connection sits idle between requests longer than both timeouts', () => {
  it('then it stays open and serves the next request (only the keep-alive timeout closes it)', async () => {
    const socket = connect({ host: '127.0.0.1', port: t.server.port });
    await once(socket, 'connect');
    let got = '';
    socket.on('data', (c) => {
      got += c.toString();
    });
    const request = 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n';
    const answered = async (count: number) => {
      for (let i = 0; i < 100 && (got.match(/HTTP\/1\.1 200/g) ?? []).length < count; i++)
        await new Promise((r) => setTimeout(r, 50));
      return (got.match(/HTTP\/1\.1 200/g) ?? []).length;
    };
    try {
      socket.write(request);
      expect(await answered(1)).toBe(1);
      // idle past the request timeout plus Node's check interval
      await new Promise((r) => setTimeout(r, REQUEST_TIMEOUT_MS + 1500));
      expect(socket.destroyed).toBe(false);
      socket.write(request);
      expect(await answered(2)).toBe(2);
    } finally {
      socket.destroy();
    }
  });
});
