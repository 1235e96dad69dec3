import type { Logger } from '../../infra/logger';
import type { RedisGuard } from '../../infra/redis-guard';
import type { InstanceStatus } from './instance-status';

// the heartbeat's hash tag: one slot on a Redis Cluster, so the MGET of every status is legal there
const key = (prefix: string, id: string) => `${prefix}{instances}:console:${id}`;

/**
 * Every instance's latest status, readable from any instance: each one writes its own to Redis
 * on a timer with a TTL of a few intervals (so a dead instance's entry lapses), and reads the
 * others' there. Without Redis there is only this instance.
 */
export class InstanceStatusBoard {
  private timer: NodeJS.Timeout | undefined;
  private latest: InstanceStatus | undefined;

  constructor(
    private readonly deps: {
      instanceId: string;
      prefix: string;
      intervalMs: number;
      collect: () => Promise<InstanceStatus>;
      logger: Logger;
      redis?: RedisGuard;
    },
  ) {}

  start(): void {
    const tick = () =>
      this.publish().catch((err: Error) =>
        this.deps.logger.debug({ err: err.message }, 'console status not published'),
      );
    void tick();
    this.timer = setInterval(tick, this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async publish(): Promise<InstanceStatus> {
    const status = await this.deps.collect();
    this.latest = status;
    const { redis, prefix, instanceId, intervalMs } = this.deps;
    const ttlSeconds = Math.max(5, Math.ceil((intervalMs * 3) / 1000));
    await redis?.run((r) => r.set(key(prefix, instanceId), JSON.stringify(status), 'EX', ttlSeconds));
    return status;
  }

  /** the statuses of these instances that are known; this one's is always fresh */
  async read(ids: string[]): Promise<InstanceStatus[]> {
    const own = this.latest ?? (await this.publish());
    const others = ids.filter((id) => id !== this.deps.instanceId);
    const { redis, prefix } = this.deps;
    if (!redis || others.length === 0) return [own];
    const raw = await redis
      .run((r) => r.mget(others.map((id) => key(prefix, id))))
      .catch(() => [] as Array<string | null>);
    const found = raw
      .filter((v): v is string => typeof v === 'string')
      .map((v) => JSON.parse(v) as InstanceStatus);
    return [own, ...found];
  }
}
