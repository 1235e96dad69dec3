import { z } from 'zod';
import { clientEvent } from '../../realtime/client-events';
import type { ServerEvent } from '../../realtime/server-events';
import { gameIdInput, moveEventInput } from './game-inputs';
import { publicGameSchema } from './game-view';

/** The `game:*` events a client sends, each answered on its ack (game-handlers.ts). */
export const gameClientEvents = {
  join: clientEvent({
    name: 'game:join',
    summary: "Subscribe to a game's room; answers the game as it is now",
    payload: gameIdInput,
    reply: z.object({ game: publicGameSchema }),
  }),
  leave: clientEvent({
    name: 'game:leave',
    summary: "Leave a game's room (game is null when the caller may no longer see it)",
    payload: gameIdInput,
    reply: z.object({ game: publicGameSchema.nullable() }),
  }),
  move: clientEvent({
    name: 'game:move',
    summary: 'Play a move (as POST /api/games/:id/moves)',
    payload: moveEventInput,
    reply: z.object({ game: publicGameSchema }),
  }),
};

/** What GameService emits. */
export const gameServerEvents: readonly ServerEvent[] = [
  {
    name: 'game:updated',
    summary: 'A game changed, to its room and both players',
    payload: z.object({ game: publicGameSchema }),
  },
];
