import { closeRedis, type RedisClient, type RedisTarget } from '../../backend/infra/redis';
import { RedisGuard } from '../../backend/infra/redis-guard';
import { RedisAnnouncedPresence } from '../../backend/presence/redis-announced-presence';
import { MemoryEventBudget } from '../../backend/realtime/memory-event-budget';
import { MemorySocketCap } from '../../backend/realtime/memory-socket-cap';
import { RedisEventBudget } from '../../backend/realtime/redis-event-budget';
import { RedisSocketCap } from '../../backend/realtime/redis-socket-cap';
import { announcedPresenceContract } from '../contracts/announced-presence.contract';
import { cacheContract } from '../contracts/cache.contract';
import { presenceReaperContract } from '../contracts/presence-reaper.contract';
import { presenceStoreContract } from '../contracts/presence-store.contract';
import { cacheKit } from '../support/cache-kit';
import { failFastClient, freshPrefix, presenceKit, silentLogger } from '../support/presence-stores';
import { type RedisClusterHandle, startRedisCluster } from '../support/redis-cluster';

// The store-level contracts again, on a 3-master Redis Cluster: every key a command, script or
// transaction touches must hash to one slot there, which a single Redis never checks.
let cluster: RedisClusterHandle;
let target: RedisTarget;
let redis: RedisClient;
const clients: RedisClient[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  target = { clusterNodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) };
  redis = await failFastClient(target);
}, 60_000);
afterAll(async () => {
  await Promise.all([redis, ...clients].map((c) => closeRedis(c)));
  await cluster?.stop();
});

presenceStoreContract('redis, on a Redis Cluster', async () => {
  const kit = await presenceKit(target);
  return { store: kit.redisStore, close: () => kit.close() };
});
presenceStoreContract('switching, redis mode, on a Redis Cluster', async () => {
  const kit = await presenceKit(target, { flags: { 'presence.mode': 'redis' } });
  return { store: kit.switching, close: () => kit.close() };
});
presenceReaperContract('a Redis Cluster', () => redis);
cacheContract('redis, on a Redis Cluster', async () => {
  const kit = await cacheKit(target);
  return { cache: kit.cache, remembers: true, close: () => kit.close() };
});
announcedPresenceContract('Redis Cluster', async () => {
  const client = await failFastClient(target);
  clients.push(client);
  return new RedisAnnouncedPresence({ redis: client, prefix: freshPrefix(), logger: silentLogger });
});

describe('When a user’s presence keys are written on a Redis Cluster', () => {
  it('then they share one hash slot, and users spread over every master', async () => {
    const prefix = freshPrefix();
    const kit = await presenceKit(target, { prefix });
    try {
      const users = Array.from({ length: 12 }, (_, i) => `spread-${i}`);
      for (const u of users) await kit.redisStore.add(u, 's1');
      const owners = new Set<number>();
      for (const u of users) {
        const hash = await cluster.masterOf(`${prefix}presence:u:{${u}}`);
        expect(await cluster.masterOf(`${prefix}presence:announced:{${u}}`)).toBe(hash);
        owners.add(hash);
      }
      expect(owners.size).toBe(3);
    } finally {
      await kit.close();
    }
  });
});

describe('When the socket cap and the event budget run on a Redis Cluster', () => {
  it('then the cap refuses past its maximum and refreshes entries of users on every shard', async () => {
    const guard = new RedisGuard(redis, { logger: silentLogger });
    const prefix = freshPrefix();
    const cap = new RedisSocketCap({
      guard,
      prefix,
      max: 2,
      local: new MemorySocketCap(1000),
      ttlMs: 60_000,
    });
    try {
      expect(await cap.admit('capped', 'a')).toBe(true);
      expect(await cap.admit('capped', 'b')).toBe(true);
      expect(await cap.admit('capped', 'c')).toBe(false);
      const users = Array.from({ length: 20 }, (_, i) => `refreshed-${i}`);
      for (const u of users) expect(await cap.admit(u, 's')).toBe(true);
      for (const u of users) await redis.pexpire(`${prefix}sockets:{${u}}`, 1000);
      await cap.refresh();
      for (const u of users) expect(await redis.pttl(`${prefix}sockets:{${u}}`)).toBeGreaterThan(1000);
    } finally {
      cap.stop();
      guard.stop();
    }
  });

  it('then the budget is shared through the cluster and runs out at its burst', async () => {
    const guard = new RedisGuard(redis, { logger: silentLogger });
    const settings = { ratePerSecond: 0.01, burst: 3 };
    const budget = new RedisEventBudget({
      guard,
      prefix: freshPrefix(),
      settings,
      fallback: new MemoryEventBudget(settings),
      onFallback: (err) => {
        throw err;
      },
    });
    try {
      const taken = [];
      for (let i = 0; i < 4; i++) taken.push(await budget.take('spender'));
      expect(taken).toEqual([true, true, true, false]);
    } finally {
      guard.stop();
    }
  });
});
