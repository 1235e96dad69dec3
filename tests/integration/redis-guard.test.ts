import type { Redis } from 'ioredis';
import pino from 'pino';
import type { BreakerState } from '../../backend/infra/circuit-breaker';
import { closeRedis, createRedisClient } from '../../backend/infra/redis';
import { RedisGuard, RedisUnavailableError } from '../../backend/infra/redis-guard';
import { type KillableRedis, startKillableRedis } from '../support/killable-redis';
import { waitFor } from '../support/wait-for';

const logger = pino({ level: 'silent' });

let redis: KillableRedis;
let client: Redis;
let guard: RedisGuard;
let states: BreakerState[];

beforeEach(async () => {
  redis = await startKillableRedis();
  client = createRedisClient(redis.url, 'fail-fast', logger, 'guard-test');
  guard = new RedisGuard(client, { logger, breaker: { resetTimeoutMs: 300, minimumVolume: 5 } });
  states = [];
  guard.onStateChange((s) => states.push(s));
  expect(await guard.waitUntilReady(5000)).toBe(true);
});
afterEach(async () => {
  guard.stop();
  await closeRedis(client);
  await redis.stop();
});

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: Error) => e.name,
  );

describe('When Redis dies under the fail-fast client', () => {
  it('then the breaker opens, refuses at once, and closes after Redis is back on the same port', async () => {
    expect(await guard.run((r) => r.set('k', 'v'))).toBe('OK');
    expect(guard.state).toBe('closed');

    await redis.kill();
    await waitFor(
      'breaker open',
      () => guard.state,
      (s) => s === 'open',
    );
    const err = await guard.run((r) => r.get('k')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect((err as RedisUnavailableError).status).toBe(503);

    await redis.restart();
    await waitFor(
      'breaker closed',
      () => guard.state,
      (s) => s === 'closed',
    );
    // an empty Redis after the restart: the command runs again
    expect(await guard.run((r) => r.get('k'))).toBeNull();
    expect(states[0]).toBe('open');
    expect(states.at(-1)).toBe('closed');
    expect(states).toContain('half-open');
  });
});

describe('When Redis is paused (SIGSTOP) and resumed', () => {
  it('then timeouts open the breaker after the minimum volume, probes fail while paused, and it closes after SIGCONT', async () => {
    redis.pause();
    // each command times out (about 500 ms); the fifth failure in the window opens the breaker
    const results = await Promise.all(Array.from({ length: 5 }, () => outcome(guard.run((r) => r.get('k')))));
    expect(results).toEqual(Array(5).fill('RedisUnavailableError'));
    expect(guard.state).toBe('open');
    expect(await outcome(guard.run((r) => r.get('k')))).toBe('RedisUnavailableError');

    // the probe runs on its own every reset timeout and fails while the server is stopped
    await waitFor(
      'a failed probe',
      () => states.join(','),
      (s) => /open,half-open,open/.test(s),
    );
    redis.resume();
    await waitFor(
      'breaker closed',
      () => guard.state,
      (s) => s === 'closed',
      10_000,
    );
    expect(await guard.run((r) => r.ping())).toBe('PONG');
  });
});

describe('When Redis answers with an error', () => {
  it('then reply errors are passed through unchanged and never open the breaker', async () => {
    await guard.run((r) => r.set('str', 'x'));
    for (let i = 0; i < 10; i++) {
      const err = await guard.run((r) => r.lpush('str', 'y')).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(RedisUnavailableError);
      expect((err as Error).message).toMatch(/WRONGTYPE/);
    }
    expect(guard.state).toBe('closed');
    expect(states).toEqual([]);
  });
});
