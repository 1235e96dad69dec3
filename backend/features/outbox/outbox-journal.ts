import type { MessageSummary } from '../../modules/messages/conversation-update';

/**
 * Where an instance records the conversation updates it owes, before it acks their messages:
 * if the instance dies with updates owed, a peer adopts its entries and applies them. Entries
 * are values: adding one twice is one entry, and applying one twice changes nothing (the
 * conversation's applied ids).
 */
export interface OutboxJournal {
  /** the instance whose entries `add` writes */
  readonly owner: string;
  /** Resolves once the entries survive this process; rejects if they may not. */
  add(entries: readonly MessageSummary[]): Promise<void>;
  /** Applied: forget them. */
  remove(entries: readonly MessageSummary[]): Promise<void>;
  /**
   * Lists this owner where peers look (again: a peer that took it for dead unlisted it), then
   * moves the entries of every owner that is neither `live` nor this one into this owner's,
   * each dead owner's in one atomic step (two peers adopting at once split nothing and
   * duplicate nothing), and returns what was moved.
   */
  adopt(live: ReadonlySet<string>): Promise<MessageSummary[]>;
  /** This owner's entries (a restart under the same instance id finds what it left). */
  own(): Promise<MessageSummary[]>;
}

// A fixed field order, so an entry encodes to the same member every time (remove finds it).
export function encodeEntry(e: MessageSummary): string {
  return JSON.stringify([e.conversation, e.id, e.sender, e.recipient, e.createdAt, e.preview]);
}

export function decodeEntry(member: string): MessageSummary {
  const [conversation, id, sender, recipient, createdAt, preview] = JSON.parse(member) as [
    string,
    string,
    string,
    string,
    number,
    string,
  ];
  return { conversation, id, sender, recipient, createdAt, preview };
}
