import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { loadConfig } from '../backend/config/config';
import type { IndexCheck } from '../backend/features/feature';
import { getConversationModel } from '../backend/modules/messages/conversation-model';
import { getMessageModel } from '../backend/modules/messages/message-model';
import {
  conversationsQuery,
  createdAfterQuery as messageSyncQuery,
  messagesQuery,
} from '../backend/modules/messages/message-queries';
import { getNotificationModel } from '../backend/modules/notifications/notification-model';
import {
  listQuery,
  createdAfterQuery as notificationSyncQuery,
} from '../backend/modules/notifications/notification-queries';
import { getPostModel } from '../backend/modules/posts/post-model';
import { authorPostsQuery, feedQuery } from '../backend/modules/posts/post-queries';
import { getFollowModel } from '../backend/modules/users/follow-model';
import { getUserModel } from '../backend/modules/users/user-model';
import {
  edgesQuery,
  followersOfQuery,
  followingIdsQuery,
  loginQuery,
} from '../backend/modules/users/user-queries';
import { createServices, type Services } from '../backend/services';
import { startDatabases } from './databases/start-databases';
import { type IndexKey, indexServes, queryShapes } from './indexes/index-coverage';
import { planVerdict } from './indexes/plan-verdict';

/** The exact queries the core's services run, from the query builders they run them through. */
function checkedQueries(s: Services, ids: Seeded): IndexCheck[] {
  const m = {
    users: getUserModel(s.mongo),
    follows: getFollowModel(s.mongo),
    posts: getPostModel(s.mongo),
    messages: getMessageModel(s.mongo),
    conversations: getConversationModel(s.mongo),
    notifications: getNotificationModel(s.mongo),
  };
  const page = { limit: 20 };
  const lastPost = { createdAt: new Date(), _id: new Types.ObjectId() };
  const cursor = Buffer.from(`${lastPost.createdAt.getTime()}.${lastPost._id.toHexString()}`).toString(
    'base64url',
  );
  const authors = [ids.a, ids.b, ids.c].map((id) => new Types.ObjectId(id));
  return [
    { name: 'feed (first page)', query: feedQuery(m.posts, authors, page) },
    { name: 'feed (next page)', query: feedQuery(m.posts, authors, { ...page, cursor }) },
    { name: 'profile posts', query: authorPostsQuery(m.posts, ids.a, page) },
    { name: 'followers', query: edgesQuery(m.follows, 'followee', ids.a, page) },
    { name: 'following', query: edgesQuery(m.follows, 'follower', ids.a, page) },
    { name: 'feed fan-in ids', query: followingIdsQuery(m.follows, ids.a) },
    { name: 'feed fan-out followers', query: followersOfQuery(m.follows, ids.a) },
    { name: 'login by username', query: loginQuery(m.users, 'verify_a') },
    { name: 'login by email', query: loginQuery(m.users, 'verify_a@example.test') },
    { name: 'conversations', query: conversationsQuery(m.conversations, ids.a, page) },
    { name: 'conversations (next)', query: conversationsQuery(m.conversations, ids.a, { ...page, cursor }) },
    {
      name: 'conversation page',
      query: messagesQuery(m.messages, new Types.ObjectId(ids.conversation), page),
    },
    { name: 'sync messages', query: messageSyncQuery(m.messages, ids.a, new Date(0), 200) },
    { name: 'notifications', query: listQuery(m.notifications, ids.b, page) },
    { name: 'unread notifications', query: listQuery(m.notifications, ids.b, { ...page, unread: true }) },
    { name: 'sync notifications', query: notificationSyncQuery(m.notifications, ids.b, new Date(0), 200) },
  ];
}

interface Seeded {
  a: string;
  b: string;
  c: string;
  conversation: string;
}

async function seed(s: Services): Promise<Seeded> {
  const users = s.mongo.model('User');
  const [a, b, c] = await users.create(
    ['verify_a', 'verify_b', 'verify_c'].map((u) => ({
      username: u,
      email: `${u}@example.test`,
      passwordHash: 'x',
    })),
  );
  const ids = { a: String(a!._id), b: String(b!._id), c: String(c!._id), conversation: '' };
  await s.mongo.model('Follow').create([
    { follower: a!._id, followee: b!._id },
    { follower: b!._id, followee: a!._id },
  ]);
  await s.mongo
    .model('Post')
    .create(Array.from({ length: 30 }, (_, i) => ({ postedBy: [a, b, c][i % 3]!._id, text: `post ${i}` })));
  // a message makes a conversation and a notification, through the service as a client would
  const sent = await s.messages.send(ids.a, {
    recipientId: ids.b,
    text: 'hello',
    clientId: 'verify-indexes',
  });
  ids.conversation = sent.message.conversationId;
  return ids;
}

export async function main(args: string[]): Promise<number> {
  const inPlace = args.includes('--in-place');
  const dbs = await startDatabases({ log: (l) => process.stderr.write(`${l}\n`) });
  const url = new URL(dbs.mongoUrl);
  // A scratch database unless asked to look at the real one (then nothing is written).
  if (!inPlace) url.pathname = `/verify_indexes_${randomBytes(4).toString('hex')}`;
  const config = loadConfig({ ...process.env, MONGO_URL: url.toString(), LOG_LEVEL: 'warn' });
  const services = await createServices(config);
  let failed = 0;
  try {
    const info = (await services.mongo.db!.admin().command({ buildInfo: 1 })) as Record<string, unknown>;
    const ferret = 'ferretdbVersion' in info;
    console.log(
      `verify-indexes: ${ferret ? 'FerretDB' : 'MongoDB'} ${String(info.version)} (${dbs.mongoKind}), database ${url.pathname.slice(1)}`,
    );
    if (ferret)
      console.log(
        'verify-indexes: this server answers every find by scanning its backend, so explain() cannot confirm index use;\n' +
          '                checking instead that an index key prefix serves each filter and sort.',
      );
    const ids = inPlace ? await existingIds(services) : await seed(services);
    const indexCache = new Map<string, IndexKey[]>();
    const checks = checkedQueries(services, ids);
    // each installed feature seeds what its own queries need, through its own services
    for (const parts of services.features.values())
      if (parts.indexChecks) checks.push(...(await parts.indexChecks(ids, { seed: !inPlace })));
    for (const { name, query } of checks) {
      const explain = (await query.clone().explain('queryPlanner')) as Record<string, unknown>;
      let ok: boolean;
      let detail: string;
      if (ferret) {
        const coll: string = query.model.collection.collectionName;
        if (!indexCache.has(coll))
          indexCache.set(
            coll,
            ((await query.model.collection.indexes()) as Array<{ key: IndexKey }>).map((i) => i.key),
          );
        const shapes = queryShapes(query.getFilter(), query.getOptions().sort);
        const keys = indexCache.get(coll)!;
        const serving = shapes.map((shape) => keys.find((key) => indexServes(key, shape)));
        ok = serving.every((k) => k !== undefined);
        const backendPlan = JSON.stringify(
          (explain.queryPlanner as Record<string, unknown> | undefined)?.Plan ?? '',
        );
        detail = shapes
          .map((shape, i) => {
            const what = `filter [${shape.equality.join(',')}] + sort [${Object.keys(shape.sort).join(',')}]`;
            const key = serving[i];
            return key
              ? `index {${Object.entries(key)
                  .map(([k, v]) => `${k}:${v}`)
                  .join(',')}} serves ${what}`
              : `NO index serves ${what} on ${coll}`;
          })
          .join('; ');
        if (ok) detail += `; backend plan ${backendPlan}`;
      } else {
        const verdict = planVerdict(explain);
        ok = verdict.usesIndex;
        detail = verdict.summary;
      }
      if (!ok) failed++;
      console.log(`${ok ? 'PASS' : 'FAIL'}  ${name.padEnd(22)} ${detail}`);
    }
    console.log(
      `verify-indexes: ${failed === 0 ? 'all queries served by indexes' : `${failed} quer${failed === 1 ? 'y' : 'ies'} without an index`}`,
    );
  } finally {
    if (!inPlace) await services.mongo.dropDatabase().catch(() => {});
    await services.close();
    await dbs.stop();
  }
  return failed === 0 ? 0 : 1;
}

async function existingIds(s: Services): Promise<Seeded> {
  const any = (await s.mongo.model('User').findOne().lean()) as { _id: Types.ObjectId } | null;
  const id = any ? String(any._id) : new Types.ObjectId().toHexString();
  return { a: id, b: id, c: id, conversation: new Types.ObjectId().toHexString() };
}
