import type { Redis } from 'ioredis';
import { closeRedis } from '../../backend/infra/redis';
import type { AnnouncedPresence } from '../../backend/presence/announced-presence';
import { MemoryAnnouncedPresence } from '../../backend/presence/memory-announced-presence';
import { RedisAnnouncedPresence } from '../../backend/presence/redis-announced-presence';
import { startRedisServer } from '../../scripts/databases/redis-server';
import { failFastClient, freshPrefix, silentLogger } from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';

const clients: Redis[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => closeRedis(c)));
});

async function redisLedger(prefix = freshPrefix(), url = testRedisUrl()): Promise<RedisAnnouncedPresence> {
  const redis = await failFastClient(url);
  clients.push(redis);
  return new RedisAnnouncedPresence({ redis, prefix, logger: silentLogger });
}

/** The one contract every implementation keeps. */
describe.each([
  ['memory', async (): Promise<AnnouncedPresence> => new MemoryAnnouncedPresence()],
  ['redis', (): Promise<AnnouncedPresence> => redisLedger()],
])('When presence changes are recorded in the %s ledger', (_name, make) => {
  it('then only a change of state reports true, per user', async () => {
    const ledger = await make();
    expect(await ledger.flip('u1', true)).toBe(true);
    expect(await ledger.flip('u1', true)).toBe(false);
    expect(await ledger.flip('u2', true)).toBe(true);
    expect(await ledger.flip('u1', false)).toBe(true);
    expect(await ledger.flip('u1', false)).toBe(false);
    expect(await ledger.flip('u2', true)).toBe(false);
  });

  it('then going offline without having been online is no change (nothing recorded = offline)', async () => {
    const ledger = await make();
    expect(await ledger.flip('u3', false)).toBe(false);
    expect(await ledger.flip('u3', true)).toBe(true);
  });
});

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
