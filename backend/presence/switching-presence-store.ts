import type { FlagReader } from '../flags/flag-reader';
import type { Logger } from '../infra/logger';
import type { MemoryPresenceStore } from './memory-presence-store';
import type { PresenceStore } from './presence-store';

/**
 * services.presence: picks the store by flag presence.mode on every call, so a live flag
 * change takes effect on the next read or write. Memory is written in every mode (it is the
 * fallback and the source of backfills); `dual-write` and `redis` go through `redisBacked`,
 * which writes both and routes reads. Without Redis every mode behaves as `memory`.
 */
export class SwitchingPresenceStore implements PresenceStore {
  private warnedNoRedis = false;

  constructor(
    private readonly deps: {
      memory: MemoryPresenceStore;
      /** the dual-write store (also serves `redis` mode); undefined without REDIS_URL */
      redisBacked: PresenceStore | undefined;
      flags: Pick<FlagReader, 'get'>;
      logger: Logger;
    },
  ) {}

  private active(): PresenceStore {
    const mode = this.deps.flags.get('presence.mode');
    if (mode === 'memory') return this.deps.memory;
    if (this.deps.redisBacked) return this.deps.redisBacked;
    if (!this.warnedNoRedis) {
      this.warnedNoRedis = true;
      this.deps.logger.warn({ mode }, 'presence.mode needs Redis (REDIS_URL unset): serving from memory');
    }
    return this.deps.memory;
  }

  add(userId: string, socketId: string): Promise<void> {
    return this.active().add(userId, socketId);
  }

  remove(userId: string, socketId: string): Promise<void> {
    return this.active().remove(userId, socketId);
  }

  count(userId: string): Promise<number> {
    return this.active().count(userId);
  }

  isOnline(userIds: string[]): Promise<Map<string, boolean>> {
    return this.active().isOnline(userIds);
  }
}
