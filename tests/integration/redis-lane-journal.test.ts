import { closeRedis, type RedisClient } from '../../backend/infra/redis';
import { RedisGuard } from '../../backend/infra/redis-guard';
import { RedisLaneJournal } from '../../backend/modules/messages/redis-lane-journal';
import { laneJournalContract } from '../contracts/lane-journal.contract';
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

laneJournalContract('redis', async () => {
  const prefix = freshPrefix();
  return (owner) => new RedisLaneJournal({ guard, prefix, owner });
});
