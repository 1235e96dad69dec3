import { NotFoundError, RateLimitedError } from '../../errors/app-error';
import type { OnEvent, SocketContext } from '../../realtime/socket-events';
import { gameClientEvents } from './game-events';
import { gameRoom } from './game-room';
import type { GameService } from './game-service';

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
  socket: Pick<SocketContext, 'userId' | 'join' | 'leave' | 'joined'>,
  games: GameService,
  limits: { maxRooms?: () => number | undefined } = {},
): void {
  const { userId } = socket;
  /** the game rooms this socket is in by its own request (bounded: each costs every instance a subscription) */
  const rooms = new Set<string>();
  on(gameClientEvents.join, async ({ gameId }) => {
    const max = limits.maxRooms?.();
    if (max !== undefined && !rooms.has(gameId) && rooms.size >= max)
      throw new RateLimitedError(`A socket may watch at most ${max} games; leave one first (game:leave)`);
    rooms.add(gameId);
    await socket.join(gameRoom(gameId));
    try {
      // the sharded adapter subscribes per room: wait until other instances' broadcasts arrive
      await socket.joined();
      return { game: await games.get(userId, gameId) };
    } catch (err) {
      rooms.delete(gameId);
      await socket.leave(gameRoom(gameId));
      throw err;
    }
  });
  // Leaving always succeeds; the game is answered while the user may still see it (a
  // spectator leaving a game that has just ended gets null).
  on(gameClientEvents.leave, async ({ gameId }) => {
    rooms.delete(gameId);
    await socket.leave(gameRoom(gameId));
    const game = await games.get(userId, gameId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    return { game };
  });
  on(gameClientEvents.move, async ({ gameId, move, version }) => ({
    game: await games.move(userId, gameId, { move, version }),
  }));
}
