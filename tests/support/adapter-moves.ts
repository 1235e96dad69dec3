import supertest from 'supertest';
import { main as verifyAdapter } from '../../scripts/verify-adapter';
import { registerUser, type TestUser } from './api-users';
import type { Cluster } from './cluster';
import { requestJson } from './http-json';
import { type ClientSocket, nextEvent, request, type SocketClients } from './socket-clients';
import { TEST_ADMIN_TOKEN } from './test-env';
import { waitFor } from './wait-for';

/** Short stages, so a move takes seconds; the defaults are for production. */
export const MOVE_ENV = {
  PRESENCE_MODE: 'redis',
  PRESENCE_GRACE_MS: '300',
  ADAPTER_DUAL_MIN_MS: '1500',
  ADAPTER_DRAIN_MS: '1000',
  HEARTBEAT_INTERVAL_MS: '1000',
  SOCKET_EVENTS_PER_SECOND: '1000',
  SOCKET_EVENT_BURST: '1000',
};

export interface SocketCheck {
  adapter: string;
  migration: { from: string; to: string; stage: string } | null;
}

export const socketCheck = async (url: string): Promise<SocketCheck> =>
  (await requestJson(`${url}/health`, { token: TEST_ADMIN_TOKEN })).body.checks.socket;

export const setAdapter = (url: string, value: string) =>
  requestJson(`${url}/admin/flags`, { token: TEST_ADMIN_TOKEN, body: { flag: 'socket.adapter', value } });

/** Polls every instance's health until each publishes on `adapter` alone with no move left; returns the stages seen. */
export async function settledOn(cluster: Cluster, adapter: string): Promise<Set<string>> {
  const stages = new Set<string>();
  await waitFor(
    `every instance on ${adapter} with no move in progress`,
    async () => {
      const checks = await Promise.all(cluster.instances.map((i) => socketCheck(i.url)));
      for (const c of checks) if (c.migration) stages.add(c.migration.stage);
      return checks;
    },
    (checks) => checks.every((c) => c.adapter === adapter && c.migration === null),
    30_000,
    100,
  );
  return stages;
}

let uniq = 0;
export const cid = () => `mv${++uniq}-${Date.now()}`;

/**
 * Under ~300 typing/s and ~40 message:send/s between users on different instances, moves the
 * adapter through `moves` with the admin API (each move on another instance), then checks
 * that no typing event was lost or doubled, no acked message lost, no message:new doubled,
 * no process restarted, and that every move went through its dual stage.
 */
export async function moveUnderLoad(
  cluster: Cluster,
  clients: SocketClients,
  moves: string[],
): Promise<void> {
  const urls = cluster.instances.map((i) => i.url);
  const pids = cluster.instances.map((i) => i.child.pid);
  const api = supertest(urls[0]!);
  // six pairs, each side on a different instance, each pair in a conversation (typing needs one)
  const pairs: Array<{ a: TestUser; b: TestUser; onA: ClientSocket; onB: ClientSocket }> = [];
  for (let p = 0; p < 6; p++) {
    const [a, b] = await Promise.all([registerUser(api), registerUser(api)]);
    const onA = await clients.connect(a.token, { url: urls[p % 3] });
    const onB = await clients.connect(b.token, { url: urls[(p + 1) % 3] });
    const first = nextEvent(onB, 'message:new');
    expect((await request(onA, 'message:send', { recipientId: b.id, text: 'hi', clientId: cid() })).ok).toBe(
      true,
    );
    await first;
    pairs.push({ a: a!, b: b!, onA, onB });
  }
  const senders = pairs.flatMap(({ a, b, onA, onB }) => [
    { from: a, to: b, socket: onA, peer: onB },
    { from: b, to: a, socket: onB, peer: onA },
  ]);

  // what each recipient heard, by sender
  const typingHeard = new Map<string, number>();
  const messagesHeard = new Map<string, number>();
  for (const s of senders) {
    s.peer.on('typing', (e: { userId: string }) => {
      if (e.userId === s.from.id) typingHeard.set(s.from.id, (typingHeard.get(s.from.id) ?? 0) + 1);
    });
    s.peer.on('message:new', (e: { message: { id: string; senderId?: string } }) => {
      messagesHeard.set(e.message.id, (messagesHeard.get(e.message.id) ?? 0) + 1);
    });
  }
  const typingSent = new Map<string, number>();
  const acked: string[] = [];
  const failedSends: unknown[] = [];
  // 12 senders × 25 typing/s = 300/s; 12 × 3.4 messages/s ≈ 40/s
  const timers = senders.flatMap((s, i) => {
    let on = false;
    const typing = setInterval(() => {
      on = !on;
      s.socket.emit('typing', { recipientId: s.to.id, typing: on });
      typingSent.set(s.from.id, (typingSent.get(s.from.id) ?? 0) + 1);
    }, 40);
    const sending: Array<Promise<void>> = [];
    const messages = setInterval(() => {
      sending.push(
        request(s.socket, 'message:send', { recipientId: s.to.id, text: `n${i}`, clientId: cid() }).then(
          (ack) => {
            if (ack.ok) acked.push(ack.message.id);
            else failedSends.push(ack);
          },
        ),
      );
    }, 300);
    return [{ typing, messages, sending }];
  });

  const stagesSeen: string[][] = [];
  for (const [n, to] of moves.entries()) {
    const via = n % urls.length;
    const res = await setAdapter(urls[via]!, to);
    expect(res.status).toBe(200);
    stagesSeen.push([...(await settledOn(cluster, to))]);
  }

  for (const t of timers) {
    clearInterval(t.typing);
    clearInterval(t.messages);
  }
  await Promise.all(timers.flatMap((t) => t.sending));
  const sentTotal = [...typingSent.values()].reduce((a, b) => a + b, 0);
  await waitFor(
    'every typing event and acked message delivered',
    () => ({
      typing: [...typingHeard.values()].reduce((a, b) => a + b, 0),
      messages: acked.filter((id) => messagesHeard.has(id)).length,
    }),
    (n) => n.typing >= sentTotal && n.messages === acked.length,
    15_000,
  );
  // anything doubled would arrive within moments of its first copy
  await new Promise((r) => setTimeout(r, 500));

  expect(failedSends).toEqual([]);
  expect(sentTotal).toBeGreaterThan(1000);
  expect(acked.length).toBeGreaterThan(100);
  for (const s of senders) expect(typingHeard.get(s.from.id) ?? 0).toBe(typingSent.get(s.from.id));
  expect(acked.filter((id) => !messagesHeard.has(id))).toEqual([]);
  expect([...messagesHeard].filter(([, n]) => n > 1)).toEqual([]);
  // every move went through its dual stage, seen from health
  for (const stages of stagesSeen) expect(stages).toContain('dual');
  // shadow delivery of the last move, per instance and for the cluster
  const lines: string[] = [];
  expect(await verifyAdapter([...urls, '--token', TEST_ADMIN_TOKEN, '--json'], (l) => lines.push(l))).toBe(0);
  const report = JSON.parse(lines.join('\n'));
  expect(report.instances).toHaveLength(3);
  expect(report.cluster.both).toBeGreaterThan(0);
  process.stdout.write(`shadow delivery of the last move: ${JSON.stringify(report.cluster)}\n`);
  expect(cluster.instances.map((i) => i.child.pid)).toEqual(pids);
  expect(cluster.instances.every((i) => i.child.exitCode === null)).toBe(true);
}
