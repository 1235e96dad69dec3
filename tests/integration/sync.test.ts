import { Types } from 'mongoose';
import { ActorProfiles } from '../../backend/modules/notifications/actor-profiles';
import { SyncService } from '../../backend/modules/sync/sync-service';
import { getUserModel } from '../../backend/modules/users/user-model';
import { registerUser, type TestUser } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  [alice, bob, carol] = await Promise.all([registerUser(t.http), registerUser(t.http), registerUser(t.http)]);
});
afterAll(() => t.close());

/** A sync with a small cap and no settle window: these tests are about paging alone. */
const pagingSync = (limit: number) =>
  new SyncService({
    messages: t.services.messages,
    notifications: t.services.notifications,
    actors: new ActorProfiles({ users: getUserModel(t.services.mongo), max: 100, ttlMs: 60_000 }),
    settleMs: 0,
    limit,
  });

const send = (from: TestUser, to: TestUser, text: string) =>
  t.http.post('/api/messages').set(from.auth).send({ recipientId: to.id, text }).expect(201);

describe('When a client syncs after a time', () => {
  it('then it gets every message to or from it and its notifications after that time, oldest first', async () => {
    await send(alice, bob, 'before');
    const since = new Date();
    await new Promise((r) => setTimeout(r, 5)); // a distinct millisecond after `since`
    await send(alice, bob, 'to bob');
    await send(bob, alice, 'from bob');
    await send(alice, carol, 'not bob');
    const res = await t.services.sync.since(bob.id, since);
    expect(res.messages.map((m) => m.text)).toEqual(['to bob', 'from bob']);
    expect(res.notifications.map((n) => [n.kind, n.text])).toEqual([['message', 'to bob']]);
    expect(res.hasMore).toBe(false);
    // the messages are newer than the settle window: `until` stays behind them, so a message
    // committed late with an earlier createdAt is not skipped (they may come again: dedupe by id)
    expect(Date.parse(res.until)).toBeLessThan(Date.parse(res.messages[0]!.createdAt));
    expect(Date.parse(res.until)).toBeLessThanOrEqual(Date.now() - t.services.config.sync.settleMs);
  });

  it('then a capped answer cuts both lists at one instant and the next call resumes with no gap or repeat', async () => {
    const dave = await registerUser(t.http);
    const since = new Date(Date.now() - 1);
    const texts: string[] = [];
    for (let i = 0; i < 7; i++) {
      texts.push(`m${i}`);
      await send(alice, dave, `m${i}`);
    }
    const sync = pagingSync(3);
    const messages: string[] = [];
    const notifications: string[] = [];
    let from = since;
    for (let calls = 0; calls < 10; calls++) {
      const res = await sync.since(dave.id, from);
      messages.push(...res.messages.map((m) => m.text));
      notifications.push(...res.notifications.map((n) => n.text ?? ''));
      for (const m of res.messages) expect(new Date(m.createdAt) <= new Date(res.until)).toBe(true);
      if (!res.hasMore) break;
      from = new Date(res.until);
    }
    expect(messages).toEqual(texts);
    expect(notifications).toEqual(texts);
  });

  it('then rows sharing a millisecond are never split between calls', async () => {
    const erin = await registerUser(t.http);
    const conversation = new Types.ObjectId();
    const base = Date.now() - 60_000;
    const at = (ms: number) => new Date(base + ms);
    // four messages in one millisecond straddle a cap of 3
    await t.services.mongo.collection('messages').insertMany(
      [0, 1, 1, 1, 1, 2].map((ms, i) => ({
        conversation,
        sender: new Types.ObjectId(alice.id),
        recipient: new Types.ObjectId(erin.id),
        text: `t${i}`,
        clientId: `tie-${i}`,
        createdAt: at(ms),
      })),
    );
    const sync = pagingSync(3);
    const first = await sync.since(erin.id, at(-1));
    expect(first.messages.map((m) => m.text)).toEqual(['t0']);
    expect(first.hasMore).toBe(true);
    const second = await sync.since(erin.id, new Date(first.until));
    // more rows in one millisecond than the cap: that millisecond comes whole, over the cap
    expect(second.messages.map((m) => m.text)).toEqual(['t1', 't2', 't3', 't4']);
    const rest: string[] = [];
    let from = new Date(second.until);
    for (let i = 0; i < 5; i++) {
      const res = await sync.since(erin.id, from);
      rest.push(...res.messages.map((m) => m.text));
      if (!res.hasMore) break;
      from = new Date(res.until);
    }
    expect(rest).toEqual(['t5']);
  });
});
