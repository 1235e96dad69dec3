import mongoose, { Types } from 'mongoose';
import { afterCursor, decodeCursor, newestFirst } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { ConversationModel } from './conversation-model';
import type { MessageModel } from './message-model';

// Unexecuted queries: the service runs them, and verify-indexes explains exactly these.

/** The user's conversations, most recent first. */
export function conversationsQuery(conversations: ConversationModel, userId: string, page: PageRequest) {
  const cursor = decodeCursor(page.cursor);
  return (
    conversations
      .find({
        participants: new Types.ObjectId(userId),
        ...(cursor
          ? {
              $or: [
                { lastMessageAt: mongoose.trusted({ $lt: cursor.createdAt }) },
                { lastMessageAt: cursor.createdAt, _id: mongoose.trusted({ $lt: cursor.id }) },
              ],
            }
          : {}),
      })
      .sort({ lastMessageAt: -1, _id: -1 })
      .limit(page.limit + 1)
      // the applied ids and the seen marks are the write path's, never shown
      .select({ applied: 0, appliedPrev: 0, seenUpTo: 0 })
  );
}

/** One conversation's messages, newest first. */
export function messagesQuery(messages: MessageModel, conversationId: Types.ObjectId, page: PageRequest) {
  return messages
    .find({ conversation: conversationId, ...afterCursor(decodeCursor(page.cursor)) })
    .sort(newestFirst)
    .limit(page.limit + 1);
}

/** The user's messages either way after `since` (up to `upTo` when given), oldest first (sync). */
export function createdAfterQuery(
  messages: MessageModel,
  userId: string,
  since: Date,
  limit: number,
  upTo?: Date,
) {
  const me = new Types.ObjectId(userId);
  return messages
    .find({
      $or: [{ recipient: me }, { sender: me }],
      createdAt: mongoose.trusted(upTo ? { $gt: since, $lte: upTo } : { $gt: since }),
    })
    .sort({ createdAt: 1, _id: 1 })
    .limit(limit + 1);
}
