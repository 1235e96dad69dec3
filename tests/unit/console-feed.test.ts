import { features } from '../../backend/config/features';
import { ConsoleFeed } from '../../backend/features/console/console-feed';
import { flagInput } from '../../backend/features/console/flag-input';
import type { InstanceStatus } from '../../backend/features/console/instance-status';
import type { InstanceInfo } from '../../backend/instances/instance-heartbeat';

const at = '2026-01-01T00:00:00.000Z';
const info = (id: string): InstanceInfo => ({
  id,
  startedAt: at,
  connections: 1,
  flagVersion: 3,
  version: '0.1.0',
  lastSeen: at,
});
const status = (id: string, compared: number, mismatches: number): InstanceStatus => ({
  id,
  at,
  health: {
    status: 'ok',
    timestamp: at,
    instance: id,
    version: '0.1.0',
    uptimeSeconds: 42,
    checks: {
      database: { status: 'ok', latencyMs: 1 },
      redis: { status: 'ok', latencyMs: 1, breaker: 'closed' },
      socket: { status: 'ok', connections: 7, adapter: 'redis', migration: null },
    },
  },
  consistency: { compared, mismatches, errors: 0, since: at },
  flagVersion: 4,
  flags: { 'presence.mode': 'dual-write' },
});

function feed(statuses: InstanceStatus[], live = [info('a'), info('b'), info('c')], keepSamples?: number) {
  return new ConsoleFeed({
    instanceId: 'a',
    instances: async () => live,
    board: { read: async () => statuses },
    flags: () => [],
    intervalMs: 60_000,
    ...(keepSamples ? { keepSamples } : {}),
  });
}

describe('When the console feed reads the cluster', () => {
  it('then the cluster tally is the sum of the instances that published one', async () => {
    const state = await feed([status('a', 10, 1), status('b', 5, 2)]).state();
    expect(state.sample.cluster).toEqual({ compared: 15, mismatches: 3, errors: 0 });
    expect(state.sample.instances.map((i) => i.id)).toEqual(['a', 'b']);
  });

  it("then the feed migration's tally is the sum of the instances that have timelines", async () => {
    const withFeed = (id: string, compared: number, mismatches: number): InstanceStatus => ({
      ...status(id, 0, 0),
      feed: { compared, mismatches, errors: 1, since: at },
    });
    const state = await feed([withFeed('a', 8, 0), withFeed('b', 4, 1), status('c', 2, 0)]).state();
    expect(state.sample.feed).toEqual({ compared: 12, mismatches: 1, errors: 2 });
  });

  it('then a live instance without a published status is listed from its heartbeat alone', async () => {
    const state = await feed([status('a', 0, 0)]).state();
    const c = state.instances.find((i) => i.id === 'c')!;
    expect(c.status).toBeUndefined();
    expect(c.connections).toBe(1);
    expect(c.flagVersion).toBe(3);
    // a published status is fresher than the heartbeat and wins
    const a = state.instances.find((i) => i.id === 'a')!;
    expect(a).toMatchObject({ connections: 7, flagVersion: 4, uptimeSeconds: 42 });
  });

  it('then the chart history keeps only the newest samples, and only while someone listens', async () => {
    const f = feed([status('a', 1, 0)], [info('a')], 2);
    const seen: string[] = [];
    const stop = f.subscribe((s) => seen.push(s.servedBy));
    for (let i = 0; i < 3; i++) await f.tick();
    expect(f.history()).toHaveLength(2);
    expect(seen).toEqual(['a', 'a', 'a']);
    stop();
    await f.tick();
    expect(seen).toHaveLength(3);
  });
});

describe('When the console picks a control for a flag', () => {
  it('then it follows the schema: a choice, a switch, a bounded rollout share', () => {
    expect(flagInput('presence.mode')).toEqual({ kind: 'enum', options: ['memory', 'dual-write', 'redis'] });
    expect(flagInput('presence.shadowRead')).toEqual({ kind: 'boolean' });
    expect(flagInput('presence.redisReadPercent')).toEqual({
      kind: 'number',
      min: 0,
      max: 100,
      integer: true,
      rollout: true,
    });
    expect(flagInput('cache.ttlSeconds')).toMatchObject({ kind: 'number', rollout: false });
  });

  it('then every flag gets a control other than raw JSON', () => {
    for (const name of Object.keys(features) as Array<keyof typeof features>)
      expect(flagInput(name).kind).not.toBe('json');
  });
});
