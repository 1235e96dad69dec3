import type { RedisClient } from '../../backend/infra/redis';
import { InstanceHeartbeat, listInstances } from '../../backend/instances/instance-heartbeat';
import { freshInstanceIds, PresenceReaper } from '../../backend/presence/presence-reaper';
import { RedisPresenceStore } from '../../backend/presence/redis-presence-store';
import { freshPrefix, silentLogger } from '../support/presence-stores';

/**
 * What the reaper promises on any Redis it runs on (a single Redis, a Redis Cluster): a dead
 * instance's entries go, everyone else's stay, and each user lost is reported once.
 */
export function presenceReaperContract(name: string, client: () => RedisClient): void {
  describe(`Presence reaper contract: ${name}`, () => {
    let redis: RedisClient;
    beforeAll(() => {
      redis = client();
    });

    const heartbeat = (prefix: string, instanceId: string) =>
      new InstanceHeartbeat({
        redis,
        prefix,
        instanceId,
        version: 'test',
        logger: silentLogger,
        stats: () => ({ connections: 0, flagVersion: 0 }),
      });

    describe('When an instance holding presence entries has no heartbeat', () => {
      it("then a sweep removes its entries and leaves live instances' and the sweeper's own", async () => {
        const prefix = freshPrefix();
        const store = (id: string) => new RedisPresenceStore({ redis, prefix, instanceId: id });
        const [self, live, dead] = [store('self'), store('live'), store('dead')];
        await heartbeat(prefix, 'live').beat();
        await self.add('u1', 's-self');
        await live.add('u1', 's-live');
        await dead.add('u1', 's-dead');
        await dead.add('u2', 's-dead2');
        const reaper = new PresenceReaper({
          store: self,
          liveInstanceIds: freshInstanceIds(() => listInstances(redis, prefix), 60_000),
          intervalMs: 1000,
          logger: silentLogger,
        });
        const reaped: string[][] = [];
        reaper.onReaped((users) => reaped.push(users));

        expect(await reaper.sweep()).toEqual(['dead']);
        // both users lost a device; u1 is still online elsewhere, which the listener checks itself
        expect(reaped.map((u) => [...u].sort())).toEqual([['u1', 'u2']]);
        expect(await self.count('u1')).toBe(2);
        expect((await self.socketsOn(['u1'], 'dead')).get('u1')!.size).toBe(0);
        expect(await self.count('u2')).toBe(0);
        expect((await self.instancesWithEntries()).sort()).toEqual(['live', 'self']);
        expect(await reaper.sweep()).toEqual([]);
        expect(reaped).toHaveLength(1);
      });

      it('then an entry re-added by a new incarnation under the same id after the reap is kept', async () => {
        const prefix = freshPrefix();
        const reborn = new RedisPresenceStore({ redis, prefix, instanceId: 'x' });
        await reborn.add('u1', 's-old');
        expect(await reborn.purgeInstance('x')).toEqual(['u1']);
        await reborn.add('u1', 's-new');
        expect(await reborn.count('u1')).toBe(1);
        expect(await reborn.ownCount()).toBe(1);
      });
    });

    it('When a dead instance held many users, then every one of them is reaped and reported', async () => {
      const prefix = freshPrefix();
      const dead = new RedisPresenceStore({ redis, prefix, instanceId: 'many' });
      const self = new RedisPresenceStore({ redis, prefix, instanceId: 'self' });
      const users = Array.from({ length: 300 }, (_, i) => `user-${i}`);
      await Promise.all(users.map((u) => dead.add(u, `s-${u}`)));
      expect((await self.purgeInstance('many')).sort()).toEqual([...users].sort());
      expect([...(await self.isOnline(users)).values()].filter(Boolean)).toEqual([]);
      expect(await self.instancesWithEntries()).toEqual([]);
    });

    describe('When a heartbeat key exists but was not refreshed for longer than staleAfter', () => {
      afterEach(() => jest.useRealTimers());

      it('then the instance does not count as live', async () => {
        const prefix = freshPrefix();
        // only Date is faked: the stale instance's last beat carries a time 26 s ago
        jest.useFakeTimers({
          now: Date.now() - 26_000,
          doNotFake: [
            'setTimeout',
            'clearTimeout',
            'setInterval',
            'clearInterval',
            'setImmediate',
            'clearImmediate',
            'nextTick',
            'queueMicrotask',
            'hrtime',
            'performance',
          ],
        });
        await heartbeat(prefix, 'stale').beat();
        jest.useRealTimers();
        await heartbeat(prefix, 'fresh').beat();

        expect((await listInstances(redis, prefix)).map((i) => i.id).sort()).toEqual(['fresh', 'stale']);
        expect([...(await freshInstanceIds(() => listInstances(redis, prefix), 25_000)())]).toEqual([
          'fresh',
        ]);
        expect((await freshInstanceIds(() => listInstances(redis, prefix), 30_000)()).size).toBe(2);
      });
    });
  });
}
