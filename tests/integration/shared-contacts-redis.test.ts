import { RedisSharedContacts } from '../../backend/contacts/redis-shared-contacts';
import { freshPrefix, useTestRedisGuard } from '../support/presence-stores';

const guard = useTestRedisGuard();

const relations = (follows: string[], partners: string[] = []) => ({
  follows: new Set(follows),
  partners: new Set(partners),
});

describe('RedisSharedContacts', () => {
  it('When relations read from the store are filled, then every reader gets them from Redis', async () => {
    const shared = new RedisSharedContacts({ guard: guard(), prefix: freshPrefix(), ttlMs: 60_000 });
    const read = await shared.get('target', 'u1');
    expect(read.relations).toBeUndefined();
    await shared.fill('target', 'u1', read.stamp, relations(['f1'], ['p1']));
    expect((await shared.get('target', 'u1')).relations).toEqual(relations(['f1'], ['p1']));
    expect((await shared.get('viewer', 'u1')).relations).toBeUndefined();
  });

  it('When the relations change between the read and the fill, then the fill is refused and the next read misses', async () => {
    const shared = new RedisSharedContacts({ guard: guard(), prefix: freshPrefix(), ttlMs: 60_000 });
    const before = await shared.get('target', 'u1');
    await shared.invalidate(['u1', 'u2']);
    await shared.fill('target', 'u1', before.stamp, relations([]));
    const after = await shared.get('target', 'u1');
    expect(after.relations).toBeUndefined();
    expect(after.stamp).not.toBe(before.stamp);
    await shared.fill('target', 'u1', after.stamp, relations(['u2']));
    expect((await shared.get('target', 'u1')).relations).toEqual(relations(['u2']));
  });

  it('When a user changes, then both sides of the shared copy go', async () => {
    const shared = new RedisSharedContacts({ guard: guard(), prefix: freshPrefix(), ttlMs: 60_000 });
    await shared.fill('viewer', 'u1', '', relations(['a']));
    await shared.fill('target', 'u1', '', relations(['b']));
    await shared.invalidate(['u1']);
    expect((await shared.get('viewer', 'u1')).relations).toBeUndefined();
    expect((await shared.get('target', 'u1')).relations).toBeUndefined();
  });

  it('When relations exceed the size shared, then they are not written', async () => {
    const shared = new RedisSharedContacts({
      guard: guard(),
      prefix: freshPrefix(),
      ttlMs: 60_000,
      maxIds: 2,
    });
    await shared.fill('target', 'u1', '', relations(['a', 'b'], ['c']));
    expect((await shared.get('target', 'u1')).relations).toBeUndefined();
  });
});
