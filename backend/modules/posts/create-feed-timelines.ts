import type { Config } from '../../config/config';
import type { FlagReader } from '../../flags/flag-reader';
import type { Logger } from '../../infra/logger';
import type { Metrics } from '../../infra/metrics';
import type { RedisGuard } from '../../infra/redis-guard';
import { ShadowTally } from '../../presence/shadow-tally';
import { RedisFanoutJournal } from '../../timelines/redis-fanout-journal';
import { RedisTimelineStore } from '../../timelines/redis-timeline-store';
import type { FollowModel } from '../users/follow-model';
import type { UserModel } from '../users/user-model';
import { FeedTimelines } from './feed-timelines';
import type { PostModel } from './post-model';

/** a fan-out job held this long by a worker that never acked it goes to another */
const RECLAIM_MS = 30_000;

/**
 * Wires the feed's timelines: the Redis store and the fan-out journal behind the fail-fast
 * guard, and the worker, started. Without Redis there are none: feed.mode needs REDIS_URL to
 * leave `read`, so the feed is the read-time query.
 */
export function createFeedTimelines(deps: {
  config: Pick<Config, 'feed' | 'redisKeyPrefix' | 'instanceId'>;
  flags: Pick<FlagReader, 'get' | 'onChange'>;
  logger: Logger;
  metrics: Metrics;
  posts: PostModel;
  users: UserModel;
  follows: FollowModel;
  redis: RedisGuard | undefined;
}): FeedTimelines | undefined {
  const guard = deps.redis;
  if (!guard) return undefined;
  const { config } = deps;
  const call = <T>(op: () => Promise<T>) => guard.run(() => op());
  const prefix = config.redisKeyPrefix;
  const timelines = new FeedTimelines({
    ...deps,
    store: new RedisTimelineStore({ redis: guard.client, prefix, size: config.feed.timelineSize, call }),
    journal: new RedisFanoutJournal({
      redis: guard.client,
      prefix,
      consumer: config.instanceId,
      reclaimMs: RECLAIM_MS,
      call,
    }),
    tally: new ShadowTally(),
    celebrityFollowers: config.feed.celebrityFollowers,
  });
  timelines.start();
  return timelines;
}
