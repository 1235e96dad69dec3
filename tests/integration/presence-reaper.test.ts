import { closeRedis, type RedisClient } from '../../backend/infra/redis';
import { presenceReaperContract } from '../contracts/presence-reaper.contract';
import { failFastClient } from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';

// The Redis Cluster runs the same contract in tests/integration/redis-cluster.test.ts.
let redis: RedisClient;
beforeAll(async () => {
  redis = await failFastClient(testRedisUrl());
});
afterAll(() => closeRedis(redis));

presenceReaperContract('a single Redis', () => redis);
