import { Types } from 'mongoose';
import { registerUser, type TestUser } from '../support/api-users';
import { nextEvent, record, request, SocketClients } from '../support/socket-clients';
import { startTestServer, type TestServer } from '../support/test-server';

let t: TestServer;
const clients = new SocketClients(() => t.url);
beforeAll(async () => {
  t = await startTestServer({ PRESENCE_GRACE_MS: '300' });
});
afterAll(async () => {
  clients.closeAll();
  await t.close();
});

interface Change {
  userId: string;
  online: boolean;
}

const follow = (who: TestUser, whom: TestUser) =>
  t.http.put(`/api/users/${whom.id}/follow`).set(who.auth).expect(200);

describe('When a client asks who is online', () => {
  it('then connected users are true and everyone else false, duplicates allowed', async () => {
    const [u, v, w] = await Promise.all([registerUser(t.http), registerUser(t.http), registerUser(t.http)]);
    await follow(w, u);
    const asker = await clients.connect(w.token);
    // presence is recorded just after the handshake: its announcement says when
    const announced = nextEvent<Change>(asker, 'presence:changed', { where: (c) => c.userId === u.id });
    await clients.connect(u.token);
    await announced;
    const res = await request(asker, 'presence:query', { userIds: [u.id, v.id, u.id, w.id] });
    expect(res).toEqual({ ok: true, online: { [u.id]: true, [v.id]: false, [w.id]: true } });
  });

  it.each([
    ['no ids', { userIds: [] }],
    ['101 ids', { userIds: Array.from({ length: 101 }, () => new Types.ObjectId().toHexString()) }],
    ['a bad id', { userIds: ['nope'] }],
    ['not a list', { userIds: 'abc' }],
  ])('then %s is VALIDATION_FAILED', async (_name, body) => {
    const u = await registerUser(t.http);
    const socket = await clients.connect(u.token);
    const res = await request(socket, 'presence:query', body);
    expect(res.ok).toBe(false);
    expect(res.error.code).toBe('VALIDATION_FAILED');
  });
});

describe("When a followed user's devices come and go", () => {
  it('then followers hear online at the first device, offline after the last, and nothing for reloads or extra devices', async () => {
    const [fan, star, marker, stranger] = await Promise.all([
      registerUser(t.http),
      registerUser(t.http),
      registerUser(t.http),
      registerUser(t.http),
    ]);
    await follow(fan, star);
    await follow(fan, marker);
    const fanSocket = await clients.connect(fan.token);
    const strangerSocket = await clients.connect(stranger.token);
    const heard = record<Change>(fanSocket, 'presence:changed');
    const strangerHeard = record<Change>(strangerSocket, 'presence:changed');
    const forStar = (online: boolean) => (c: Change) => c.userId === star.id && c.online === online;
    const forMarker = (online: boolean) => (c: Change) => c.userId === marker.id && c.online === online;

    const online = nextEvent<Change>(fanSocket, 'presence:changed', { where: forStar(true) });
    const phone = await clients.connect(star.token);
    expect(await online).toEqual({ userId: star.id, online: true });

    // a second device, then closing one of two: no change
    const laptop = await clients.connect(star.token);
    laptop.disconnect();
    // a reload of the last device within the grace period: no change
    phone.disconnect();
    const reloaded = await clients.connect(star.token);

    // the marker's own online/offline, heard after all of the above, proves none of it was announced
    const markerOn = nextEvent<Change>(fanSocket, 'presence:changed', { where: forMarker(true) });
    const markerSocket = await clients.connect(marker.token);
    await markerOn;
    const markerOff = nextEvent<Change>(fanSocket, 'presence:changed', {
      where: forMarker(false),
      timeoutMs: 3000,
    });
    markerSocket.disconnect();
    await markerOff;
    expect(heard).toEqual([
      { userId: star.id, online: true },
      { userId: marker.id, online: true },
      { userId: marker.id, online: false },
    ]);

    const offline = nextEvent<Change>(fanSocket, 'presence:changed', {
      where: forStar(false),
      timeoutMs: 3000,
    });
    reloaded.disconnect();
    expect(await offline).toEqual({ userId: star.id, online: false });
    const after = await request(fanSocket, 'presence:query', { userIds: [star.id] });
    expect(after.online[star.id]).toBe(false);
    // presence goes to followers only
    expect(strangerHeard).toEqual([]);
  });
});
