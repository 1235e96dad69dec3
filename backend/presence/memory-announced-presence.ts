import type { AnnouncedPresence } from './announced-presence';

/** One instance's view: exact for a single instance, and the fallback while Redis is away. */
export class MemoryAnnouncedPresence implements AnnouncedPresence {
  private readonly online = new Set<string>();

  async flip(userId: string, online: boolean): Promise<boolean> {
    const was = this.online.has(userId);
    if (online) this.online.add(userId);
    else this.online.delete(userId);
    return was !== online;
  }
}
