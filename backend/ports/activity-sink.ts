/**
 * The port through which domain services report what happened after it is persisted.
 * Notifications implement it; services never know about sockets.
 */
export type Activity =
  | { kind: 'follow'; actorId: string; userId: string }
  | { kind: 'like'; actorId: string; userId: string; postId: string }
  | { kind: 'reply'; actorId: string; userId: string; postId: string; replyId: string }
  | {
      kind: 'message';
      actorId: string;
      userId: string;
      conversationId: string;
      messageId: string;
      /** a preview for the notification list; the message itself stays in messages */
      text: string;
    }
  | {
      kind: 'game_invite' | 'game_move' | 'game_over';
      actorId: string;
      userId: string;
      gameId: string;
      /** the move in SAN (game_move) or how the game ended (game_over) */
      text?: string;
    };

export interface ActivitySink {
  record(activity: Activity): Promise<void>;
}
