import { closeRedis, createRedisClient } from '../../backend/infra/redis';
import { RedisGuard } from '../../backend/infra/redis-guard';
import { MemoryQuotaCounter, RedisQuotaCounter } from '../../backend/rate-limits/user-quotas';
import { freePort } from '../../scripts/databases/free-port';
import { userQuotasContract } from '../contracts/user-quotas.contract';
import { failFastClient, freshPrefix, silentLogger } from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';

userQuotasContract('redis', async () => {
  const redis = await failFastClient(testRedisUrl());
  const guard = new RedisGuard(redis, { logger: silentLogger });
  return {
    counter: new RedisQuotaCounter({ guard, prefix: freshPrefix() }),
    close: async () => {
      guard.stop();
      await closeRedis(redis);
    },
  };
});

describe('RedisQuotaCounter', () => {
  it('When two counters share a Redis and a prefix, then they count one window, under <prefix>quota: with its expiry', async () => {
    const redis = await failFastClient(testRedisUrl());
    const guard = new RedisGuard(redis, { logger: silentLogger });
    const prefix = freshPrefix();
    try {
      const [a, b] = [new RedisQuotaCounter({ guard, prefix }), new RedisQuotaCounter({ guard, prefix })];
      expect((await a.hit('posts:u1', 60_000)).count).toBe(1);
      expect((await b.hit('posts:u1', 60_000)).count).toBe(2);
      expect(await redis.get(`${prefix}quota:posts:u1`)).toBe('2');
      const pttl = await redis.pttl(`${prefix}quota:posts:u1`);
      expect(pttl).toBeGreaterThan(50_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
    } finally {
      guard.stop();
      await closeRedis(redis);
    }
  });

  it('When Redis cannot be reached, then it counts in its fallback (memory) instead of failing', async () => {
    const port = await freePort();
    const client = createRedisClient(`redis://127.0.0.1:${port}`, 'fail-fast', silentLogger, 'quota-down');
    const guard = new RedisGuard(client, { logger: silentLogger });
    const failovers: unknown[] = [];
    const counter = new RedisQuotaCounter({
      guard,
      prefix: 'down:',
      fallback: new MemoryQuotaCounter(),
      onFallback: (err) => failovers.push(err),
    });
    try {
      expect((await counter.hit('posts:u1', 60_000)).count).toBe(1);
      expect((await counter.hit('posts:u1', 60_000)).count).toBe(2);
      expect(failovers.length).toBeGreaterThan(0);
    } finally {
      guard.stop();
      await closeRedis(client);
    }
  });
});
