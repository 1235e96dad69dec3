import { RedisOutboxJournal } from '../../backend/features/outbox/redis-outbox-journal';
import { closeRedis, type RedisClient } from '../../backend/infra/redis';
import { RedisGuard } from '../../backend/infra/redis-guard';
import { outboxJournalContract } from '../contracts/outbox-journal.contract';
import { failFastClient, freshPrefix, silentLogger } from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';

let redis: RedisClient;
let guard: RedisGuard;
beforeAll(async () => {
  redis = await failFastClient(testRedisUrl());
  guard = new RedisGuard(redis, { logger: silentLogger });
});
afterAll(async () => {
  guard.stop();
  await closeRedis(redis);
});

outboxJournalContract('redis', async () => {
  const prefix = freshPrefix();
  return (owner) => new RedisOutboxJournal({ guard, prefix, owner });
});
