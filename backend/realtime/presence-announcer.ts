import { KeyedSerializer } from '../infra/keyed-serializer';
import type { Logger } from '../infra/logger';
import type { Notifier } from '../ports/notifier';
import type { AnnouncedPresence } from '../presence/announced-presence';
import type { PresenceStore } from '../presence/presence-store';

export interface PresenceAnnouncerDeps {
  presence: PresenceStore;
  /** what followers were last told, shared by the instances so each change is told once */
  announced: AnnouncedPresence;
  /** who may learn the user's presence (contacts/contact-book: followers and conversation partners) */
  audienceOf: (userId: string) => Promise<string[]>;
  /** the audience if known without the store (cached here or shared), read with the presence write */
  knownAudience?: (userId: string) => Promise<string[] | undefined>;
  notifier: Notifier;
  /** how long a user with no device left stays "online" before followers hear otherwise */
  graceMs: number;
  logger: Logger;
}

/**
 * Keeps the presence store in step with this instance's sockets and tells followers when a
 * user comes online or goes offline (no device left after a grace period, so a page reload
 * does not flap). Sockets are counted by the store in force, so with a shared store "no device
 * left" is cluster-wide; in memory mode it is per instance, the bug the presence migration
 * fixes. Each change is announced once: the instance that flips the recorded state tells.
 *
 * Per user, connects and disconnects are applied in the order they happened here
 * (KeyedSerializer), so a fast reload cannot remove before it adds.
 */
export class PresenceAnnouncer {
  private readonly perUser = new KeyedSerializer();
  private readonly offlineTimers = new Map<string, NodeJS.Timeout>();
  private readonly pendingChecks = new Set<Promise<void>>();

  constructor(private readonly deps: PresenceAnnouncerDeps) {}

  connected(userId: string, socketId: string): Promise<void> {
    return this.perUser.run(userId, async () => {
      const timer = this.offlineTimers.get(userId);
      if (timer) {
        // Back within the grace period: followers never heard "offline", so no "online" either.
        clearTimeout(timer);
        this.offlineTimers.delete(userId);
        await this.deps.presence.add(userId, socketId);
        return;
      }
      // The entry, the recorded state and the shared audience travel in the same tick: one
      // round trip. Only a connect that flips the state and finds no audience reads the store.
      const [, flipped, known] = await Promise.all([
        this.deps.presence.add(userId, socketId),
        this.deps.announced.flip(userId, true),
        this.deps.knownAudience?.(userId).catch(() => undefined),
      ]);
      if (flipped) await this.tell(userId, true, known);
    });
  }

  disconnected(userId: string, socketId: string): Promise<void> {
    return this.perUser.run(userId, async () => {
      await this.deps.presence.remove(userId, socketId);
      if (this.offlineTimers.has(userId)) return;
      if ((await this.deps.presence.count(userId)) > 0) return;
      const timer = setTimeout(() => {
        this.offlineTimers.delete(userId);
        void this.recheck(userId);
      }, this.deps.graceMs);
      this.offlineTimers.set(userId, timer);
    });
  }

  /**
   * Announces the user offline if no device is left anywhere: after the grace period, and for
   * the users of an instance that crashed (the reaper removed devices nobody disconnected).
   */
  recheck(userId: string): Promise<void> {
    const check = this.perUser
      .run(userId, async () => {
        // A device may have come back on another instance meanwhile.
        if ((await this.deps.presence.count(userId)) === 0) await this.announce(userId, false);
      })
      .catch((err: unknown) => this.deps.logger.warn({ err, userId }, 'presence offline check failed'));
    this.pendingChecks.add(check);
    void check.finally(() => this.pendingChecks.delete(check));
    return check;
  }

  /**
   * Shutdown: lets pending offline checks run out their grace (at most graceMs), so users
   * whose clients reconnect to another instance are not announced offline in between.
   */
  async close(): Promise<void> {
    const deadline = Date.now() + this.deps.graceMs + 50;
    while ((this.offlineTimers.size > 0 || this.pendingChecks.size > 0) && Date.now() < deadline) {
      if (this.pendingChecks.size > 0) await Promise.all(this.pendingChecks);
      else await new Promise((r) => setTimeout(r, 20));
    }
    for (const timer of this.offlineTimers.values()) clearTimeout(timer);
    this.offlineTimers.clear();
  }

  private async announce(userId: string, online: boolean): Promise<void> {
    if (await this.deps.announced.flip(userId, online)) await this.tell(userId, online);
  }

  private async tell(userId: string, online: boolean, known?: string[]): Promise<void> {
    const audience = known ?? (await this.deps.audienceOf(userId));
    if (audience.length > 0) this.deps.notifier.toUsers(audience, 'presence:changed', { userId, online });
  }
}
