import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { registerOn } from '../support/presence-cluster';
import type { ServerProcess } from '../support/server-process';
import { nextEvent, record, SocketClients } from '../support/socket-clients';

interface Change {
  userId: string;
  online: boolean;
}

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
    const doomed = await cluster.add();
    const [fan, dan] = await Promise.all([registerOn(a, 'fan'), registerOn(a, 'dan')]);
    const follow = await requestJson(`${a.url}/api/users/${dan.id}/follow`, {
      method: 'PUT',
      token: fan.token,
    });
    expect(follow.status).toBe(200);

    const fanOnA = await clients.connect(fan.token, { url: a.url });
    const heard = record<Change>(fanOnA, 'presence:changed');
    const online = nextEvent<Change>(fanOnA, 'presence:changed', {
      where: (c) => c.userId === dan.id && c.online,
    });
    await clients.connect(dan.token, { url: doomed.url, reconnection: false });
    await online;

    const offline = nextEvent<Change>(fanOnA, 'presence:changed', {
      where: (c) => c.userId === dan.id && !c.online,
      timeoutMs: 30_000,
    });
    doomed.kill('SIGKILL');
    await doomed.exited;
    await offline;
    // the surviving instance answers the same
    const answer = await new Promise<{ online: Record<string, boolean> }>((resolve) =>
      fanOnA.emit('presence:query', { userIds: [dan.id] }, resolve),
    );
    expect(answer.online[dan.id]).toBe(false);
    expect(heard.filter((c) => c.userId === dan.id)).toEqual([
      { userId: dan.id, online: true },
      { userId: dan.id, online: false },
    ]);
  }, 45_000);
});
