import { ActorProfiles } from '../../backend/modules/notifications/actor-profiles';
import { getUserModel } from '../../backend/modules/users/user-model';
import { registerUser, type TestUser } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let alice: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.http);
});
afterAll(() => t.close());

const rename = (user: TestUser, name: string) =>
  t.http.patch('/api/users/me').set(user.auth).send({ name }).expect(200);

/** A cache of its own, so the reads these tests count are its alone. */
function freshProfiles() {
  const users = getUserModel(t.services.mongo);
  let reads = 0;
  const counted = Object.create(users, {
    findById: {
      value: (...args: Parameters<typeof users.findById>) => {
        reads++;
        return users.findById(...args);
      },
    },
  }) as typeof users;
  return { actors: new ActorProfiles({ users: counted, max: 100, ttlMs: 600_000 }), reads: () => reads };
}

describe('When a sender is looked up for message notifications', () => {
  it('then concurrent lookups share one read and later ones read nothing', async () => {
    const { actors, reads } = freshProfiles();
    const [a, b] = await Promise.all([actors.get(alice.id), actors.get(alice.id)]);
    expect(a).toEqual({ id: alice.id, username: alice.username, name: expect.any(String) });
    expect(b).toEqual(a);
    expect(actors.get(alice.id)).toEqual(a);
    expect(reads()).toBe(1);
  });

  it('then a rename on this instance is shown at once, through the app', async () => {
    await t.services.actors.get(alice.id);
    await rename(alice, 'Alice Renamed');
    expect(await t.services.actors.get(alice.id)).toEqual(expect.objectContaining({ name: 'Alice Renamed' }));
  });

  it('then a read the rename overtook answers its caller but is not kept', async () => {
    const { actors, reads } = freshProfiles();
    await rename(alice, 'Before');
    const inFlight = actors.get(alice.id);
    actors.forget(alice.id);
    await rename(alice, 'After');
    expect(await inFlight).toEqual(expect.objectContaining({ name: expect.any(String) }));
    expect(await actors.get(alice.id)).toEqual(expect.objectContaining({ name: 'After' }));
    expect(reads()).toBe(2);
  });

  it('then renames are told to listeners (the other instances) once each, and forget drops the name', async () => {
    const { actors } = freshProfiles();
    const told: string[] = [];
    const stop = actors.onRenamed((id) => told.push(id));
    await actors.get(alice.id);
    actors.renamed(alice.id);
    stop();
    actors.renamed(alice.id);
    expect(told).toEqual([alice.id]);
    await rename(alice, 'Told');
    expect(await actors.get(alice.id)).toEqual(expect.objectContaining({ name: 'Told' }));
  });
});
