import { requestJson } from './http-json';
import { type ClusterUser, registerOn } from './presence-cluster';
import type { ServerProcess } from './server-process';
import { nextEvent, record, type SocketClients } from './socket-clients';

interface Change {
  userId: string;
  online: boolean;
}

/**
 * The crash scenario of the presence suites: a fan on `survivor` follows a user whose only
 * device is on a fresh instance, that instance is SIGKILLed, and the fan must hear "offline"
 * once (after the reaper ran) and read `false` from the survivor. Returns the crashed instance
 * and the user, for checks of what the store kept.
 */
export async function crashWhileOnline(deps: {
  survivor: ServerProcess;
  add: () => Promise<ServerProcess>;
  clients: SocketClients;
}): Promise<{ doomed: ServerProcess; dan: ClusterUser; heard: Change[]; answer: boolean | undefined }> {
  const { survivor, clients } = deps;
  const doomed = await deps.add();
  const [fan, dan] = await Promise.all([registerOn(survivor, 'fan'), registerOn(survivor, 'dan')]);
  const follow = await requestJson(`${survivor.url}/api/users/${dan.id}/follow`, {
    method: 'PUT',
    token: fan.token,
  });
  if (follow.status !== 200) throw new Error(`follow answered ${follow.status}`);

  const fanOnSurvivor = await clients.connect(fan.token, { url: survivor.url });
  const heard = record<Change>(fanOnSurvivor, 'presence:changed');
  const online = nextEvent<Change>(fanOnSurvivor, 'presence:changed', {
    where: (c) => c.userId === dan.id && c.online,
  });
  await clients.connect(dan.token, { url: doomed.url, reconnection: false });
  await online;

  const offline = nextEvent<Change>(fanOnSurvivor, 'presence:changed', {
    where: (c) => c.userId === dan.id && !c.online,
    timeoutMs: 30_000,
  });
  doomed.kill('SIGKILL');
  await doomed.exited;
  await offline;
  const answer = await new Promise<{ online: Record<string, boolean> }>((resolve) =>
    fanOnSurvivor.emit('presence:query', { userIds: [dan.id] }, resolve),
  );
  return { doomed, dan, heard: heard.filter((c) => c.userId === dan.id), answer: answer.online[dan.id] };
}
