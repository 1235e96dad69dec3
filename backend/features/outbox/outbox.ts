import type { mongo } from 'mongoose';
import { UnavailableError } from '../../errors/app-error';
import type { Logger } from '../../infra/logger';
import { ConversationUpdates, type MessageSummary } from '../../modules/messages/conversation-update';
import type { ConversationOutbox } from '../../modules/messages/message-writer';
import { writerSharePause } from '../../modules/messages/writer-share';
import { ConversationsPerWrite } from './conversations-per-write';
import type { OutboxJournal } from './outbox-journal';

export interface OutboxMetrics {
  /** messages whose conversation update this instance owes */
  pending: { set(n: number): void };
  /** updates applied after the ack (adopted ones included) */
  applied: { inc(n?: number): void };
  /** batches the outbox refused, which applied their updates before the ack */
  fallbacks: { inc(): void };
}

export interface OutboxDeps {
  /** the conversations collection the owed updates are applied to */
  conversations: mongo.Collection;
  journal: OutboxJournal;
  /** the flag messages.conversationWrites says deferred */
  enabled(): boolean;
  /**
   * A batch smaller than this, with nothing queued behind it and nothing owed, applies its
   * updates before the ack even when deferred (MESSAGE_LANE_MIN_BATCH).
   */
  minBatch: number;
  /** conversations per write at most (MESSAGE_LANE_CHUNK) */
  chunk: number;
  /**
   * how long one write should hold the store at most (MESSAGE_LANE_WRITE_MS): writes take as
   * many conversations as fit, learnt from the writes so far (conversations-per-write.ts)
   */
  writeMs: number;
  /** the largest share of the store's time its writes take while more are owed (MESSAGE_LANE_SHARE) */
  share: number;
  /** messages owed at most; past it `add` refuses and the batch applies before the ack */
  maxPending: number;
  logger: Logger;
  metrics?: OutboxMetrics | undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const REMOVE_EVERY_MS = 100;

/**
 * The outbox (flag `messages.conversationWrites=deferred`, docs/realtime.md "Deferred
 * conversation writes: the outbox"): a batch is acked once its messages are inserted and their
 * conversation updates recorded in the journal here; the outbox applies them after, off the
 * ack path, coalesced per conversation across batches.
 *
 * It takes a batch only under load (`wants`): at low load the store keeps up with the update
 * before the ack, and the journal's round trip would cost more CPU than it saves.
 *
 * Each write takes as many conversations as fit in `writeMs` of the store's time, and the
 * writes pause so that together they keep to `share` of it: on a store with one writer
 * (FerretDB on SQLite) one bulkWrite of a hundred conversations holds every insert behind it
 * for a few hundred ms, and one of ten for about 25 ms, the messages' p99; in short writes the
 * inserts go between them. Nothing waits when one conversation is owed.
 *
 * The updates are ConversationUpdates' (idempotent, seen-guarded), so a write that fails is
 * tried again whole, and a peer that adopts a dead instance's journal applies its entries
 * without knowing which of them had landed.
 */
export class Outbox implements ConversationOutbox {
  /** owed, per conversation, in order */
  private owed = new Map<string, MessageSummary[]>();
  private size = 0;
  private running = false;
  private stopped = false;
  private failures = 0;
  private idle: Array<() => void> = [];
  private readonly updates: ConversationUpdates;
  private readonly perWrite: ConversationsPerWrite;
  private report: (counted: readonly MessageSummary[]) => Promise<void> = async () => {};
  private recovery: NodeJS.Timeout | undefined;
  /** applied, still in the journal until the next removal */
  private applied: MessageSummary[] = [];
  private removal: NodeJS.Timeout | undefined;

  constructor(private readonly deps: OutboxDeps) {
    this.updates = new ConversationUpdates(deps.conversations);
    this.perWrite = new ConversationsPerWrite(deps.writeMs, deps.chunk);
  }

  /** messages owed (added, not yet applied) */
  get depth(): number {
    return this.size;
  }

  wants(batchSize: number, queued: number): boolean {
    return this.deps.enabled() && (batchSize >= this.deps.minBatch || queued > 0 || this.size > 0);
  }

  /**
   * Journals the entries, then owes them: resolves once a peer could finish them if this
   * process died. Rejects, with nothing owed, when the journal refuses them or the outbox is
   * full or stopped; the refusal is counted here.
   */
  async add(messages: readonly MessageSummary[]): Promise<void> {
    try {
      if (this.stopped) throw new UnavailableError('outbox stopped');
      if (this.size + messages.length > this.deps.maxPending) throw new UnavailableError('outbox full');
      await this.deps.journal.add(messages);
    } catch (err) {
      this.deps.metrics?.fallbacks.inc();
      this.deps.logger.warn(
        { err: (err as Error).message },
        'outbox refused a batch: its conversation updates applied before the ack',
      );
      throw err;
    }
    this.enqueue(messages);
  }

  onCounted(report: (counted: readonly MessageSummary[]) => Promise<void>): void {
    this.report = report;
  }

  /**
   * Takes over the journals of instances not in `live` (dead: their heartbeat is gone) and
   * applies their entries; returns how many. Run by every instance on the presence reaper's
   * interval (startRecovery); two at once split nothing, the journal's move is atomic.
   */
  async recover(live: ReadonlySet<string>): Promise<number> {
    const entries = await this.deps.journal.adopt(live);
    if (entries.length > 0) {
      this.deps.logger.info({ entries: entries.length }, "outbox: adopted a dead instance's journal");
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
        .catch((err: Error) => this.deps.logger.debug({ err: err.message }, 'outbox: recovery pass failed'))
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

  /** Stops applying after the write in flight; what is owed stays journaled for a peer. */
  stop(): void {
    this.stopped = true;
    if (this.recovery) clearInterval(this.recovery);
    this.recovery = undefined;
  }

  /** Entries journaled already (adopted from a dead peer, or this owner's own after a restart). */
  private resume(entries: MessageSummary[]): void {
    // what is owed already (added in this run and not yet applied) is not owed twice
    const fresh = entries.filter((e) => !this.owed.get(e.conversation)?.some((p) => p.id === e.id));
    if (fresh.length > 0) this.enqueue(fresh);
  }

  /**
   * Applied entries leave the journal in one ZREM per REMOVE_EVERY_MS instead of one per
   * write: at low load a write is one message, and its own round trip was a fifth of what the
   * outbox added per message. An entry applied but still journaled when the instance dies is
   * applied again by the peer, which changes nothing (its notification may repeat).
   */
  private forget(done: MessageSummary[]): void {
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
      .catch((err: Error) => this.deps.logger.warn({ err: err.message }, 'outbox: journal remove failed'));
  }

  private enqueue(entries: readonly MessageSummary[]): void {
    for (const e of entries) {
      const list = this.owed.get(e.conversation);
      if (list) list.push(e);
      else this.owed.set(e.conversation, [e]);
    }
    this.size += entries.length;
    this.deps.metrics?.pending.set(this.size);
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.owed.size > 0 && !this.stopped) {
        const slice: Array<[string, MessageSummary[]]> = [];
        const take = this.perWrite.next();
        for (const [c, es] of this.owed) {
          if (slice.length >= take) break;
          slice.push([c, es]);
        }
        for (const [c] of slice) this.owed.delete(c);
        const started = performance.now();
        try {
          const done = slice.flatMap(([, es]) => es);
          const { countedUnread } = await this.updates.apply(done);
          this.perWrite.observe(slice.length, performance.now() - started);
          this.failures = 0;
          this.size -= done.length;
          this.deps.metrics?.pending.set(this.size);
          this.deps.metrics?.applied.inc(done.length);
          await this.report(countedUnread).catch((err: Error) =>
            this.deps.logger.warn({ err: err.message }, 'outbox: notifying failed'),
          );
          this.forget(done);
        } catch (err) {
          // Back in front, in order, with whatever arrived for them meanwhile after them.
          const rest = this.owed;
          this.owed = new Map(slice);
          for (const [c, es] of rest) {
            const list = this.owed.get(c);
            if (list) list.push(...es);
            else this.owed.set(c, es);
          }
          this.failures += 1;
          const delay = Math.min(100 * 2 ** (this.failures - 1), 5000);
          this.deps.logger.warn(
            { err: (err as Error).message, owed: this.size, retryInMs: delay },
            'outbox: apply failed, retrying',
          );
          await sleep(delay);
          continue;
        }
        // Give the store's writer back to the inserts: acks do not wait for these writes, so
        // the outbox keeps a small share of it and lets owed updates coalesce instead.
        if (this.owed.size > 0) await sleep(writerSharePause(performance.now() - started, this.deps.share));
      }
    } finally {
      this.running = false;
      if (this.size === 0) for (const done of this.idle.splice(0)) done();
    }
  }
}
