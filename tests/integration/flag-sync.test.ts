import type { Redis } from 'ioredis';
import { FlagSync } from '../../backend/flags/flag-sync';
import type { RefreshTrigger } from '../../backend/flags/live-flags';
import { closeRedis, createRedisClient } from '../../backend/infra/redis';
import { RedisGuard } from '../../backend/infra/redis-guard';
import { type KillableRedis, startKillableRedis } from '../support/killable-redis';
import { silentLogger } from '../support/presence-stores';
import { waitFor } from '../support/wait-for';

/**
 * A flag change made while Redis is away is durable in Mongo at once; its notice must still reach
 * the peers as soon as Redis is back, not a whole poll later (120 s in the chaos suite).
 */
const CHANNEL = 'test:flags:changed';

let redis: KillableRedis;
let guard: RedisGuard;
let subscriber: Redis;
let sync: FlagSync;
const heard: Array<{ flag: string; version: number; instance: string }> = [];
beforeAll(async () => {
  redis = await startKillableRedis();
  guard = new RedisGuard(createRedisClient(redis.url, 'fail-fast', silentLogger, 'flag-publisher'), {
    logger: silentLogger,
  });
  // the peer: a plain subscriber that records every notice it hears
  subscriber = createRedisClient(redis.url, 'subscriber', silentLogger, 'flag-peer');
  subscriber.on('message', (_ch: string, raw: string) => heard.push(JSON.parse(raw)));
  await subscriber.subscribe(CHANNEL);
  const refreshes: RefreshTrigger[] = [];
  // only publishing is under test: start() (which subscribes) is not called
  sync = new FlagSync({
    subscriber,
    guard,
    channel: CHANNEL,
    instanceId: 'a',
    flags: { refresh: async (t) => void refreshes.push(t) },
    logger: silentLogger,
    retryForMs: 60_000,
    // the first retry comes 2 s after the failed publish: by then Redis is back and so is the
    // peer's subscription (it retries every 100-300 ms), which hears only what comes after it
    retryBaseMs: 2000,
  });
});

/** everything published before this call has reached the peer once it returns */
async function publishedSoFar(): Promise<number[]> {
  await guard.client.publish(CHANNEL, JSON.stringify({ flag: 'marker', version: 0, instance: 't' }));
  await waitFor(
    'the marker',
    () => heard.at(-1)?.flag,
    (f) => f === 'marker',
    5000,
    10,
  );
  return heard.map((h) => h.version);
}
afterAll(async () => {
  sync.stop();
  guard.stop();
  await Promise.all([closeRedis(guard.client), closeRedis(subscriber)]);
  await redis.stop();
});

describe('When a flag changes while Redis is down', () => {
  it('then the notice is not sent at once, and goes out by itself once Redis is back, only the newest', async () => {
    await redis.kill();
    expect(await sync.publish('cache.ttlSeconds', 7)).toBe(false);
    // a second change before Redis is back: one "re-read" notice stands for both
    expect(await sync.publish('cache.ttlSeconds', 8)).toBe(false);
    heard.length = 0;
    await redis.restart();
    await waitFor(
      'the peer to hear the notice',
      () => heard.length,
      (n) => n > 0,
      15_000,
      20,
    );
    expect(heard[0]).toMatchObject({ flag: 'cache.ttlSeconds', version: 8, instance: 'a' });
    expect(await publishedSoFar()).toEqual([8, 0]);
  });

  it('then a notice that went out is not sent again', async () => {
    heard.length = 0;
    expect(await sync.publish('cache.ttlSeconds', 9)).toBe(true);
    expect(await publishedSoFar()).toEqual([9, 0]);
  });
});
