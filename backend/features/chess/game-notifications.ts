import type { NotificationKindSpec } from '../../ports/activity-sink';

/** The notification kinds GameService records; each is about a game, answered as `gameId`. */
export const gameNotificationKinds = {
  invite: {
    kind: 'game_invite',
    summary: 'someone invited the user to a game',
    subjectField: 'gameId',
  },
  move: {
    kind: 'game_move',
    summary: 'the opponent moved (text: the move in SAN)',
    subjectField: 'gameId',
  },
  over: {
    kind: 'game_over',
    summary: "the opponent's move or resignation ended the game (text: how)",
    subjectField: 'gameId',
  },
} as const satisfies Record<string, NotificationKindSpec>;
