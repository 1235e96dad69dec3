import { execTransaction } from '../../infra/exec-transaction';
import type { RedisGuard } from '../../infra/redis-guard';
import type { MessageSummary } from '../../modules/messages/conversation-update';
import { decodeEntry, encodeEntry, type OutboxJournal } from './outbox-journal';

// One hash tag for every journal: adopt's transaction moves one owner's entries into
// another's, which a Redis Cluster allows only within one slot. The name `{lane}` is stored
// state: renamed, the journals of instances still running the old name would go unadopted.
const ownersKey = (prefix: string) => `${prefix}{lane}`;
const entriesKey = (prefix: string, owner: string) => `${prefix}{lane}:${owner}`;

/**
 * The journal in Redis: per owner a sorted set of encoded entries (scored by the message's
 * createdAt, oldest first), and a set of owners so peers find them without a SCAN. Commands go
 * through the fail-fast guard: while Redis is away `add` rejects at once and the batch applies
 * its conversation updates before the ack instead.
 */
export class RedisOutboxJournal implements OutboxJournal {
  /** in the owners set: an add is then one ZADD (each adopt pass lists this owner again) */
  private listed = false;

  constructor(private readonly deps: { guard: RedisGuard; prefix: string; owner: string }) {}

  get owner(): string {
    return this.deps.owner;
  }

  async add(entries: readonly MessageSummary[]): Promise<void> {
    if (entries.length === 0) return;
    const { prefix, owner } = this.deps;
    const scored = entries.flatMap((e) => [e.createdAt, encodeEntry(e)]);
    if (this.listed) {
      await this.deps.guard.run((r) => r.zadd(entriesKey(prefix, owner), ...scored));
      return;
    }
    await this.deps.guard.run((r) =>
      execTransaction(
        r
          .multi()
          .zadd(entriesKey(prefix, owner), ...scored)
          .sadd(ownersKey(prefix), owner),
        'outbox journal',
      ),
    );
    this.listed = true;
  }

  async remove(entries: readonly MessageSummary[]): Promise<void> {
    if (entries.length === 0) return;
    const { prefix, owner } = this.deps;
    await this.deps.guard.run((r) => r.zrem(entriesKey(prefix, owner), ...entries.map(encodeEntry)));
  }

  async adopt(live: ReadonlySet<string>): Promise<MessageSummary[]> {
    const { prefix, owner } = this.deps;
    // Listed again on every pass: a peer that took this owner for dead (a stalled heartbeat)
    // unlisted it, and entries it added since must stay findable should it really die.
    const [, owners] = await this.deps.guard.run((r) =>
      Promise.all([r.sadd(ownersKey(prefix), owner), r.smembers(ownersKey(prefix))]),
    );
    const moved: MessageSummary[] = [];
    for (const dead of owners.filter((o) => o !== owner && !live.has(o))) {
      const mine = entriesKey(prefix, owner);
      const theirs = entriesKey(prefix, dead);
      const replies = await this.deps.guard.run((r) =>
        r
          .multi()
          .zrange(theirs, 0, -1)
          .zunionstore(mine, 2, mine, theirs, 'AGGREGATE', 'MIN')
          .del(theirs)
          .srem(ownersKey(prefix), dead)
          .sadd(ownersKey(prefix), owner)
          .exec(),
      );
      const [err, members] = replies?.[0] ?? [new Error('outbox journal: transaction discarded'), []];
      if (err) throw err;
      moved.push(...(members as string[]).map(decodeEntry));
    }
    return moved;
  }

  async own(): Promise<MessageSummary[]> {
    const { prefix, owner } = this.deps;
    const members = await this.deps.guard.run((r) => r.zrange(entriesKey(prefix, owner), 0, -1));
    return members.map(decodeEntry);
  }
}
