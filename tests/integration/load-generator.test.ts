import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { type Pair, runOpenLoop, type Workload } from '../../scripts/load/open-loop';
import { connectSocket } from '../../scripts/load/virtual-users';
import { messageSendWorkload, typingWorkload } from '../../scripts/load/workloads';

/**
 * The load generator behind `npm run bench` against a real in-process Socket.IO server whose
 * handlers can be told to drop: what it calls lost must be exactly what the server dropped.
 */
let http: HttpServer;
let io: Server;
let url: string;
let dropEvery = 0; // 0 = deliver everything; n = every n-th send is acked but not delivered
let refuseEvery = 0; // n = every n-th message:send answers ok: false
const clients: Socket[] = [];

beforeAll(async () => {
  http = createServer();
  io = new Server(http);
  io.use((socket, next) => {
    socket.data.userId = String(socket.handshake.auth.token);
    next();
  });
  let n = 0;
  io.on('connection', (socket) => {
    void socket.join(socket.data.userId as string);
    socket.on('typing', (p: { recipientId: string }) => {
      n++;
      if (dropEvery && n % dropEvery === 0) return;
      io.to(p.recipientId).emit('typing', { userId: socket.data.userId, typing: true });
    });
    socket.on('message:send', (p: { recipientId: string; clientId: string }, ack: (r: unknown) => void) => {
      n++;
      if (refuseEvery && n % refuseEvery === 0) return ack({ ok: false, error: { code: 'UNAVAILABLE' } });
      if (!(dropEvery && n % dropEvery === 0))
        io.to(p.recipientId).emit('message:new', { message: { clientId: p.clientId } });
      ack({ ok: true });
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  io.close();
});

beforeEach(() => {
  dropEvery = 0;
  refuseEvery = 0;
});

async function pairs(n: number): Promise<Pair[]> {
  const out: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const senderId = `s${i}-${Math.random()}`;
    const receiverId = `r${i}-${Math.random()}`;
    const sender = await connectSocket(url, senderId);
    const receiver = await connectSocket(url, receiverId);
    clients.push(sender, receiver);
    out.push({ sender, receiver, senderId, receiverId });
  }
  return out;
}

const LOST_WAIT_MS = 1500;

const run = (ps: Pair[], workload: Workload, graceMs = 2000) =>
  runOpenLoop({
    label: 'test',
    pairs: ps,
    workload,
    ratePerSecond: 200,
    durationMs: 500,
    graceMs,
    runTag: `t${Math.random().toString(36).slice(2, 6)}.`,
  });

describe('When the server delivers every send', () => {
  it('then message:send reports every send acked and delivered, none lost', async () => {
    const r = await run(await pairs(4), messageSendWorkload);
    expect(r.sent).toBe(100);
    expect(r.acked).toBe(100);
    expect(r.delivered).toBe(100);
    expect(r.lost).toBe(0);
    expect(r.latency.count).toBe(100);
  });

  it('then typing (matched in order per pair) reports every send delivered', async () => {
    const r = await run(await pairs(4), typingWorkload);
    expect(r.delivered).toBe(100);
    expect(r.lost).toBe(0);
    expect(r.unexpected).toBe(0);
  });
});

describe('When the server acks some sends but never delivers them', () => {
  it('then exactly those are counted lost and recorded at the full wait', async () => {
    dropEvery = 10;
    // the wait is long enough for every ack on a machine busy with other suites
    const r = await run(await pairs(4), messageSendWorkload, LOST_WAIT_MS);
    expect(r.acked).toBe(100);
    expect(r.lost).toBe(10);
    expect(r.delivered).toBe(90);
    expect(r.latency.count).toBe(100);
    expect(r.latency.max).toBeGreaterThanOrEqual(LOST_WAIT_MS);
  });

  it('then a dropped typing event counts as lost', async () => {
    dropEvery = 5;
    const r = await run(await pairs(2), typingWorkload, LOST_WAIT_MS);
    expect(r.lost).toBe(20);
    expect(r.delivered).toBe(80);
  });
});

describe('When the server refuses some sends in the ack', () => {
  it('then they count as ack errors by code, not as lost', async () => {
    refuseEvery = 4;
    const r = await run(await pairs(2), messageSendWorkload);
    expect(r.ackErrors).toEqual({ UNAVAILABLE: 25 });
    expect(r.lost).toBe(0);
    expect(r.delivered).toBe(75);
  });
});
