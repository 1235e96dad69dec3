import type { RedisClient } from '../../backend/infra/redis';
import { closeRedis } from '../../backend/infra/redis';
import { RedisAnnouncedPresence } from '../../backend/presence/redis-announced-presence';
import { startRedisServer } from '../../scripts/databases/redis-server';
import { announcedPresenceContract } from '../contracts/announced-presence.contract';
import { failFastClient, freshPrefix, silentLogger } from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';

const clients: RedisClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => closeRedis(c)));
});

async function redisLedger(prefix = freshPrefix(), url = testRedisUrl()): Promise<RedisAnnouncedPresence> {
  const redis = await failFastClient(url);
  clients.push(redis);
  return new RedisAnnouncedPresence({ redis, prefix, logger: silentLogger });
}

// The memory ledger runs the same contract in tests/unit/announced-presence.test.ts.
announcedPresenceContract('redis', () => redisLedger());

describe('When two instances record the same change at once in Redis', () => {
  it('then exactly one of them reports it', async () => {
    const prefix = freshPrefix();
    const [a, b] = await Promise.all([redisLedger(prefix), redisLedger(prefix)]);
    for (const online of [true, false, true]) {
      const results = await Promise.all([a.flip('star', online), b.flip('star', online)]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('then a different key prefix is another app: its record is separate', async () => {
    const [a, b] = await Promise.all([redisLedger(), redisLedger()]);
    expect(await a.flip('shared', true)).toBe(true);
    expect(await b.flip('shared', true)).toBe(true);
  });
});

describe('When Redis is away', () => {
  it('then the ledger decides from its own view instead of failing', async () => {
    const server = await startRedisServer();
    try {
      const ledger = await redisLedger(freshPrefix(), server.url);
      expect(await ledger.flip('u', true)).toBe(true);
      await server.stop();
      expect(await ledger.flip('u', true)).toBe(false);
      expect(await ledger.flip('u', false)).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
