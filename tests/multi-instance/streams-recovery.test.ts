import jwt from 'jsonwebtoken';
import supertest from 'supertest';
import { registerUser, type TestUser } from '../support/api-users';
import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import {
  type ClientSocket,
  connectError,
  connected,
  nextEvent,
  request,
  SocketClients,
  socketClient,
} from '../support/socket-clients';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET } from '../support/test-env';
import { waitFor } from '../support/wait-for';

let cluster: Cluster;
let A: string;
let B: string;
const clients = new SocketClients(() => A);
const extra: ClientSocket[] = [];
let alice: TestUser;
let aliceOnA: ClientSocket;

beforeAll(async () => {
  cluster = await startCluster(2, { SOCKET_ADAPTER: 'redis-streams' });
  A = cluster.instances[0]!.url;
  B = cluster.instances[1]!.url;
  alice = await registerUser(supertest(A));
  aliceOnA = await clients.connect(alice.token, { url: A });
}, 60_000);
afterAll(async () => {
  clients.closeAll();
  for (const s of extra) s.disconnect();
  await cluster?.stop();
});

interface Pushed {
  message: { id: string; text: string };
}

const connectionsOn = async (url: string): Promise<number> =>
  (await requestJson(`${url}/health`, { token: TEST_ADMIN_TOKEN })).body.checks.socket.connections;

/** No event says "the server has seen this socket go": poll its count, with a deadline. */
async function untilConnections(url: string, expected: number): Promise<void> {
  await waitFor(
    `${url} to reach ${expected} connections`,
    () => connectionsOn(url),
    (n) => n === expected,
    5000,
    25,
  );
}

let seq = 0;

/**
 * Bob on B receives one message (so his client holds an offset), loses his transport, and
 * misses a second message. Returns what a recovering client would present.
 */
async function missedWhileAway(bob: TestUser) {
  const before = await connectionsOn(B);
  const bobOnB = await clients.connect(bob.token, { url: B });
  const warm = nextEvent<Pushed>(bobOnB, 'message:new');
  await request(aliceOnA, 'message:send', { recipientId: bob.id, text: 'warm-up', clientId: `w${++seq}` });
  await warm;
  const session = bobOnB as unknown as { _pid?: string; _lastOffset?: string; id?: string };
  const { _pid: pid, _lastOffset: offset, id } = session;
  expect(typeof pid).toBe('string');
  expect(typeof offset).toBe('string');
  const gone = nextEvent(bobOnB, 'disconnect');
  bobOnB.io.engine.close();
  await gone;
  await untilConnections(B, before);
  const missed = await request(aliceOnA, 'message:send', {
    recipientId: bob.id,
    text: 'missed',
    clientId: `m${++seq}`,
  });
  expect(missed.ok).toBe(true);
  return { pid: pid!, offset: offset!, id: id!, missed: missed.message as { id: string } };
}

/** A client that presents a recovery (pid, offset) with a token, recording every raw packet. */
function recovering(token: string, session: { pid: string; offset: string }, url: string) {
  const socket = socketClient(url, { token });
  // What socket.io-client keeps between reconnects, moved to a client of the other instance.
  Object.assign(socket, { _pid: session.pid, _lastOffset: session.offset });
  const packets: Array<{ type: number; data?: unknown[] }> = [];
  socket.io.on('packet', (p) => packets.push(p as { type: number; data?: unknown[] }));
  extra.push(socket);
  return { socket, packets };
}

describe('When a client drops and comes back with connection state recovery (redis-streams)', () => {
  it('then with its token it recovers its session on the other instance and gets what it missed', async () => {
    const bob = await registerUser(supertest(A));
    const session = await missedWhileAway(bob);
    const { socket } = recovering(bob.token, session, A);
    const replayed = nextEvent<Pushed>(socket, 'message:new');
    await connected(socket);
    expect(socket.recovered).toBe(true);
    expect(socket.id).toBe(session.id);
    expect((await replayed).message.id).toBe(session.missed.id);
  });

  it('then with an expired token it is refused and not one missed packet reaches the wire', async () => {
    const bob = await registerUser(supertest(A));
    const session = await missedWhileAway(bob);
    const expired = jwt.sign({}, TEST_JWT_SECRET, {
      subject: bob.id,
      issuer: 'social-scale',
      expiresIn: -10,
    });
    const { socket, packets } = recovering(expired, session, B);
    const err = await connectError(socket);
    expect(err.message).toBe('UNAUTHORIZED');
    expect(err.data).toEqual({ code: 'UNAUTHORIZED', message: 'Token expired' });
    expect(packets.filter((p) => p.type === 2)).toEqual([]);
  });

  it("then another user's valid token cannot take over the session", async () => {
    const [bob, mallory] = await Promise.all([registerUser(supertest(A)), registerUser(supertest(A))]);
    const session = await missedWhileAway(bob);
    const { socket, packets } = recovering(mallory.token, session, A);
    const err = await connectError(socket);
    expect(err.data).toEqual({ code: 'UNAUTHORIZED', message: 'Session belongs to another user' });
    expect(packets.filter((p) => p.type === 2)).toEqual([]);
  });
});
