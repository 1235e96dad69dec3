import type { UserModel } from '../../backend/modules/users/user-model';
import { SessionVersions } from '../../backend/sessions/session-versions';

/** A users model answering findById(...).lean() from a map, counting the reads. */
function usersWith(versions: Map<string, number>) {
  const reads = { count: 0 };
  let release: () => void = () => {};
  const gate = { held: false };
  const users = {
    findById: (id: string) => ({
      lean: async () => {
        reads.count += 1;
        // what the store held when the read ran, answered once the gate opens
        const v = versions.get(id);
        if (gate.held) await new Promise<void>((r) => (release = r));
        return v === undefined ? null : { tokenVersion: v };
      },
    }),
  } as unknown as UserModel;
  return { users, reads, gate, release: () => release() };
}

describe('SessionVersions', () => {
  it('When a user’s devices ask at once, then one store read answers them all', async () => {
    const { users, reads } = usersWith(new Map([['u1', 3]]));
    const sessions = new SessionVersions({ users, cacheMs: 5000 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => sessions.current('u1')));
    expect(answers).toEqual([3, 3, 3, 3, 3]);
    expect(reads.count).toBe(1);
    expect(await sessions.current('u1')).toBe(3);
    expect(reads.count).toBe(1);
  });

  it('When the version is forgotten during a read, then that read is not cached', async () => {
    const versions = new Map([['u1', 0]]);
    const store = usersWith(versions);
    const sessions = new SessionVersions({ users: store.users, cacheMs: 5000 });
    store.gate.held = true;
    const first = sessions.current('u1');
    await new Promise((r) => setImmediate(r));
    versions.set('u1', 1);
    sessions.forget('u1');
    store.gate.held = false;
    store.release();
    expect(await first).toBe(0);
    expect(await sessions.current('u1')).toBe(1);
    expect(store.reads.count).toBe(2);
  });

  it('When the account is gone, then the version is null', async () => {
    const { users } = usersWith(new Map());
    expect(await new SessionVersions({ users, cacheMs: 5000 }).current('nobody')).toBeNull();
  });
});
