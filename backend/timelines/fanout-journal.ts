/** What a write left for the fan-out worker to do to timelines. */
export type FanoutJob =
  | { kind: 'post'; authorId: string; postId: string; at: number }
  | { kind: 'delete'; authorId: string; postId: string; at: number }
  | { kind: 'follow'; readerId: string; authorId: string }
  | { kind: 'unfollow'; readerId: string; authorId: string };

export interface JournaledJob {
  id: string;
  job: FanoutJob;
}

/**
 * The fan-out's crash-surviving queue: a write appends its job before it is acknowledged,
 * workers on any instance take jobs in batches and ack them once applied. A job taken by a
 * worker that died is handed to another after `reclaimMs`. Applying a job twice is harmless.
 */
export interface FanoutJournal {
  append(jobs: readonly FanoutJob[]): Promise<void>;
  /** up to `max` jobs: new ones, and ones another worker took and never acked */
  take(max: number): Promise<JournaledJob[]>;
  ack(ids: readonly string[]): Promise<void>;
  /** jobs appended and not yet acked */
  backlog(): Promise<number>;
}
