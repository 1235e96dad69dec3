import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import mongoose, { Types } from 'mongoose';
import { NotFoundError, ValidationError } from '../../errors/app-error';
import { isDuplicateKey } from '../../errors/is-duplicate-key';
import type { Metrics } from '../../infra/metrics';
import { encodeCursor, type Page, toPage } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { Notifier } from '../../ports/notifier';
import type { RelationshipChanges } from '../../ports/relationship-changes';
import type { Quota } from '../../rate-limits/user-quotas';
import type { ActorProfiles } from '../notifications/actor-profiles';
import type { UserModel } from '../users/user-model';
import { type ConversationDoc, type ConversationModel, conversationKey } from './conversation-model';
import { seenMark } from './conversation-update';
import { GroupCommit } from './group-commit';
import type { MessageDoc, MessageModel } from './message-model';
import { conversationsQuery, createdAfterQuery, messagesQuery } from './message-queries';
import {
  type PublicConversation,
  type PublicMessage,
  toPublicConversation,
  toPublicMessage,
} from './message-view';
import { type ConversationOutbox, MessageWriter, type QueuedSend, type SendResult } from './message-writer';

export interface SendInput {
  recipientId: string;
  text: string;
  clientId?: string | undefined;
}

/** The sending device, left out of the fan-out because the ack already gave it the message. */
export interface SendOrigin {
  socketId?: string | undefined;
}

const oid = (id: string) => new Types.ObjectId(id);

export interface MessageServiceDeps {
  messages: MessageModel;
  conversations: ConversationModel;
  users: UserModel;
  notifier: Notifier;
  /** the sender's public name for the recipient's derived notification */
  actors: ActorProfiles;
  metrics: Pick<
    Metrics,
    'messageBatchSize' | 'messageQueueDepth' | 'messageRejections' | 'messageStageSeconds'
  >;
  settings: {
    batchMax: number;
    queueMax: number;
    /** batches whose insert may be in flight at once (MESSAGE_INSERTS_IN_FLIGHT) */
    insertsInFlight: number;
    cacheMax: number;
    retryWindowMs: number;
    /** conversations per update write (MESSAGE_UPDATE_CHUNK) */
    updateChunk: number;
  };
  /** told when a pair may have its first conversation (typing and presence privacy) */
  relationships?: RelationshipChanges | undefined;
  /**
   * Where conversation updates go when they are applied after the ack (the outbox feature);
   * absent, every batch applies them before its ack.
   */
  outbox?: ConversationOutbox | undefined;
  /** new conversations (a pair's first message) per sender and window: 429 RATE_LIMITED over it */
  conversationQuota?: Quota | undefined;
}

interface Pair {
  sender: string;
  recipient: string;
}

/**
 * Direct messages, shared by `POST /api/messages` and the `message:send` event. A send is
 * validated, its conversation resolved (no read for a pair this instance has seen), then
 * queued; the write queue (group-commit.ts) hands batches to the MessageWriter, which stores
 * them, pushes them and answers each send once durable. An emit can be lost, the message
 * cannot, and `sync` hands it out again. docs/realtime.md "The message hot path".
 */
export class MessageService {
  private readonly queue: GroupCommit<QueuedSend, SendResult>;
  private readonly writer: MessageWriter;
  /**
   * "This user exists" and "this pair's conversation id" never change once true (users are
   * not deleted, a pair's conversation is unique by key): each instance keeps them. Lookups
   * of one key share one flight, which also keeps two sends of a new pair in order.
   */
  private readonly knownUsers: LRUCache<string, true>;
  private readonly knownConversations: LRUCache<string, Types.ObjectId, Pair>;

  constructor(private readonly deps: MessageServiceDeps) {
    this.knownUsers = new LRUCache<string, true>({
      max: deps.settings.cacheMax,
      fetchMethod: async (id) => {
        const found = await deps.users.exists({ _id: oid(id) });
        // a miss is not cached: the user may register a moment later
        if (found === null) throw new NotFoundError('Recipient');
        return true as const;
      },
    });
    this.knownConversations = new LRUCache<string, Types.ObjectId, Pair>({
      max: deps.settings.cacheMax,
      fetchMethod: async (key, _stale, { context }) => {
        await this.knownUsers.fetch(context.recipient);
        return this.upsertConversation(key, context);
      },
    });
    this.writer = new MessageWriter({
      messages: deps.messages.collection,
      conversations: deps.conversations.collection,
      notifier: deps.notifier,
      actors: deps.actors,
      outbox: deps.outbox,
      queued: () => this.queue.depth,
      retryWindowMs: deps.settings.retryWindowMs,
      // updates owed are bounded like sends queued: past it, inserts wait for the store
      lane: { chunk: deps.settings.updateChunk, maxOwed: deps.settings.queueMax },
      onStage: (stage, ms, sends) => {
        const h = deps.metrics.messageStageSeconds.labels(stage);
        for (let i = 0; i < sends; i++) h.observe(ms / 1000);
      },
    });
    deps.outbox?.onCounted((counted) => this.writer.notifyCounted(counted));
    this.queue = new GroupCommit({
      maxBatch: deps.settings.batchMax,
      maxQueue: deps.settings.queueMax,
      maxInFlight: deps.settings.insertsInFlight,
      write: (batch) => this.writer.write(batch),
      onBatch: (n) => deps.metrics.messageBatchSize.observe(n),
      onDepth: (n) => deps.metrics.messageQueueDepth.set(n),
      onReject: () => deps.metrics.messageRejections.inc(),
    });
  }

  async send(senderId: string, input: SendInput, origin: SendOrigin = {}): Promise<SendResult> {
    if (senderId === input.recipientId)
      throw new ValidationError('You cannot message yourself', [{ path: 'recipientId', message: 'is you' }]);
    // Both are plain values for a known pair and sender; otherwise one shared lookup each,
    // which resolves in arrival order and so keeps a sender's sends in order.
    const pair = this.conversationFor(senderId, input.recipientId);
    const [conversation, actor] = await Promise.all([pair, this.deps.actors.get(senderId)]);
    // a pair new to this instance may be a new conversation: typing and presence privacy re-read it
    if (pair instanceof Promise) void this.deps.relationships?.partnered(senderId, input.recipientId);
    if (!actor) throw new NotFoundError('Sender');
    return this.queue.submit({
      senderId,
      recipientId: input.recipientId,
      conversation,
      text: input.text,
      clientId: input.clientId ?? randomUUID(),
      socketId: origin.socketId,
      actor,
      queuedAt: performance.now(),
    });
  }

  /** Resolves once every queued send is written and answered (shutdown). */
  drained(): Promise<void> {
    return this.queue.drained();
  }

  /** The pair's conversation id, created on its first message; NotFoundError for an unknown recipient. */
  private conversationFor(sender: string, recipient: string): Types.ObjectId | Promise<Types.ObjectId> {
    const key = conversationKey(sender, recipient);
    const known = this.knownConversations.get(key);
    if (known) return known;
    return this.knownConversations.fetch(key, { context: { sender, recipient } }).then((id) => {
      if (!id) throw new Error('conversation lookup answered nothing');
      return id;
    });
  }

  private async upsertConversation(key: string, pair: Pair): Promise<Types.ObjectId> {
    const participants = [oid(pair.sender), oid(pair.recipient)];
    if (this.deps.conversationQuota) {
      // only a pair's first message starts a conversation; an existing one costs nothing
      const existing = await this.deps.conversations.findOne({ key }, { _id: 1 }).lean();
      if (existing) return existing._id;
      await this.deps.conversationQuota.spend(pair.sender);
    }
    const upsert = () =>
      this.deps.conversations
        .findOneAndUpdate(
          { key },
          { $setOnInsert: { key, participants } },
          { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
        )
        .lean();
    try {
      const doc = await upsert();
      if (doc) return doc._id;
    } catch (err) {
      // Two first messages of a pair at once (two instances): one upsert inserts, the other
      // hits the unique key and finds the document on the retry.
      if (!isDuplicateKey(err)) throw err;
    }
    const doc = await upsert();
    if (!doc) throw new Error('conversation upsert returned nothing');
    return doc._id;
  }

  async listConversations(userId: string, page: PageRequest): Promise<Page<PublicConversation>> {
    const rows = await conversationsQuery(this.deps.conversations, userId, page).lean();
    const hasMore = rows.length > page.limit;
    const pageRows = hasMore ? rows.slice(0, page.limit) : rows;
    const others = pageRows.map((c) => otherParticipant(c, userId));
    const users = await this.deps.users
      .find({ _id: mongoose.trusted({ $in: others }) }, { username: 1, name: 1 })
      .lean();
    const byId = new Map(users.map((u) => [u._id.toHexString(), u]));
    const last = pageRows[pageRows.length - 1];
    return {
      items: pageRows.map((c, i) => {
        const other = others[i]!.toHexString();
        const u = byId.get(other);
        return toPublicConversation(c, userId, {
          id: other,
          username: u?.username ?? '[deleted]',
          name: u?.name ?? '',
        });
      }),
      nextCursor: hasMore && last ? encodeCursor({ createdAt: last.lastMessageAt, _id: last._id }) : null,
    };
  }

  async listMessages(
    userId: string,
    conversationId: string,
    page: PageRequest,
  ): Promise<Page<PublicMessage>> {
    const conversation = await this.participantOf(userId, conversationId);
    const rows = await messagesQuery(this.deps.messages, conversation._id, page).lean();
    return toPage(rows, page.limit, toPublicMessage);
  }

  /**
   * Marks the conversation read for the user and tells the other participant and the user's
   * other devices: the only place message:seen is sent.
   */
  async markSeen(
    userId: string,
    conversationId: string,
    origin: SendOrigin = {},
  ): Promise<{ conversationId: string; seenAt: string }> {
    const at = new Date();
    // The seen mark: a conversation update of an older message that lands after this must not
    // count it unread (conversation-update.ts). The newest stored message, not the clock:
    // createdAt is the sending instance's clock.
    const [newest] = await messagesQuery(this.deps.messages, oid(conversationId), { limit: 1 })
      .select({ createdAt: 1, _id: 1 })
      .lean();
    // Not a participant and no such conversation answer alike, so ids cannot be probed.
    const conversation = await this.deps.conversations
      .findOneAndUpdate(
        { _id: oid(conversationId), participants: oid(userId) },
        {
          $set: { [`unread.${userId}`]: 0, [`lastReadAt.${userId}`]: at },
          ...(newest
            ? {
                $max: {
                  [`seenUpTo.${userId}`]: seenMark(newest.createdAt.getTime(), newest._id.toHexString()),
                },
              }
            : {}),
        },
        { returnDocument: 'after' },
      )
      .lean();
    if (!conversation) throw new NotFoundError('Conversation');
    const other = otherParticipant(conversation, userId).toHexString();
    const payload = { conversationId, by: userId, at: at.toISOString() };
    this.deps.notifier.toUsersExceptSocket([other, userId], origin.socketId, 'message:seen', payload);
    return { conversationId, seenAt: at.toISOString() };
  }

  /** Oldest first after `since` (up to `upTo` when given), at most `limit + 1` rows. */
  async createdAfter(userId: string, since: Date, limit: number, upTo?: Date): Promise<MessageDoc[]> {
    return createdAfterQuery(this.deps.messages, userId, since, limit, upTo).lean();
  }

  private async participantOf(userId: string, conversationId: string): Promise<ConversationDoc> {
    const doc = await this.deps.conversations
      .findOne({ _id: oid(conversationId), participants: oid(userId) })
      .lean();
    if (!doc) throw new NotFoundError('Conversation');
    return doc;
  }
}

function otherParticipant(c: ConversationDoc, userId: string): Types.ObjectId {
  return c.participants.find((p) => !p.equals(userId)) ?? c.participants[0]!;
}
