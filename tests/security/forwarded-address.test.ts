import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { connectError, SocketClients } from '../support/socket-clients';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Who may name the client's address. A worker believes X-Forwarded-For only from the proxies
 * TRUST_PROXY names (a hop count or addresses/CIDRs), and a worker behind a local proxy binds
 * loopback (HOST), so nobody else reaches it to send the header at all. The login limiter and
 * the handshake limit key on the address this yields (docs/security.md "Client addresses").
 */

const AUTH_MAX = 5;
const HANDSHAKE_MAX = 3;
const limits = {
  RATE_LIMIT_AUTH_MAX: String(AUTH_MAX),
  SOCKET_HANDSHAKE_MAX: String(HANDSHAKE_MAX),
};

let n = 0;
/** a different documentation address (RFC 5737) on every call */
const anotherAddress = () => `203.0.113.${(n++ % 250) + 1}`;

async function login(t: TestServer, forwardedFor?: string): Promise<number> {
  const res = await fetch(`${t.url}/api/auth/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    body: JSON.stringify({ login: 'nobody-here', password: 'wrong-password-1' }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** A handshake with a bad token: UNAUTHORIZED while under the limit, RATE_LIMITED over it. */
async function handshake(clients: SocketClients, forwardedFor?: string): Promise<string> {
  const err = await connectError(
    clients.open({
      token: 'not-a-token',
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    }),
  );
  return err.message;
}

/** an address of this machine that is not loopback, if it has one */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(3000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('When a worker is started with the pm2 config (behind the local nginx)', () => {
  it('then it binds loopback only, so a client on another interface cannot reach it to forward an address', async () => {
    const { apps } = require(join(__dirname, '..', '..', 'ecosystem.config.js')) as {
      apps: Array<{ name: string; env: Record<string, string>; env_production?: Record<string, string> }>;
    };
    const worker = apps.find((a) => a.name === 'social-scale-1')!;
    // what `pm2 start ecosystem.config.js --env production` gives a worker
    const env = { ...worker.env, ...worker.env_production };
    expect(env.HOST).toBe('127.0.0.1');
    const t = await startTestServer({ HOST: env.HOST, TRUST_PROXY: env.TRUST_PROXY });
    try {
      expect((t.server.http.address() as { address: string }).address).toBe('127.0.0.1');
      expect(await reachable('127.0.0.1', t.server.port)).toBe(true);
      const external = externalAddress();
      if (external) expect(await reachable(external, t.server.port)).toBe(false);
    } finally {
      await t.close();
    }
  });
});

describe('When TRUST_PROXY names a proxy and a client that is not it sends X-Forwarded-For', () => {
  let t: TestServer;
  const clients = new SocketClients(() => t.url);
  beforeAll(async () => {
    // the proxy is elsewhere; this test's client (loopback) is an ordinary client
    t = await startTestServer({ ...limits, TRUST_PROXY: '10.20.30.40, 192.168.77.0/24' });
  });
  afterAll(async () => {
    clients.closeAll();
    await t?.close();
  });

  it('then its logins are limited on its own address whatever address it claims', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_MAX + 3; i++) statuses.push(await login(t, anotherAddress()));
    expect(statuses.slice(0, AUTH_MAX)).toEqual(Array(AUTH_MAX).fill(401));
    expect(statuses.slice(AUTH_MAX)).toEqual([429, 429, 429]);
  });

  it('then its Socket.IO handshakes are limited on its own address whatever address it claims', async () => {
    const answers: string[] = [];
    for (let i = 0; i < HANDSHAKE_MAX + 2; i++) answers.push(await handshake(clients, anotherAddress()));
    expect(answers).toEqual([...Array(HANDSHAKE_MAX).fill('UNAUTHORIZED'), 'RATE_LIMITED', 'RATE_LIMITED']);
  });
});

describe('When the peer is a proxy TRUST_PROXY names', () => {
  let t: TestServer;
  const clients = new SocketClients(() => t.url);
  beforeAll(async () => {
    // this test's client stands in for the proxy: it connects from loopback
    t = await startTestServer({ ...limits, TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    clients.closeAll();
    await t?.close();
  });

  it('then logins and handshakes are counted per forwarded client address, the same for both', async () => {
    const [a, b] = ['198.51.100.7', '198.51.100.8'];
    const logins: number[] = [];
    for (let i = 0; i <= AUTH_MAX; i++) logins.push(await login(t, a));
    expect(logins.at(-1)).toBe(429);
    expect(await login(t, b)).toBe(401);

    const handshakes: string[] = [];
    for (let i = 0; i <= HANDSHAKE_MAX; i++) handshakes.push(await handshake(clients, a));
    expect(handshakes.at(-1)).toBe('RATE_LIMITED');
    expect(await handshake(clients, b)).toBe('UNAUTHORIZED');
    // the proxy's own requests (no header) are its own address, not a forwarded one
    expect(await handshake(clients)).toBe('UNAUTHORIZED');
  });
});
