import type { Connection } from 'mongoose';

const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);

interface Succeeded {
  commandName: string;
  reply: {
    n?: number;
    nModified?: number;
    upserted?: unknown[];
    lastErrorObject?: { updatedExisting?: boolean; upserted?: unknown };
  };
}

/**
 * Counts database writes that changed something, from the driver's command monitoring (the
 * app's connection is opened with monitorCommands), so a test can prove a rejected request
 * wrote nothing.
 */
export class WriteWatch {
  private count = 0;
  private readonly listener = (e: Succeeded) => {
    if (!WRITES.has(e.commandName)) return;
    const r = e.reply ?? {};
    // update: `n` counts matches, so only nModified and upserts are changes. findAndModify does
    // not say whether it modified a match, so only its upserts count: an idempotent
    // "get or create" that finds its document is not a write.
    const changed =
      e.commandName === 'findAndModify'
        ? r.lastErrorObject?.upserted !== undefined
        : e.commandName === 'update'
          ? (r.nModified ?? 0) > 0 || (r.upserted?.length ?? 0) > 0
          : (r.n ?? 0) > 0;
    if (changed) this.count += 1;
  };

  constructor(private readonly mongo: Connection) {
    mongo.getClient().on('commandSucceeded', this.listener);
  }

  /** writes that changed data so far */
  get total(): number {
    return this.count;
  }

  stop(): void {
    this.mongo.getClient().off('commandSucceeded', this.listener);
  }
}
