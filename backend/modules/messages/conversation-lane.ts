import type { mongo } from 'mongoose';
import { ConversationUpdates, type MessageSummary } from './conversation-update';
import { writerSharePause } from './writer-share';

interface Owed {
  message: MessageSummary;
  resolve(counted: boolean): void;
  reject(error: unknown): void;
}

export interface ConversationLaneOptions {
  /** conversations per write: a write holds a single-writer store's inserts behind it */
  chunk: number;
  /** messages owed at most; past it `room` waits, and so does the next batch's insert */
  maxOwed: number;
  /** true while sends wait for their insert: the lane then leaves the store to them a while */
  insertsWaiting?: (() => boolean) | undefined;
  /** while inserts wait, the largest share of the store's time the lane's writes take */
  share?: number | undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The conversation updates of inserted messages, applied off the insert path and before the
 * acks. A batch's insert never waits for the previous batch's update (the slowest stage,
 * docs/realtime.md "Where a send waits"): the message queue hands each batch's updates here
 * and writes the next batch at once, while each send's ack waits for its own update.
 *
 * Owed updates are kept per conversation, in order, and coalesced across batches: when the
 * store falls behind, a conversation's messages pile up and land in one update. A write takes
 * a few conversations (`chunk`), so an insert waits behind one small write, never behind
 * a whole batch's; while inserts wait, the lane pauses between writes. A failed write fails
 * the sends it carried, and their retries complete them (the updates are ConversationUpdates',
 * idempotent and seen-guarded).
 */
export class ConversationLane {
  private owed = new Map<string, Owed[]>();
  /** the write in flight: a retry of one of its messages waits for it */
  private writing: Owed[] = [];
  private size = 0;
  private running = false;
  private roomWaiters: Array<() => void> = [];
  private readonly updates: ConversationUpdates;

  constructor(
    conversations: mongo.Collection,
    private readonly opts: ConversationLaneOptions,
  ) {
    this.updates = new ConversationUpdates(conversations);
  }

  /** messages owed (handed in, not yet applied) */
  get depth(): number {
    return this.size;
  }

  /** Resolves once fewer than `maxOwed` are owed (backpressure on the insert path). */
  room(): Promise<void> {
    if (this.size < this.opts.maxOwed) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Owes the messages' updates; resolves once every one of them is applied, with those whose
   * recipient's unread count now includes them. Rejects if a write carrying one of them fails.
   */
  async apply(messages: readonly MessageSummary[]): Promise<{ countedUnread: MessageSummary[] }> {
    if (messages.length === 0) return { countedUnread: [] };
    const outcomes = messages.map(
      (message) =>
        new Promise<boolean>((resolve, reject) => {
          const entry = { message, resolve, reject };
          const list = this.owed.get(message.conversation);
          if (list) list.push(entry);
          else this.owed.set(message.conversation, [entry]);
        }),
    );
    this.size += messages.length;
    if (!this.running) void this.run();
    const counted = await Promise.all(outcomes);
    return { countedUnread: messages.filter((_, i) => counted[i]) };
  }

  /**
   * The outcome of this message's owed update, or undefined when none is owed (applied, failed,
   * or never handed in): a retry waits for it rather than apply it alongside.
   */
  pending(conversation: string, id: string): Promise<unknown> | undefined {
    const entry =
      this.owed.get(conversation)?.find((o) => o.message.id === id) ??
      this.writing.find((o) => o.message.id === id);
    if (!entry) return undefined;
    return new Promise((resolve) => {
      const { resolve: done, reject: failed } = entry;
      entry.resolve = (counted) => {
        done(counted);
        resolve(counted);
      };
      entry.reject = (error) => {
        failed(error);
        resolve(undefined);
      };
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.owed.size > 0) {
        const slice: Owed[] = [];
        let conversations = 0;
        for (const [c, entries] of this.owed) {
          if (conversations >= this.opts.chunk) break;
          conversations += 1;
          slice.push(...entries);
          this.owed.delete(c);
        }
        this.writing = slice;
        const started = performance.now();
        try {
          const { countedUnread } = await this.updates.apply(slice.map((o) => o.message));
          const counted = new Set(countedUnread.map((m) => m.id));
          for (const o of slice) o.resolve(counted.has(o.message.id));
        } catch (error) {
          for (const o of slice) o.reject(error);
        }
        this.writing = [];
        this.size -= slice.length;
        if (this.size < this.opts.maxOwed) for (const wake of this.roomWaiters.splice(0)) wake();
        // Inserts first: on a store with one writer (FerretDB on SQLite) back-to-back updates
        // would hold every insert behind one. Each ack waits for its update, so the lane keeps
        // half the writer by default.
        if (this.owed.size > 0 && this.opts.insertsWaiting?.())
          await sleep(writerSharePause(performance.now() - started, this.opts.share ?? 0.5));
      }
    } finally {
      this.running = false;
    }
  }
}
