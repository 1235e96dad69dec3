import { randomUUID } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import type { RelationshipChanges } from '../../contacts/relationship-changes';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/app-error';
import { isDuplicateKey } from '../../infra/mongo';
import { encodeCursor, type Page, toPage } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { ActivitySink } from '../../ports/activity-sink';
import type { Notifier } from '../../ports/notifier';
import type { UserModel } from '../users/user-model';
import { type ConversationDoc, type ConversationModel, conversationKey } from './conversation-model';
import type { MessageDoc, MessageModel } from './message-model';
import { conversationsQuery, createdAfterQuery, messagesQuery } from './message-queries';
import {
  type PublicConversation,
  type PublicMessage,
  toPublicConversation,
  toPublicMessage,
} from './message-view';

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

const PREVIEW_CHARS = 200;
const oid = (id: string) => new Types.ObjectId(id);

/**
 * Direct messages, shared by `POST /api/messages` and the `message:send` event. Order of
 * every write: persist the message, update the conversation, then emit; an emit can be lost,
 * the message cannot, and `sync` hands it out again.
 */
export class MessageService {
  constructor(
    private readonly deps: {
      messages: MessageModel;
      conversations: ConversationModel;
      users: UserModel;
      notifier: Notifier;
      activity: ActivitySink;
      /** told when a pair's first conversation appears (typing and presence privacy) */
      relationships?: RelationshipChanges;
    },
  ) {}

  async send(senderId: string, input: SendInput, origin: SendOrigin = {}): Promise<SendResult> {
    if (senderId === input.recipientId)
      throw new ValidationError('You cannot message yourself', [{ path: 'recipientId', message: 'is you' }]);
    const clientId = input.clientId ?? randomUUID();
    if ((await this.deps.users.exists({ _id: oid(input.recipientId) })) === null)
      throw new NotFoundError('Recipient');
    const conversation = await this.conversationFor(senderId, input.recipientId);
    if (!conversation.lastMessage) this.deps.relationships?.changed([senderId, input.recipientId]);
    let doc: MessageDoc;
    try {
      const created = await this.deps.messages.create({
        conversation: conversation._id,
        sender: oid(senderId),
        recipient: oid(input.recipientId),
        text: input.text,
        clientId,
      });
      doc = created.toObject();
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Lost a race with the same send on another device or instance: the winner's message is ours.
      const winner = await this.findByClientId(senderId, clientId);
      if (!winner) throw err;
      return { message: this.sameOrConflict(winner, input), created: false };
    }

    await this.recordOnConversation(conversation._id, doc);
    const message = toPublicMessage(doc);
    this.deps.notifier.toUsers([input.recipientId], 'message:new', { message });
    this.deps.notifier.toUserExceptSocket(senderId, origin.socketId, 'message:new', { message });
    await this.deps.activity.record({
      kind: 'message',
      actorId: senderId,
      userId: input.recipientId,
      conversationId: message.conversationId,
      messageId: message.id,
      text: message.text,
    });
    return { message, created: true };
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
    // Not a participant and no such conversation answer alike, so ids cannot be probed.
    const conversation = await this.deps.conversations
      .findOneAndUpdate(
        { _id: oid(conversationId), participants: oid(userId) },
        { $set: { [`unread.${userId}`]: 0, [`lastReadAt.${userId}`]: at } },
        { returnDocument: 'after' },
      )
      .lean();
    if (!conversation) throw new NotFoundError('Conversation');
    const other = otherParticipant(conversation, userId).toHexString();
    const payload = { conversationId, by: userId, at: at.toISOString() };
    this.deps.notifier.toUsers([other], 'message:seen', payload);
    this.deps.notifier.toUserExceptSocket(userId, origin.socketId, 'message:seen', payload);
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

  private findByClientId(senderId: string, clientId: string): Promise<MessageDoc | null> {
    return this.deps.messages.findOne({ sender: oid(senderId), clientId }).lean();
  }

  private sameOrConflict(existing: MessageDoc, input: SendInput): PublicMessage {
    if (!existing.recipient.equals(input.recipientId) || existing.text !== input.text)
      throw new ConflictError('clientId was already used for a different message', [
        { path: 'clientId', message: 'reused' },
      ]);
    return toPublicMessage(existing);
  }

  private async conversationFor(a: string, b: string): Promise<ConversationDoc> {
    const key = conversationKey(a, b);
    const upsert = () =>
      this.deps.conversations
        .findOneAndUpdate(
          { key },
          { $setOnInsert: { key, participants: [oid(a), oid(b)] } },
          { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
        )
        .lean();
    try {
      const doc = await upsert();
      if (doc) return doc;
    } catch (err) {
      // Two first messages between a pair at once: one upsert inserts, the other hits the
      // unique key and finds the document on the retry.
      if (!isDuplicateKey(err)) throw err;
    }
    const doc = await upsert();
    if (!doc) throw new Error('conversation upsert returned nothing');
    return doc;
  }

  private async recordOnConversation(conversationId: Types.ObjectId, m: MessageDoc): Promise<void> {
    const lastMessage = {
      id: m._id,
      sender: m.sender,
      text: m.text.slice(0, PREVIEW_CHARS),
      createdAt: m.createdAt,
    };
    const unread = { [`unread.${m.recipient.toHexString()}`]: 1 };
    // Each update is atomic on its document; the guard keeps two sends finishing out of
    // order from leaving the older one as "last", and the unread count moves once either way.
    const { matchedCount } = await this.deps.conversations.updateOne(
      {
        _id: conversationId,
        $or: [{ lastMessage: null }, { 'lastMessage.createdAt': mongoose.trusted({ $lte: m.createdAt }) }],
      },
      { $inc: unread, $set: { lastMessage, lastMessageAt: m.createdAt } },
    );
    if (matchedCount === 0)
      await this.deps.conversations.updateOne({ _id: conversationId }, { $inc: unread });
  }
}

function otherParticipant(c: ConversationDoc, userId: string): Types.ObjectId {
  return c.participants.find((p) => !p.equals(userId)) ?? c.participants[0]!;
}
