import type { AddressInfo } from 'node:net';
import { createApp } from '../../../backend/app';
import { registerUser, type TestUser } from '../../support/api-users';
import { ADMIN_AUTH, TEST_ADMIN_TOKEN } from '../../support/test-env';
import { startTestServer, type TestServer } from '../../support/test-server';
import { type RouteEntry, routeTable } from './route-table';
import { WriteWatch } from './write-watch';

/**
 * One in-process server (HTTP and Socket.IO, fresh database) with three users: alice and
 * carol have a post, likes, replies, a conversation and notifications; bob is the attacker,
 * with data of his own. Every secret of alice's and carol's is a marker that must never
 * appear in a response to bob.
 */
export interface SecurityScene {
  t: TestServer;
  url: string;
  routes: RouteEntry[];
  alice: TestUser;
  bob: TestUser;
  carol: TestUser;
  ids: {
    alicePost: string;
    aliceReply: string;
    aliceCarolConversation: string;
    aliceNotification: string;
    bobPost: string;
  };
  /** strings of alice's and carol's private data */
  markers: string[];
  adminAuth: { Authorization: string };
  adminToken: string;
  writes: WriteWatch;
  close(): Promise<void>;
}

export async function createSecurityScene(
  env: Record<string, string | undefined> = {},
): Promise<SecurityScene> {
  const t = await startTestServer({
    RATE_LIMIT_API_MAX: '1000000',
    RATE_LIMIT_AUTH_MAX: '1000000',
    SOCKET_EVENTS_PER_SECOND: '10000',
    SOCKET_EVENT_BURST: '10000',
    SOCKET_HANDSHAKE_MAX: '1000000',
    PRESENCE_GRACE_MS: '0',
    ...env,
  });
  const [alice, bob, carol] = await Promise.all([
    registerUser(t.http),
    registerUser(t.http),
    registerUser(t.http),
  ]);
  const secret = (who: string) => `SECRET-${who}-${Math.random().toString(36).slice(2, 10)}`;
  const aliceDm = secret('alice-dm');
  const carolDm = secret('carol-dm');
  const aliceReplyText = secret('alice-reply');

  const post = await t.http
    .post('/api/posts')
    .set(alice.auth)
    .send({ text: 'alice public post' })
    .expect(201);
  const alicePost = post.body.post.id as string;
  await t.http.put(`/api/posts/${alicePost}/like`).set(carol.auth).expect(200);
  const reply = await t.http
    .post(`/api/posts/${alicePost}/replies`)
    .set(carol.auth)
    .send({ text: aliceReplyText })
    .expect(201);
  await t.http.put(`/api/users/${alice.id}/follow`).set(carol.auth).expect(200);
  const dm = await t.http
    .post('/api/messages')
    .set(alice.auth)
    .send({ recipientId: carol.id, text: aliceDm, clientId: 'c1' })
    .expect(201);
  await t.http
    .post('/api/messages')
    .set(carol.auth)
    .send({ recipientId: alice.id, text: carolDm, clientId: 'c2' })
    .expect(201);
  const notes = await t.http.get('/api/notifications').set(alice.auth).expect(200);
  const bobPost = await t.http.post('/api/posts').set(bob.auth).send({ text: 'bob post' }).expect(201);

  const emailOf = async (u: TestUser) =>
    (await t.http.get('/api/auth/me').set(u.auth)).body.user.email as string;
  const markers = [aliceDm, carolDm, await emailOf(alice), await emailOf(carol)];
  const writes = new WriteWatch(t.server.services.mongo);
  const port = (t.server.http.address() as AddressInfo).port;
  return {
    t,
    url: `http://127.0.0.1:${port}`,
    routes: routeTable(createApp(t.server.services)),
    alice,
    bob,
    carol,
    ids: {
      alicePost,
      aliceReply: reply.body.reply.id,
      aliceCarolConversation: dm.body.message.conversationId,
      aliceNotification: notes.body.notifications[0].id,
      bobPost: bobPost.body.post.id,
    },
    markers,
    adminAuth: ADMIN_AUTH,
    adminToken: TEST_ADMIN_TOKEN,
    writes,
    close: async () => {
      writes.stop();
      await t.close();
    },
  };
}

/** Fills a route template's :params from the given values, in order of appearance. */
export function fillPath(route: RouteEntry, values: Record<string, string>): string {
  return route.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(values[name] ?? ''));
}

/** A real id of someone else's (alice's or carol's) for each kind of :param. */
export function victimParams(scene: SecurityScene, route: RouteEntry): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of route.params) {
    if (/conversation/i.test(route.path) && p === 'id') out[p] = scene.ids.aliceCarolConversation;
    else if (/posts/.test(route.path)) out[p] = scene.ids.alicePost;
    else if (/users/.test(route.path)) out[p] = scene.alice.id;
    else if (/flags/.test(route.path)) out[p] = 'cache.enabled';
    else out[p] = scene.ids.alicePost;
  }
  return out;
}
