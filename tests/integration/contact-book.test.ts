import { ContactBook } from '../../backend/contacts/contact-book';
import { getConversationModel } from '../../backend/modules/messages/conversation-model';
import { getFollowModel } from '../../backend/modules/users/follow-model';
import { registerUser, type TestUser } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** Reads of the relation's collections, from the connection's command monitoring. */
function countReads() {
  const seen: string[] = [];
  const client = t.services.mongo.getClient();
  const listener = (e: { commandName: string; databaseName: string; command: Record<string, unknown> }) => {
    const collection = e.command[e.commandName];
    if (
      e.databaseName === t.services.mongo.name &&
      (collection === 'follows' || collection === 'conversations')
    )
      seen.push(`${e.commandName} ${collection}`);
  };
  client.on('commandStarted', listener);
  return { seen, stop: () => client.off('commandStarted', listener) };
}

/** A contact book of its own (another instance's), with a clock the test moves. */
function book(cacheMs = 1000) {
  let now = 1_000_000;
  const contacts = new ContactBook({
    follows: getFollowModel(t.services.mongo),
    conversations: getConversationModel(t.services.mongo),
    cacheMs,
    now: () => now,
  });
  return { contacts, advance: (ms: number) => (now += ms) };
}

async function conversationBetween(a: TestUser, b: TestUser): Promise<void> {
  const res = await t.http.post('/api/messages').set(a.auth).send({ recipientId: b.id, text: 'hi' });
  expect(res.status).toBe(201);
}

describe('ContactBook: who may send typing to whom', () => {
  it('When a pair was seen sharing a conversation, then later checks answer at once with no read, even after the cache expired', async () => {
    const [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    await conversationBetween(a, b);
    const { contacts, advance } = book();
    expect(await contacts.sharesConversation(a.id, b.id)).toBe(true);

    advance(60_000); // far past cacheMs: the per-user relations are stale
    contacts.forget([a.id, b.id]); // and dropped, as a follow elsewhere would
    const reads = countReads();
    const fromA = contacts.sharesConversation(a.id, b.id);
    const fromB = contacts.sharesConversation(b.id, a.id);
    reads.stop();
    expect(fromA).toBe(true);
    expect(fromB).toBe(true);
    expect(reads.seen).toEqual([]);
  });

  it('When a message starts a conversation, then the sending instance knows the pair without a read', async () => {
    const [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    await conversationBetween(a, b);
    const reads = countReads();
    const shares = t.services.contacts.sharesConversation(a.id, b.id);
    reads.stop();
    expect(shares).toBe(true);
    expect(reads.seen).toEqual([]);
  });

  it('When users share no conversation, then the answer is no, and a conversation started later turns it to yes', async () => {
    const [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    const { contacts, advance } = book();
    expect(await contacts.sharesConversation(a.id, b.id)).toBe(false);
    await conversationBetween(a, b);
    advance(1001); // another instance hears of it at the latest when its cache expires
    expect(await contacts.sharesConversation(a.id, b.id)).toBe(true);
  });

  it('When many checks of an uncached user arrive at once, then one read of the relations serves them all', async () => {
    const [a, b, c] = [await registerUser(t.http), await registerUser(t.http), await registerUser(t.http)];
    await conversationBetween(a, b);
    const { contacts } = book();
    const reads = countReads();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => contacts.sharesConversation(a.id, i % 2 === 0 ? b.id : c.id)),
    );
    reads.stop();
    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => i % 2 === 0));
    // one read: one query of follows and one of conversations
    expect(reads.seen.sort()).toEqual(['find conversations', 'find follows']);
  });

  it('When a change is seen while a read is in flight, then that read is not cached and the next check reads again', async () => {
    const [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    const { contacts } = book(60_000);
    const before = contacts.relations('viewer', a.id);
    contacts.changed([a.id, b.id]); // announced while the read above is still in flight
    expect((await before).follows.has(b.id)).toBe(false);
    // the follow lands in the store; this book is not told again
    const follow = await t.http.put(`/api/users/${b.id}/follow`).set(a.auth);
    expect(follow.status).toBeLessThan(300);
    const after = await contacts.relations('viewer', a.id);
    expect(after.follows.has(b.id)).toBe(true);
  });
});
