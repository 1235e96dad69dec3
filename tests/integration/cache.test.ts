import { RedisCache } from '../../backend/cache/redis-cache';
import { closeRedis, createRedisClient } from '../../backend/infra/redis';
import { RedisGuard, RedisUnavailableError } from '../../backend/infra/redis-guard';
import { freePort } from '../../scripts/databases/free-port';
import { cacheContract } from '../contracts/cache.contract';
import { cacheKit } from '../support/cache-kit';
import { silentLogger } from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';

// One contract, every implementation (NoCache runs it in tests/unit/cache.test.ts).
cacheContract('redis', async () => {
  const kit = await cacheKit(testRedisUrl());
  return { cache: kit.cache, remembers: true, close: () => kit.close() };
});

describe('RedisCache', () => {
  it('When a value is set, then it lives under the configured prefix with its TTL in milliseconds', async () => {
    const kit = await cacheKit(testRedisUrl());
    try {
      await kit.cache.set('profile:v1:42', '{"a":1}', 12.3456);
      expect(await kit.redis.get(`${kit.prefix}profile:v1:42`)).toBe('{"a":1}');
      expect(await kit.redis.get('profile:v1:42')).toBeNull();
      const pttl = await kit.pttl('profile:v1:42');
      expect(pttl).toBeGreaterThan(11_000);
      expect(pttl).toBeLessThanOrEqual(12_346);
    } finally {
      await kit.close();
    }
  });

  it('When two caches have different prefixes, then neither sees nor deletes the other', async () => {
    const a = await cacheKit(testRedisUrl());
    const b = await cacheKit(testRedisUrl());
    try {
      await a.cache.set('same', 'from a', 60);
      await b.cache.set('same', 'from b', 60);
      await b.cache.del(['same']);
      expect(await a.cache.get('same')).toBe('from a');
      expect(await b.cache.get('same')).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('When Redis cannot be reached, then every call rejects with RedisUnavailableError (a 503) instead of waiting', async () => {
    const port = await freePort();
    const client = createRedisClient(`redis://127.0.0.1:${port}`, 'fail-fast', silentLogger, 'cache-down');
    const guard = new RedisGuard(client, { logger: silentLogger });
    const cache = new RedisCache({ guard, prefix: 'down:' });
    try {
      for (const call of [() => cache.get('k'), () => cache.set('k', 'v', 1), () => cache.del(['k'])]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RedisUnavailableError);
        expect((err as RedisUnavailableError).status).toBe(503);
      }
    } finally {
      guard.stop();
      await closeRedis(client);
    }
  });
});
