import mongoose from 'mongoose';
import type { Socket } from 'socket.io-client';

export interface DeliveryAudit {
  acked: number;
  /** acked and stored in Mongo */
  stored: number;
  deliveredLive: number;
  /** acked, not pushed live, found by the recipient's `sync` */
  recoveredBySync: number;
  /** acked and neither pushed nor returned by `sync` */
  lost: number;
  lostKeys: string[];
  /** acked but not in Mongo */
  unstored: string[];
}

interface SyncReply {
  ok: boolean;
  messages?: Array<{ clientId: string }>;
  hasMore?: boolean;
  until?: string;
  error?: unknown;
}

/** Every clientId `sync` returns to this socket's user from `since` on, paging through `until`. */
export async function syncedClientIds(socket: Socket, since: Date): Promise<Set<string>> {
  const out = new Set<string>();
  let from = since.toISOString();
  for (let page = 0; page < 1000; page++) {
    const reply = (await socket.timeout(15_000).emitWithAck('sync', { since: from })) as SyncReply;
    if (!reply.ok) throw new Error(`sync refused: ${JSON.stringify(reply.error)}`);
    for (const m of reply.messages ?? []) out.add(m.clientId);
    if (!reply.hasMore || !reply.until || reply.until === from) break;
    from = reply.until;
  }
  return out;
}

/**
 * What became of each acknowledged send: in Mongo at all, then pushed live, or else returned by
 * the recipient's `sync` (what a client calls after a reconnect), or lost.
 */
export async function auditDelivery(opts: {
  mongoUrl: string;
  acked: Set<string>;
  delivered: Set<string>;
  /** the socket of each key's recipient (connected) */
  recipientOf: (key: string) => Socket;
  since: Date;
}): Promise<DeliveryAudit> {
  const acked = [...opts.acked];
  const db = mongoose.createConnection(opts.mongoUrl);
  let storedKeys: Set<string>;
  try {
    await db.asPromise();
    const rows = await db
      .collection('messages')
      .find({ clientId: { $in: acked } }, { projection: { clientId: 1 } })
      .toArray();
    storedKeys = new Set(rows.map((r) => String(r.clientId)));
  } finally {
    await db.close();
  }
  const missing = acked.filter((k) => !opts.delivered.has(k));
  const byRecipient = new Map<Socket, string[]>();
  for (const k of missing) {
    const s = opts.recipientOf(k);
    byRecipient.set(s, [...(byRecipient.get(s) ?? []), k]);
  }
  let recovered = 0;
  const lostKeys: string[] = [];
  for (const [socket, keys] of byRecipient) {
    const synced = await syncedClientIds(socket, opts.since);
    for (const k of keys) {
      if (synced.has(k)) recovered++;
      else lostKeys.push(k);
    }
  }
  return {
    acked: acked.length,
    stored: storedKeys.size,
    deliveredLive: acked.length - missing.length,
    recoveredBySync: recovered,
    lost: lostKeys.length,
    lostKeys: lostKeys.slice(0, 20),
    unstored: acked.filter((k) => !storedKeys.has(k)).slice(0, 20),
  };
}
