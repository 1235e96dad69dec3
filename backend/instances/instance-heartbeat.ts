import type { Logger } from '../infra/logger';
import type { RedisClient } from '../infra/redis';

export const HEARTBEAT_TTL_SECONDS = 30;
export const HEARTBEAT_INTERVAL_MS = 10_000;

export interface InstanceInfo {
  id: string;
  startedAt: string;
  connections: number;
  flagVersion: number;
  version: string;
  lastSeen: string;
  /** base URL other instances and scripts reach it at (verify:presence asks each one) */
  url?: string;
  /** the Socket.IO adapter: the one in force, those it receives on, a move in progress */
  socket?: {
    adapter: string;
    receives: string[];
    migration: { from: string; to: string; stage: string } | null;
  };
}

/** Fields a capability adds to this instance's heartbeat. */
export type HeartbeatDetails = () => Partial<Pick<InstanceInfo, 'socket'>>;

// One hash tag for the registry: on a Redis Cluster, beat()'s transaction and listInstances'
// MGET need every key in one slot (a handful of small keys, so no hot spot).
const key = (prefix: string, id: string) => `${prefix}{instances}:${id}`;
const setKey = (prefix: string) => `${prefix}{instances}`;

/**
 * Each instance refreshes a key with a TTL; the key expiring is how others learn an instance
 * is gone (crashed, SIGKILLed, partitioned). Presence reaps the sockets of instances whose key
 * is gone; /admin/instances lists the live ones.
 */
export class InstanceHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date().toISOString();
  private url: string | undefined;
  private readonly details: HeartbeatDetails[] = [];

  constructor(
    private readonly deps: {
      redis: RedisClient;
      prefix: string;
      instanceId: string;
      version: string;
      logger: Logger;
      stats: () => { connections: number; flagVersion: number };
      intervalMs?: number;
      ttlSeconds?: number;
    },
  ) {}

  async beat(): Promise<void> {
    const { redis, prefix, instanceId } = this.deps;
    const info: InstanceInfo = {
      id: instanceId,
      startedAt: this.startedAt,
      version: this.deps.version,
      lastSeen: new Date().toISOString(),
      ...(this.url ? { url: this.url } : {}),
      ...this.deps.stats(),
    };
    for (const d of this.details) Object.assign(info, d());
    await redis
      .multi()
      .set(key(prefix, instanceId), JSON.stringify(info), 'EX', this.deps.ttlSeconds ?? HEARTBEAT_TTL_SECONDS)
      .sadd(setKey(prefix), instanceId)
      .exec();
  }

  /** adds fields to every beat from now on */
  addDetails(details: HeartbeatDetails): void {
    this.details.push(details);
  }

  /** the address is known only once the server listens; announce it at once */
  setUrl(url: string): void {
    this.url = url;
    void this.beat().catch(() => {});
  }

  start(): void {
    const tick = () =>
      this.beat().catch((err: Error) => this.deps.logger.warn({ err: err.message }, 'heartbeat failed'));
    void tick();
    this.timer = setInterval(tick, this.deps.intervalMs ?? HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops beating and removes the key, so a clean shutdown is seen at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const { redis, prefix, instanceId } = this.deps;
    await redis
      .multi()
      .del(key(prefix, instanceId))
      .srem(setKey(prefix), instanceId)
      .exec()
      .catch(() => {});
  }
}

/** Instances whose heartbeat key is alive; ids in the set whose key expired are pruned. */
export async function listInstances(redis: RedisClient, prefix: string): Promise<InstanceInfo[]> {
  const ids = await redis.smembers(setKey(prefix));
  if (ids.length === 0) return [];
  const raw = await redis.mget(ids.map((id) => key(prefix, id)));
  const live: InstanceInfo[] = [];
  const dead: string[] = [];
  raw.forEach((v, i) => {
    if (v) live.push(JSON.parse(v) as InstanceInfo);
    else dead.push(ids[i]!);
  });
  if (dead.length > 0) await redis.srem(setKey(prefix), ...dead);
  return live;
}
