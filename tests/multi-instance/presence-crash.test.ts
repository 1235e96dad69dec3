import { type Cluster, startCluster } from '../support/cluster';
import { crashWhileOnline } from '../support/crash-while-online';
import type { ServerProcess } from '../support/server-process';
import { SocketClients } from '../support/socket-clients';

let cluster: Cluster;
let a: ServerProcess;
const clients = new SocketClients(() => a.url);

beforeAll(async () => {
  cluster = await startCluster(2, {
    PRESENCE_MODE: 'redis',
    SOCKET_ADAPTER: 'redis',
    PRESENCE_GRACE_MS: '0',
    // short heartbeats so a crash is noticed in seconds; defaults stay 30 s / 10 s
    HEARTBEAT_TTL_SECONDS: '3',
    HEARTBEAT_INTERVAL_MS: '1000',
    PRESENCE_REAP_INTERVAL_MS: '500',
  });
  a = cluster.instances[0]!;
}, 60_000);
afterAll(async () => {
  clients.closeAll();
  await cluster?.stop();
});

describe('When the instance holding a user’s only device crashes', () => {
  it('then followers elsewhere are told the user went offline, once', async () => {
    const { dan, heard, answer } = await crashWhileOnline({ survivor: a, add: () => cluster.add(), clients });
    // the surviving instance answers the same
    expect(answer).toBe(false);
    expect(heard).toEqual([
      { userId: dan.id, online: true },
      { userId: dan.id, online: false },
    ]);
  }, 45_000);
});
