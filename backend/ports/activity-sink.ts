/**
 * The port through which domain services report what happened after it is persisted.
 * Notifications implement it; services never know about sockets.
 */
export type Activity =
  | { kind: 'follow'; actorId: string; userId: string }
  | { kind: 'like'; actorId: string; userId: string; postId: string }
  | { kind: 'reply'; actorId: string; userId: string; postId: string; replyId: string }
  | {
      kind: 'game_invite' | 'game_move' | 'game_over';
      actorId: string;
      userId: string;
      gameId: string;
      /** the move in SAN (game_move) or how the game ended (game_over) */
      text?: string;
    };
// Messages report no activity: their notification is derived from the message
// (notifications/message-notification.ts), so a message costs no notification write.

export interface ActivitySink {
  record(activity: Activity): Promise<void>;
}
