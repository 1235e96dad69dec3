import { randomUUID } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import type { RelationshipChanges } from '../../contacts/relationship-changes';
import { NotFoundError, ValidationError } from '../../errors/app-error';
import type { Logger } from '../../infra/logger';
import type { Metrics } from '../../infra/metrics';
import { encodeCursor, type Page, toPage } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { Notifier } from '../../ports/notifier';
import type { ActorProfiles } from '../notifications/actor-profiles';
import { entryNotification } from '../notifications/message-notification';
import type { UserModel } from '../users/user-model';
import { ConversationLane } from './conversation-lane';
import type { ConversationDoc, ConversationModel } from './conversation-model';
import { seenMark } from './counted-updates';
import { GroupCommit } from './group-commit';
import type { LaneEntry, LaneJournal } from './lane-journal';
import { type BatchFaults, MessageBatchWriter, type PendingMessage } from './message-batch-writer';
import type { MessageDoc, MessageModel } from './message-model';
import { conversationsQuery, createdAfterQuery, messagesQuery } from './message-queries';
import {
  type PublicConversation,
  type PublicMessage,
  toPublicConversation,
  toPublicMessage,
} from './message-view';
import { PairDirectory } from './pair-directory';

export interface SendInput {
  recipientId: string;
  text: string;
  clientId?: string | undefined;
}

export interface SendResult {
  message: PublicMessage;
  /** false when the clientId was seen before: the stored message is answered again */
  created: boolean;
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
  metrics: Pick<Metrics, 'messageBatchSize' | 'messageQueueDepth' | 'messageRejections'> &
    Partial<Pick<Metrics, 'messageLanePending' | 'messageLaneApplied' | 'messageLaneFallbacks'>>;
  settings: { batchMax: number; queueMax: number; cacheMax: number; retryWindowMs: number };
  /** test-only fault injection between the writes of a batch */
  faults?: BatchFaults | undefined;
  /** told when a pair may have its first conversation (typing and presence privacy) */
  relationships?: RelationshipChanges | undefined;
  /**
   * Deferred conversation writes (flag messages.conversationWrites): absent without Redis,
   * where every batch applies its conversation updates before the ack.
   */
  lane?: LaneSettings | undefined;
}

export interface LaneSettings {
  journal: LaneJournal;
  /** the flag messages.conversationWrites says deferred */
  enabled(): boolean;
  /**
   * A batch smaller than this, with nothing queued behind it and nothing owed, applies its
   * updates before the ack even when deferred (MESSAGE_LANE_MIN_BATCH).
   */
  minBatch: number;
  /** conversations per bulkWrite */
  chunk: number;
  maxPending: number;
  logger: Logger;
  /** test-only: runs before each lane write; a throw fails it */
  beforeApply?(): Promise<void> | void;
}

/**
 * Direct messages, shared by `POST /api/messages` and the `message:send` event. A send is
 * validated, its pair resolved (cached per instance: no read for a pair seen before), then
 * handed to this instance's write pipeline, which stores it in the next batch (one insertMany
 * and one conversation bulkWrite per batch), acks it once durable, and emits it. An emit can
 * be lost, the message cannot, and `sync` hands it out again.
 */
export class MessageService {
  private readonly pairs: PairDirectory;
  private readonly pipeline: GroupCommit<PendingMessage, SendResult>;
  /** owes the conversation updates of acked messages when writes are deferred */
  readonly lane: ConversationLane | undefined;

  constructor(private readonly deps: MessageServiceDeps) {
    this.pairs = new PairDirectory({
      users: deps.users,
      conversations: deps.conversations,
      max: deps.settings.cacheMax,
    });
    const settings = deps.lane;
    if (settings) {
      this.lane = new ConversationLane({
        conversations: deps.conversations.collection,
        journal: settings.journal,
        chunk: settings.chunk,
        maxPending: settings.maxPending,
        logger: settings.logger,
        beforeApply: settings.beforeApply,
        onPending: (n) => deps.metrics.messageLanePending?.set(n),
        onApplied: (n) => deps.metrics.messageLaneApplied?.inc(n),
        onCounted: (entries) => this.notifyCounted(entries),
      });
    }
    const lane = this.lane;
    const logger = settings?.logger;
    const writer = new MessageBatchWriter({
      messages: deps.messages.collection,
      conversations: deps.conversations.collection,
      notifier: deps.notifier,
      deferred: lane && {
        // At low load the store keeps up with update-before-ack, and the journal's round trip
        // would cost more CPU than it saves (docs/benchmarks.md, stop 20): the lane engages
        // when sends queue up, a batch carries several, or it owes updates already.
        wanted: (batchSize) =>
          settings!.enabled() &&
          (batchSize >= settings!.minBatch || this.pipeline.depth > 0 || lane.depth > 0),
        accept: (entries) => lane.accept(entries),
        onFallback: (err) => {
          deps.metrics.messageLaneFallbacks?.inc();
          logger?.warn(
            { err: (err as Error).message },
            'conversation lane refused a batch: applied before the ack',
          );
        },
      },
      retryWindowMs: deps.settings.retryWindowMs,
      faults: deps.faults,
    });
    this.pipeline = new GroupCommit({
      maxBatch: deps.settings.batchMax,
      maxQueue: deps.settings.queueMax,
      write: (batch) => writer.write(batch),
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
    const pair = this.pairs.conversationFor(senderId, input.recipientId);
    const [conversation, actor] = await Promise.all([pair, this.deps.actors.get(senderId)]);
    // a pair new to this instance may be a new conversation: typing and presence privacy re-read it
    if (pair instanceof Promise) this.deps.relationships?.partnered(senderId, input.recipientId);
    if (!actor) throw new NotFoundError('Sender');
    return this.pipeline.submit({
      senderId,
      recipientId: input.recipientId,
      conversation,
      text: input.text,
      clientId: input.clientId ?? randomUUID(),
      socketId: origin.socketId,
      actor,
    });
  }

  /**
   * Resolves once every accepted send is written and answered (shutdown), and the lane has
   * applied what it owes or `laneTimeoutMs` passed (the rest stays journaled for a peer).
   */
  async drained(laneTimeoutMs?: number): Promise<void> {
    await this.pipeline.drained();
    await this.lane?.drained(laneTimeoutMs);
  }

  /** The lane's notification:new: the recipient's unread count includes these messages now. */
  private async notifyCounted(entries: LaneEntry[]): Promise<void> {
    for (const e of entries) {
      const actor = await Promise.resolve(this.deps.actors.get(e.sender)).catch(() => undefined);
      if (!actor) continue;
      this.deps.notifier.toUsers([e.recipient], 'notification:new', {
        notification: entryNotification(e, actor),
      });
    }
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

  /** Marks the conversation read for the user and tells the other participant and the user's other devices. */
  async markSeen(
    userId: string,
    conversationId: string,
    origin: SendOrigin = {},
  ): Promise<{ conversationId: string; seenAt: string }> {
    const at = new Date();
    // How far the user saw: a deferred conversation update of an older message must not count
    // it unread after this (conversation-lane.ts). The newest stored message, not the clock:
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
