import { MOVE_ENV, moveUnderLoad } from '../support/adapter-moves';
import { type Cluster, startCluster } from '../support/cluster';
import { type RedisClusterHandle, startRedisCluster } from '../support/redis-cluster';
import { SocketClients } from '../support/socket-clients';

// The live adapter move on a 3-master Redis Cluster, between its cluster-native transports:
// sharded pub/sub (a channel per room, on the room's shard) and streams.
describe('When three instances on a Redis Cluster under typing and message load move redis-sharded → redis-streams → redis-sharded', () => {
  let redisCluster: RedisClusterHandle;
  let cluster: Cluster;
  const clients = new SocketClients(() => cluster.instances[0]!.url);
  beforeAll(async () => {
    redisCluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    clients.closeAll();
    await cluster?.stop();
    await redisCluster?.stop();
  });

  it('then no typing event is lost or doubled, no acked message is lost, no message:new is doubled, and no process restarts', async () => {
    cluster = await startCluster(3, {
      ...MOVE_ENV,
      REDIS_URL: '',
      REDIS_CLUSTER_NODES: redisCluster.nodesEnv,
      SOCKET_ADAPTER: 'redis-sharded',
    });
    await moveUnderLoad(cluster, clients, ['redis-streams', 'redis-sharded']);
  }, 240_000);
});
