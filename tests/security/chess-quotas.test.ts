import { registerUser, type TestUser } from '../support/api-users';
import { request, SocketClients } from '../support/socket-clients';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Caps of open things in chess (docs/security.md "Limits"): pending challenges per challenger,
 * in total and to one opponent, answered 409 TOO_MANY_OPEN_CHALLENGES with no game and no
 * notification created; and game rooms one socket may join (game:join), answered RATE_LIMITED.
 */
const PER_OPPONENT = 2;
const PER_USER = 4;
const ROOMS = 3;

let t: TestServer;
const clients = new SocketClients(() => t.url);
beforeAll(async () => {
  t = await startTestServer({
    QUOTA_OPEN_INVITES: String(PER_USER),
    QUOTA_OPEN_INVITES_PER_RECIPIENT: String(PER_OPPONENT),
    QUOTA_ROOMS_PER_SOCKET: String(ROOMS),
  });
});
afterAll(async () => {
  clients.closeAll();
  await t.close();
});

const challenge = (from: TestUser, to: TestUser) =>
  t.http.post('/api/games').set(from.auth).send({ opponentId: to.id });

async function pendingGamesOf(user: TestUser): Promise<number> {
  const res = await t.http.get('/api/games?status=pending&limit=100').set(user.auth);
  expect(res.status).toBe(200);
  return res.body.games.length;
}

async function notificationsOf(user: TestUser): Promise<number> {
  const res = await t.http.get('/api/notifications?limit=100').set(user.auth);
  expect(res.status).toBe(200);
  return res.body.notifications.length;
}

describe('When one user challenges one opponent more often than the open cap allows', () => {
  it('then the challenges over it are 409 TOO_MANY_OPEN_CHALLENGES, and no game or notification is created', async () => {
    const [spammer, victim] = [await registerUser(t.http), await registerUser(t.http)];
    const statuses: number[] = [];
    for (let i = 0; i < PER_OPPONENT + 3; i++) {
      const res = await challenge(spammer, victim);
      statuses.push(res.status);
      if (res.status === 409) expect(res.body.error.code).toBe('TOO_MANY_OPEN_CHALLENGES');
    }
    expect(statuses).toEqual([...Array(PER_OPPONENT).fill(201), 409, 409, 409]);
    expect(await pendingGamesOf(victim)).toBe(PER_OPPONENT);
    expect(await notificationsOf(victim)).toBe(PER_OPPONENT);
  });

  it('then a burst of 30 challenges at once leaves exactly the cap open', async () => {
    const [spammer, victim] = [await registerUser(t.http), await registerUser(t.http)];
    const answers = await Promise.all(Array.from({ length: 30 }, () => challenge(spammer, victim)));
    for (const res of answers) expect([201, 409]).toContain(res.status);
    const created = answers.filter((r) => r.status === 201).length;
    expect(created).toBe(PER_OPPONENT);
    expect(await pendingGamesOf(victim)).toBe(created);
    expect(await notificationsOf(victim)).toBe(created);
  });
});

describe('When one user has as many open challenges as the total cap allows', () => {
  it('then a challenge to anyone else is 409 until one of them is accepted', async () => {
    const spammer = await registerUser(t.http);
    const others = await Promise.all(Array.from({ length: PER_USER + 1 }, () => registerUser(t.http)));
    const games: string[] = [];
    for (const other of others.slice(0, PER_USER)) {
      const res = await challenge(spammer, other);
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      games.push(res.body.game.id);
    }
    const last = others[PER_USER]!;
    const refused = await challenge(spammer, last);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('TOO_MANY_OPEN_CHALLENGES');
    expect(await pendingGamesOf(last)).toBe(0);
    expect(await notificationsOf(last)).toBe(0);

    // an accepted challenge is no longer open
    const accepted = await t.http.post(`/api/games/${games[0]}/accept`).set(others[0]!.auth);
    expect(accepted.status).toBe(200);
    expect((await challenge(spammer, last)).status).toBe(201);
  });
});

describe('When one socket joins more game rooms than the per-socket cap', () => {
  it('then the join over it is answered RATE_LIMITED, and a leave makes room again', async () => {
    const watcher = await registerUser(t.http);
    const challengers = await Promise.all(Array.from({ length: ROOMS + 1 }, () => registerUser(t.http)));
    const gameIds: string[] = [];
    for (const c of challengers) {
      const res = await challenge(c, watcher);
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      gameIds.push(res.body.game.id);
    }
    const socket = await clients.connect(watcher.token);
    for (const gameId of gameIds.slice(0, ROOMS)) {
      const ack = await request(socket, 'game:join', { gameId });
      expect(ack).toMatchObject({ ok: true });
    }
    // joining one already joined again is no new room
    expect(await request(socket, 'game:join', { gameId: gameIds[0] })).toMatchObject({ ok: true });
    const over = await request(socket, 'game:join', { gameId: gameIds[ROOMS] });
    expect(over).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });

    expect(await request(socket, 'game:leave', { gameId: gameIds[0] })).toMatchObject({ ok: true });
    expect(await request(socket, 'game:join', { gameId: gameIds[ROOMS] })).toMatchObject({ ok: true });
  });
});
