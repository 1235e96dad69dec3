import { RedisOutboxJournal } from '../../backend/features/outbox/redis-outbox-journal';
import { closeRedis, type RedisClient } from '../../backend/infra/redis';
import { RedisGuard } from '../../backend/infra/redis-guard';
import { outboxJournalContract } from '../contracts/outbox-journal.contract';
import { failFastClient, freshPrefix, silentLogger } from '../support/presence-stores';
import { type RedisClusterHandle, startRedisCluster } from '../support/redis-cluster';

// The journal's contract again on a 3-master Redis Cluster: adopt's transaction moves one
// owner's entries into another's, which a cluster allows only when both keys share a slot.
let cluster: RedisClusterHandle;
let redis: RedisClient;
let guard: RedisGuard;

beforeAll(async () => {
  cluster = await startRedisCluster();
  redis = await failFastClient({
    clusterNodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
  });
  guard = new RedisGuard(redis, { logger: silentLogger });
}, 60_000);
afterAll(async () => {
  guard?.stop();
  if (redis) await closeRedis(redis);
  await cluster?.stop();
});

outboxJournalContract('redis, on a Redis Cluster', async () => {
  const prefix = freshPrefix();
  return (owner) => new RedisOutboxJournal({ guard, prefix, owner });
});
