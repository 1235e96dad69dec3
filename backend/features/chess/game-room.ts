/**
 * The room of a game's watchers: the sockets that sent `game:join` (players' devices and
 * spectators). Named here because both the service (who emits to it) and the socket handlers
 * (who join it) must agree on it; `user:<id>` rooms cannot collide with it.
 */
export const gameRoom = (gameId: string) => `game:${gameId}`;
