/**
 * How many conversations the outbox's next write takes, so that one write holds the store
 * for about `budgetMs` (MESSAGE_LANE_WRITE_MS) at most. An insert that reaches a single-writer
 * store during an outbox write waits for all of it, so the write's length, not its count of
 * conversations, is what bounds that wait: about 2 ms per conversation on FerretDB over SQLite,
 * a tenth of that on MongoDB. The cost per conversation is learnt from the writes themselves
 * (a moving average), and the first write takes one conversation, before anything is known.
 */
export class ConversationsPerWrite {
  private msPerConversation: number | undefined;

  constructor(
    private readonly budgetMs: number,
    /** the most one write takes whatever the store's speed (MESSAGE_LANE_CHUNK) */
    private readonly max: number,
  ) {}

  next(): number {
    if (this.msPerConversation === undefined) return 1;
    const fits = Math.floor(this.budgetMs / Math.max(this.msPerConversation, 1e-3));
    return Math.max(1, Math.min(this.max, fits));
  }

  /** A write of `conversations` took `ms` (failed writes are not counted). */
  observe(conversations: number, ms: number): void {
    if (conversations <= 0 || !(ms >= 0)) return;
    const sample = ms / conversations;
    this.msPerConversation =
      this.msPerConversation === undefined ? sample : 0.8 * this.msPerConversation + 0.2 * sample;
  }
}
