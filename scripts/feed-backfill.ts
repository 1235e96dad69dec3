import { parseArgs } from 'node:util';
import { loadConfig } from '../backend/config/config';
import type { FlagReader } from '../backend/flags/flag-reader';
import { createRedisClients } from '../backend/infra/create-redis-clients';
import { createStore } from '../backend/infra/create-store';
import { createLogger } from '../backend/infra/logger';
import { createMetrics } from '../backend/infra/metrics';
import { FeedTimelines } from '../backend/modules/posts/feed-timelines';
import { getPostModel } from '../backend/modules/posts/post-model';
import { getFollowModel } from '../backend/modules/users/follow-model';
import { getUserModel } from '../backend/modules/users/user-model';
import { ShadowTally } from '../backend/presence/shadow-tally';
import { RedisFanoutJournal } from '../backend/timelines/redis-fanout-journal';
import { RedisTimelineStore } from '../backend/timelines/redis-timeline-store';

const USAGE = `usage: npm run feed:backfill -- [--concurrency N] [user-id ...]

Builds the feed timeline of every user (or of the users given) from the posts: the newest
FEED_TIMELINE_SIZE posts of everyone the user follows and of the user, and the followed
authors merged at read time. Run it after feed.mode leaves read (entering dual makes every
timeline stale); a timeline nobody backfilled is built on its reader's first read instead.
Reads MONGO_URL, REDIS_URL (or REDIS_CLUSTER_NODES) and REDIS_KEY_PREFIX like the server.

  --concurrency N   timelines built at once (default 4)`;

export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { concurrency: { type: 'string', default: '4' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const out = (l: string) => process.stdout.write(`${l}\n`);
  const config = loadConfig(process.env);
  const logger = createLogger({ level: 'warn', instanceId: 'feed-backfill', version: config.version });
  const metrics = createMetrics();
  const store = await createStore({ mongoUrl: config.mongoUrl, logger, metrics });
  const redis = await createRedisClients({ config, logger, metrics });
  try {
    if (!redis.guard) {
      process.stderr.write(`feed timelines live in Redis: set REDIS_URL or REDIS_CLUSTER_NODES\n${USAGE}\n`);
      return 2;
    }
    const guard = redis.guard;
    const call = <T>(op: () => Promise<T>) => guard.run(() => op());
    const users = getUserModel(store.mongo);
    const timelines = new FeedTimelines({
      store: new RedisTimelineStore({
        redis: guard.client,
        prefix: config.redisKeyPrefix,
        size: config.feed.timelineSize,
        call,
      }),
      journal: new RedisFanoutJournal({
        redis: guard.client,
        prefix: config.redisKeyPrefix,
        consumer: 'feed-backfill',
        reclaimMs: 30_000,
        call,
      }),
      // rebuilding reads no flag; the worker is never started here
      flags: { get: () => 'dual', onChange: () => () => {} } as unknown as Pick<
        FlagReader,
        'get' | 'onChange'
      >,
      posts: getPostModel(store.mongo),
      users,
      follows: getFollowModel(store.mongo),
      tally: new ShadowTally(),
      logger,
      metrics,
      celebrityFollowers: config.feed.celebrityFollowers,
    });
    const total = positionals.length > 0 ? positionals.length : await users.estimatedDocumentCount();
    const ids: AsyncIterable<string> =
      positionals.length > 0
        ? (async function* () {
            yield* positionals;
          })()
        : (async function* () {
            for await (const u of users.find({}, { _id: 1 }).lean().cursor()) yield u._id.toHexString();
          })();
    const started = Date.now();
    let done = 0;
    let failed = 0;
    let lastReport = 0;
    const report = (force = false) => {
      const now = Date.now();
      if (!force && now - lastReport < 2000) return;
      lastReport = now;
      const rate = done / Math.max(0.001, (now - started) / 1000);
      const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
      out(
        `feed backfill: ${done}/${total} timelines (${rate.toFixed(1)}/s, ${failed} failed, about ${eta.toFixed(0)} s left)`,
      );
    };
    const workers = Array.from({ length: Math.max(1, Number(values.concurrency)) }, async () => {
      const it = ids[Symbol.asyncIterator]();
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        try {
          await timelines.rebuildOrThrow(next.value);
        } catch (err) {
          failed += 1;
          logger.warn(
            { userId: next.value, err: (err as Error).message },
            'feed backfill: one timeline failed',
          );
        }
        done += 1;
        report();
      }
    });
    // one iterator shared by every worker
    await Promise.all(workers);
    report(true);
    return failed > 0 ? 1 : 0;
  } finally {
    await redis.close();
    await store.close();
  }
}
