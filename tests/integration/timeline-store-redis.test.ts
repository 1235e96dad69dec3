import type { RedisClient } from '../../backend/infra/redis';
import { RedisTimelineStore } from '../../backend/timelines/redis-timeline-store';
import { timelineStoreContract } from '../contracts/timeline-store.contract';
import { failFastClient, freshPrefix } from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';

let redis: RedisClient;
beforeAll(async () => {
  redis = await failFastClient(testRedisUrl());
});
afterAll(() => redis.quit());

timelineStoreContract(
  'redis',
  async (size) => new RedisTimelineStore({ redis, prefix: freshPrefix(), size }),
);
