import { NotFoundError } from '../errors/app-error';
import { gameRoom } from '../modules/games/game-room';
import type { GameService } from '../modules/games/game-service';
import { clientEvents } from './client-events';
import type { OnEvent } from './socket-events';

/** The part of a socket the game events use: its rooms. */
export interface RoomMember {
  join(room: string): void | Promise<void>;
  leave(room: string): void | Promise<void>;
}

/**
 * game:join subscribes the socket to the game's room and answers the game as it is now, so a
 * client (re)connecting to any instance starts from the current state. The room is joined
 * before the game is read: an update landing between the two is then both in the answer or
 * pushed after it, never lost; the client keeps the higher `version`. A game the user may not
 * see (GameService.get: players, or anyone for an active game) is refused and the room left.
 *
 * game:move goes through the same GameService as REST; the mover's sockets get `game:updated`
 * too (it carries the version, so a client already holding it from the ack ignores it).
 */
export function registerGameHandlers(
  on: OnEvent,
  deps: {
    userId: string;
    socket: RoomMember;
    games: GameService;
    /** resolves once joined rooms receive broadcasts from other instances (the sharded adapter subscribes per room) */
    joined: () => Promise<void>;
  },
): void {
  const { userId, socket } = deps;
  on(clientEvents.gameJoin, async ({ gameId }) => {
    await socket.join(gameRoom(gameId));
    try {
      await deps.joined();
      return { game: await deps.games.get(userId, gameId) };
    } catch (err) {
      await socket.leave(gameRoom(gameId));
      throw err;
    }
  });
  // Leaving always succeeds; the game is answered while the user may still see it (a
  // spectator leaving a game that has just ended gets null).
  on(clientEvents.gameLeave, async ({ gameId }) => {
    await socket.leave(gameRoom(gameId));
    const game = await deps.games.get(userId, gameId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    return { game };
  });
  on(clientEvents.gameMove, async ({ gameId, move, version }) => ({
    game: await deps.games.move(userId, gameId, { move, version }),
  }));
}
