import { join } from 'node:path';
import { Types } from 'mongoose';
import { encodeCursor } from '../../pagination/page-cursor';
import type { Feature, FeatureContext } from '../feature';
import { gameClientEvents, gameServerEvents } from './game-events';
import { registerGameHandlers } from './game-handlers';
import { getGameModel } from './game-model';
import { gameNotificationKinds } from './game-notifications';
import { changedAfterQuery, myGamesQuery, openChallengesQuery } from './game-queries';
import { GameService } from './game-service';
import { publicGameSchema, toPublicGame } from './game-view';
import { gamesApi, gamesRoutes } from './games-routes';

/** The game service on the core's parts (the feature's own, and what its tests build). */
export function createGameService(
  ctx: Pick<FeatureContext, 'mongo' | 'userExists' | 'notifier' | 'activity'> &
    Partial<Pick<FeatureContext, 'config' | 'flags'>>,
): GameService {
  const { config, flags } = ctx;
  return new GameService({
    games: getGameModel(ctx.mongo),
    userExists: ctx.userExists,
    notifier: ctx.notifier,
    activity: ctx.activity,
    // the core's caps of open invitations, off with the other limits (rateLimit.enabled)
    openChallengeCaps:
      config &&
      flags &&
      (() =>
        flags.get('rateLimit.enabled')
          ? { perUser: config.quotas.openInvites, perOpponent: config.quotas.openInvitesPerRecipient }
          : undefined),
  });
}

/**
 * Two-player chess: REST (/api/games) and the `game:*` events share one GameService; chess.js
 * decides legality from the stored moves; every change is emitted as `game:updated`, comes
 * back in `sync` as `games`, and notifies the other player. Its panel for the demo client
 * (the board) is in public/, served by the demo at /demo/panels/chess/ when both are installed.
 */
export const chess: Feature = {
  name: 'chess',
  description:
    'Two-player chess over REST and Socket.IO (chess.js rules, live moves, spectating), with its demo panel',
  api: [gamesApi],
  clientEvents: Object.values(gameClientEvents),
  serverEvents: gameServerEvents,
  syncRows: [{ key: 'games', schema: publicGameSchema }],
  notificationKinds: Object.values(gameNotificationKinds),
  clientPanels: [{ shell: 'demo', dir: join(__dirname, 'public'), entry: 'games-view.mjs' }],
  create: (ctx) => {
    const games = createGameService(ctx);
    const model = getGameModel(ctx.mongo);
    return {
      routes: [{ path: '/api/games', access: 'user', router: gamesRoutes({ games }) }],
      onConnection: (on, socket) =>
        registerGameHandlers(on, socket, games, {
          maxRooms: () => (ctx.flags.get('rateLimit.enabled') ? ctx.config.quotas.roomsPerSocket : undefined),
        }),
      onAccountDeleted: (userId) => games.forgetPlayer(userId),
      syncSources: [
        {
          key: 'games',
          schema: publicGameSchema,
          // each game as it is now; a client that missed `game:updated` redraws from these
          read: (userId, since, limit, upTo) => games.changedAfter(userId, since, limit, upTo),
          timeOf: (row) => row.updatedAt,
          toPublic: toPublicGame,
        },
      ],
      indexChecks: async ({ a, b }, opts = { seed: true }) => {
        if (opts.seed) await games.accept(b, (await games.create(a, { opponentId: b })).id);
        const page = { limit: 20 };
        const cursor = encodeCursor({ createdAt: new Date(), _id: new Types.ObjectId() });
        return [
          { name: 'my games', query: myGamesQuery(model, a, page) },
          { name: 'my games by status', query: myGamesQuery(model, a, { ...page, status: 'active' }) },
          {
            name: 'my games (next page)',
            query: myGamesQuery(model, a, { ...page, status: 'active', cursor }),
          },
          { name: 'sync games', query: changedAfterQuery(model, a, new Date(0), 200) },
          { name: 'open challenges', query: openChallengesQuery(model, a, new Date(0)) },
          { name: 'open challenges to one opponent', query: openChallengesQuery(model, a, new Date(0), b) },
        ];
      },
    };
  },
};
