import type { mongo } from 'mongoose';
import { UnavailableError } from '../../errors/app-error';
import type { Logger } from '../../infra/logger';
import { CountedUpdates } from './counted-updates';
import type { LaneEntry, LaneJournal } from './lane-journal';

export interface ConversationLaneDeps {
  conversations: mongo.Collection;
  journal: LaneJournal;
  /**
   * entries applied whose recipient had not seen them: their unread counts include them now
   * (awaited, so drained() means told too)
   */
  onCounted(entries: LaneEntry[]): Promise<void>;
  /** conversations per bulkWrite */
  chunk: number;
  /** entries owed at most; past it accept refuses and the writer applies before the ack */
  maxPending: number;
  logger: Logger;
  onPending?(n: number): void;
  onApplied?(n: number): void;
  /** test-only: runs before each chunk's write; a throw fails the chunk */
  beforeApply?(): Promise<void> | void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const REMOVE_EVERY_MS = 100;

/**
 * The deferred half of a message's two writes (flag `messages.conversationWrites=deferred`,
 * docs/realtime.md "Deferred conversation writes"): the batch writer acks a message once it
 * is inserted and journaled here, and this lane applies the conversation updates after, off
 * the ack path, coalesced per conversation across batches.
 *
 * It writes a few conversations per bulkWrite and then pauses as long as that write took: on
 * a store with one writer (FerretDB on SQLite) one bulkWrite of a hundred conversations holds
 * every insert behind it for a few hundred ms, which is what held the sustained rate down; in
 * small slices the inserts go between them. Nothing waits when one conversation is owed.
 *
 * Each update counts a message unread only if its recipient has not seen it (CountedUpdates).
 * The ledger makes every apply idempotent, so a chunk that fails is tried again whole, and a
 * peer that adopts a dead instance's journal applies its entries without knowing which of them
 * had landed.
 */
export class ConversationLane {
  private pending = new Map<string, LaneEntry[]>();
  private size = 0;
  private running = false;
  private stopped = false;
  private failures = 0;
  private idle: Array<() => void> = [];
  private readonly updates: CountedUpdates;
  private recovery: NodeJS.Timeout | undefined;
  /** applied, still in the journal until the next removal */
  private applied: LaneEntry[] = [];
  private removal: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ConversationLaneDeps) {
    this.updates = new CountedUpdates(deps.conversations);
  }

  /** entries owed (accepted, not yet applied) */
  get depth(): number {
    return this.size;
  }

  /**
   * Journals the entries, then owes them: resolves once a peer could finish them if this
   * process died. Rejects, with nothing owed, when the journal refuses them or the lane is full.
   */
  async accept(entries: LaneEntry[]): Promise<void> {
    if (this.stopped) throw new UnavailableError('conversation lane stopped');
    if (this.size + entries.length > this.deps.maxPending)
      throw new UnavailableError('conversation lane full');
    await this.deps.journal.add(entries);
    this.enqueue(entries);
  }

  /** Entries journaled already (adopted from a dead peer, or this owner's own after a restart). */
  resume(entries: LaneEntry[]): void {
    // what is owed already (accepted in this run and not yet applied) is not owed twice
    const fresh = entries.filter((e) => !this.pending.get(e.conversation)?.some((p) => p.id === e.id));
    if (fresh.length > 0) this.enqueue(fresh);
  }

  /**
   * Takes over the journals of instances not in `live` (dead: their heartbeat is gone) and
   * applies their entries; returns how many. Run by every instance on the presence reaper's
   * interval (startRecovery); two at once split nothing, the journal's move is atomic.
   */
  async recover(live: ReadonlySet<string>): Promise<number> {
    const entries = await this.deps.journal.adopt(live);
    if (entries.length > 0) {
      this.deps.logger.info(
        { entries: entries.length },
        "conversation lane: adopted a dead instance's journal",
      );
      this.resume(entries);
    }
    return entries.length;
  }

  startRecovery(liveInstanceIds: () => Promise<ReadonlySet<string>>, intervalMs: number): void {
    if (this.recovery) return;
    let busy = false;
    // a restart under the same instance id finds what its previous run left in its own journal
    let ownResumed = false;
    const pass = async () => {
      if (!ownResumed) {
        this.resume(await this.deps.journal.own());
        ownResumed = true;
      }
      return this.recover(await liveInstanceIds());
    };
    this.recovery = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      void pass()
        .catch((err: Error) =>
          this.deps.logger.debug({ err: err.message }, 'conversation lane: recovery pass failed'),
        )
        .finally(() => {
          busy = false;
        });
    }, intervalMs);
    this.recovery.unref();
  }

  /** Resolves once nothing is owed, or after `timeoutMs` (what is left stays journaled for a peer). */
  async drained(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const done =
      (this.size === 0 && !this.running) ||
      (await new Promise<boolean>((resolve) => {
        const timer =
          Number.isFinite(timeoutMs) && setTimeout(() => resolve(this.size === 0), timeoutMs).unref();
        this.idle.push(() => {
          if (timer) clearTimeout(timer);
          resolve(true);
        });
      }));
    await this.flushRemovals();
    return done;
  }

  /** Stops applying after the chunk in flight; what is owed stays journaled for a peer. */
  stop(): void {
    this.stopped = true;
    if (this.recovery) clearInterval(this.recovery);
    this.recovery = undefined;
  }

  /**
   * Applied entries leave the journal in one ZREM per REMOVE_EVERY_MS instead of one per
   * chunk: at low load a chunk is one message, and its own round trip was a fifth of what the
   * lane added per message. An entry applied but still journaled when the instance dies is
   * applied again by the peer, which the ledger makes a no-op (its notification may repeat).
   */
  private forget(done: LaneEntry[]): void {
    this.applied.push(...done);
    this.removal ??= setTimeout(() => void this.flushRemovals(), REMOVE_EVERY_MS).unref();
  }

  private async flushRemovals(): Promise<void> {
    if (this.removal) clearTimeout(this.removal);
    this.removal = undefined;
    const done = this.applied.splice(0);
    if (done.length === 0) return;
    await this.deps.journal
      .remove(done)
      .catch((err: Error) =>
        this.deps.logger.warn({ err: err.message }, 'conversation lane: journal remove failed'),
      );
  }

  private enqueue(entries: LaneEntry[]): void {
    for (const e of entries) {
      const list = this.pending.get(e.conversation);
      if (list) list.push(e);
      else this.pending.set(e.conversation, [e]);
    }
    this.size += entries.length;
    this.deps.onPending?.(this.size);
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.size > 0 && !this.stopped) {
        const chunk: Array<[string, LaneEntry[]]> = [];
        for (const [c, es] of this.pending) {
          if (chunk.length >= this.deps.chunk) break;
          chunk.push([c, es]);
        }
        for (const [c] of chunk) this.pending.delete(c);
        const started = performance.now();
        try {
          await this.deps.beforeApply?.();
          const { counted } = await this.updates.apply(chunk);
          this.failures = 0;
          const done = chunk.flatMap(([, es]) => es);
          this.size -= done.length;
          this.deps.onPending?.(this.size);
          this.deps.onApplied?.(done.length);
          await this.deps
            .onCounted(counted)
            .catch((err: Error) =>
              this.deps.logger.warn({ err: err.message }, 'conversation lane: notifying failed'),
            );
          this.forget(done);
        } catch (err) {
          // Back in front, in order, with whatever arrived for them meanwhile after them.
          const rest = this.pending;
          this.pending = new Map(chunk);
          for (const [c, es] of rest) {
            const list = this.pending.get(c);
            if (list) list.push(...es);
            else this.pending.set(c, es);
          }
          this.failures += 1;
          const delay = Math.min(100 * 2 ** (this.failures - 1), 5000);
          this.deps.logger.warn(
            { err: (err as Error).message, owed: this.size, retryInMs: delay },
            'conversation lane: apply failed, retrying',
          );
          await sleep(delay);
          continue;
        }
        // Give the store's writer back to the inserts for as long as this chunk held it.
        if (this.pending.size > 0) await sleep(performance.now() - started);
      }
    } finally {
      this.running = false;
      if (this.size === 0) for (const done of this.idle.splice(0)) done();
    }
  }
}
