import type { FlagName, FlagValues } from '../../backend/config/features';
import type { Cluster } from './cluster';
import { type JsonBody, requestJson } from './http-json';
import type { ServerProcess } from './server-process';
import { type ClientSocket, request } from './socket-clients';
import { ADMIN_AUTH, TEST_ADMIN_TOKEN } from './test-env';
import { waitFor } from './wait-for';

export interface ClusterUser {
  id: string;
  token: string;
}

let n = 0;
export async function registerOn(instance: ServerProcess, prefix = 'p'): Promise<ClusterUser> {
  n += 1;
  const username = `${prefix}${n}_${Math.random().toString(36).slice(2, 8)}`;
  const res = await requestJson(`${instance.url}/api/auth/register`, {
    body: { username, email: `${username}@example.test`, password: 'correct horse battery' },
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, token: res.body.token };
}

/** Sets a flag through the admin API of one instance and waits until every instance applies it. */
export async function setFlag<K extends FlagName>(
  cluster: Cluster,
  flag: K,
  value: FlagValues[K],
): Promise<void> {
  const res = await requestJson(`${cluster.instances[0]!.url}/admin/flags`, {
    token: TEST_ADMIN_TOKEN,
    body: { flag, value },
  });
  if (res.status !== 200)
    throw new Error(`POST /admin/flags ${flag}: ${res.status} ${JSON.stringify(res.body)}`);
  await Promise.all(
    cluster.instances
      .filter((i) => i.child.exitCode === null && i.child.signalCode === null)
      .map((i) =>
        waitFor(
          `${flag}=${String(value)} on ${i.instanceId}`,
          async () =>
            (await requestJson(`${i.url}/health/features`, { token: TEST_ADMIN_TOKEN })).body.flags?.[
              flag
            ] === value,
        ),
      ),
  );
}

/**
 * The watcher follows each user: presence:query answers the real status only for users the
 * caller follows or talks to (docs/realtime.md, privacy model).
 */
export async function watch(
  instance: ServerProcess,
  watcher: ClusterUser,
  users: ClusterUser[],
): Promise<void> {
  for (const u of users) {
    const res = await requestJson(`${instance.url}/api/users/${u.id}/follow`, {
      method: 'PUT',
      token: watcher.token,
    });
    if (res.status !== 200) throw new Error(`follow failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

export async function onlineSeenFrom(
  socket: ClientSocket,
  userIds: string[],
): Promise<Record<string, boolean>> {
  const res: JsonBody = await request(socket, 'presence:query', { userIds });
  if (!res.ok) throw new Error(`presence:query failed: ${JSON.stringify(res)}`);
  return res.online;
}

/** Polls presence:query until `userId` reads as `online` (presence is recorded just after the handshake). */
export function eventuallySeen(
  socket: ClientSocket,
  userId: string,
  online: boolean,
  timeoutMs = 10_000,
): Promise<true> {
  return waitFor(
    `${userId} to read ${online ? 'online' : 'offline'}`,
    async () => (await onlineSeenFrom(socket, [userId]))[userId] === online,
    timeoutMs,
    50,
  );
}

export async function tallyOf(instance: ServerProcess): Promise<JsonBody> {
  const res = await requestJson(`${instance.url}/admin/presence/consistency`, { token: TEST_ADMIN_TOKEN });
  if (res.status !== 200) throw new Error(`consistency ${res.status}`);
  return res.body;
}

/** a counter's value from /metrics text (0 when absent) */
export async function metricFrom(
  instance: ServerProcess,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const res = await fetch(`${instance.url}/metrics`, { headers: ADMIN_AUTH });
  const text = await res.text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !(want.length === 0 && line.startsWith(`${name} `))) continue;
    if (want.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
