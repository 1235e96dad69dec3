import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { TEST_ADMIN_TOKEN } from '../support/test-env';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(2);
});
afterAll(() => cluster.stop());

describe('When two instances share one database', () => {
  it('then each reports its own instance id and a token from one works on the other', async () => {
    const [a, b] = cluster.instances;
    const ha = await requestJson(`${a!.url}/health`, { token: TEST_ADMIN_TOKEN });
    const hb = await requestJson(`${b!.url}/health`, { token: TEST_ADMIN_TOKEN });
    expect(ha.body.instance).toBe(a!.instanceId);
    expect(hb.body.instance).toBe(b!.instanceId);
    expect(ha.body.instance).not.toBe(hb.body.instance);

    const reg = await requestJson(`${a!.url}/api/auth/register`, {
      body: { username: 'cross_node', email: 'cross@example.test', password: 'correct horse battery' },
    });
    expect(reg.status).toBe(201);
    const me = await requestJson(`${b!.url}/api/auth/me`, { token: reg.body.token });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(reg.body.user.id);
  });

  it('then SIGTERM stops an instance with exit code 0', async () => {
    const extra = await cluster.add();
    await extra.stop();
    expect(await extra.exited).toEqual({ code: 0, signal: null });
    expect(extra.output()).toContain('shutdown: done');
  });

  it('then a second signal during shutdown joins it instead of killing the process', async () => {
    const extra = await cluster.add({ SHUTDOWN_DRAIN_MS: '300' });
    extra.kill('SIGTERM');
    // signals of one kind do not queue: send the second once the first is being handled
    await extra.waitForOutput('shutdown: readiness off');
    extra.kill('SIGTERM');
    expect(await extra.exited).toEqual({ code: 0, signal: null });
    expect(extra.output()).toContain('shutdown already in progress');
    expect(extra.output()).toContain('shutdown: done');
  });
});
