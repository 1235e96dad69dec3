import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { type NginxProcess, startNginx } from '../../scripts/staging/nginx-process';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * The shipped nginx config caps the connections one client address holds at once (limit_conn:
 * WebSockets and other requests in progress), and leaves loopback uncapped. Measured with raw
 * WebSocket upgrades from this machine's non-loopback address.
 */
const CAP = Number(
  /limit_conn per_address (\d+);/.exec(
    readFileSync(join(__dirname, '..', '..', 'deploy', 'nginx', 'nginx.conf'), 'utf8'),
  )?.[1],
);
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a?.family === 'IPv4' && !a.internal)?.address;

let app: TestServer;
let nginx: NginxProcess;
const held: Socket[] = [];
beforeAll(async () => {
  app = await startTestServer({ TRUST_PROXY: '1' });
  nginx = await startNginx([app.server.port], { host: '0.0.0.0' });
});
afterAll(async () => {
  for (const s of held) s.destroy();
  await nginx?.stop();
  await app?.close();
});

/** A raw engine.io WebSocket upgrade through nginx; resolves with the status code nginx answered. */
async function upgrade(host: string): Promise<number> {
  const socket = connect({ host, port: nginx.port });
  held.push(socket);
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(
    'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n' +
      `Host: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString())?.[1]);
}

const maybe = external ? describe : describe.skip;
maybe('When one client address opens more WebSockets through nginx than the cap', () => {
  it('then those over the cap get 429 and loopback is not capped', async () => {
    expect(CAP).toBeGreaterThan(0);
    const opened: number[] = [];
    // a few at a time: each one held open counts until the end of the test
    for (let i = 0; i < CAP; i += 20)
      opened.push(
        ...(await Promise.all(Array.from({ length: Math.min(20, CAP - i) }, () => upgrade(external!)))),
      );
    expect(opened.filter((s) => s === 101)).toHaveLength(CAP);
    expect(await upgrade(external!)).toBe(429);
    expect(await upgrade('127.0.0.1')).toBe(101);
  });
});
